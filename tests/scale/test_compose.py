"""docker-compose.yml describes a deployment that can work and is safe: every setting it passes
is one the grader reads, workers can be scaled, every service has a healthcheck, state lives
in volumes, every image is named through a variable defaulting to the official image, and no
service but the workers mounts the Docker socket. (``tests/deploy/`` starts it for real.)"""

from __future__ import annotations

import re

import yaml

from grader.config import Settings
from tests.conftest import REPO

COMPOSE = yaml.safe_load((REPO / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
#: The Docker sandbox's runner image setting (grader/sandbox/docker.py, built concurrently).
OTHER_SETTINGS = {"GRADER_DOCKER_IMAGE"}
SOCKET = "/var/run/docker.sock"


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


def test_only_the_workers_mount_the_docker_socket():
    holders = {name for name, svc in SERVICES.items()
               if any(SOCKET in str(v) for v in svc.get("volumes", []))}
    assert holders == {"worker"}
    api = SERVICES["api"]
    assert api["user"] == "10001:10001" and api["cap_drop"] == ["ALL"]
    assert api["read_only"] is True and "no-new-privileges:true" in api["security_opt"]
    assert "privileged" not in str(COMPOSE)
    # nor does the service image ask for it
    assert SOCKET not in (REPO / "docker" / "api.Dockerfile").read_text()


def test_every_image_is_a_variable_defaulting_to_the_official_one():
    assert SERVICES["redis"]["image"] == "${REDIS_IMAGE:-redis:7}"
    assert SERVICES["postgres"]["image"] == "${POSTGRES_IMAGE:-postgres:16}"
    for name in ("api", "worker", "worker-process"):
        svc = SERVICES[name]
        assert svc["image"] == "${GRADER_IMAGE:-dl-autograder:latest}"
        assert svc["build"]["args"]["BASE_IMAGE"] == "${GRADER_BASE_IMAGE:-python:3.12-slim}"
    dockerfile = (REPO / "docker" / "api.Dockerfile").read_text()
    assert "ARG BASE_IMAGE=python:3.12-slim\nFROM ${BASE_IMAGE}" in dockerfile
    assert "version" not in COMPOSE  # the Compose Specification: v2 and 1.27+ both read it
