"""docker-compose.yml describes a deployment that can work: every setting it passes is one the
grader reads, workers can be scaled, every service has a healthcheck, state lives in volumes,
and the images it builds exist. (No image registry is reachable here, so the file is checked,
not started; the same processes are started for real by the other tests of this folder.)"""

from __future__ import annotations

import re

import yaml

from grader.config import Settings
from tests.conftest import REPO

COMPOSE = yaml.safe_load((REPO / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
#: The Docker sandbox's runner image setting (grader/sandbox/docker.py, built concurrently).
OTHER_SETTINGS = {"GRADER_DOCKER_IMAGE"}


def test_every_grader_setting_is_a_setting():
    known = {f"GRADER_{name.upper()}" for name in Settings.model_fields} | OTHER_SETTINGS
    for name in ("api", "worker", "worker-process"):
        env = SERVICES[name]["environment"]
        assert set(env) <= known, set(env) - known
        assert env["GRADER_QUEUE"] == "celery"
        assert env["GRADER_DATABASE_URL"].startswith("postgresql://grader:")
        assert "@postgres:5432/grader" in env["GRADER_DATABASE_URL"]
        assert env["GRADER_BROKER_URL"] == "redis://redis:6379/0"
    assert SERVICES["worker-process"]["environment"]["GRADER_SANDBOX"] == "process"
    dockerfile = (REPO / "docker" / "api.Dockerfile").read_text()
    for name in re.findall(r"\b(GRADER_[A-Z_]+)=", dockerfile):
        assert name in known, name


def test_workers_scale_and_everything_is_health_checked():
    for name in ("worker", "worker-process"):
        worker = SERVICES[name]
        assert "container_name" not in worker and "ports" not in worker  # --scale worker=N
        assert worker["command"][:2] == ["grader", "worker"]
        assert worker["healthcheck"]["test"] == ["CMD", "grader", "worker", "--ping"]
        grace = int(worker["stop_grace_period"].rstrip("s"))
        assert grace > Settings().grading_seconds  # a warm shutdown lets gradings finish
    for name in ("api", "worker", "redis", "postgres"):
        assert SERVICES[name]["healthcheck"]["test"], name
    for name in ("api", "worker"):
        deps = SERVICES[name]["depends_on"]
        assert deps == {"postgres": {"condition": "service_healthy"},
                        "redis": {"condition": "service_healthy"}}
    assert SERVICES["api"]["build"]["dockerfile"] == "docker/api.Dockerfile"
    assert (REPO / "docker" / "api.Dockerfile").is_file()


def test_state_lives_in_volumes():
    assert set(COMPOSE["volumes"]) == {"api-data", "redis-data", "pg-data"}
    assert "pg-data:/var/lib/postgresql/data" in SERVICES["postgres"]["volumes"]
    assert "redis-data:/data" in SERVICES["redis"]["volumes"]
    assert "--appendonly" in SERVICES["redis"]["command"]  # queued messages survive a restart
    assert "api-data:/data" in SERVICES["api"]["volumes"]
