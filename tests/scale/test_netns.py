"""Workers as separate machines: each in a network namespace of its own, linked to the host by
a veth pair, reaching Redis and PostgreSQL by the host's address on that link (their loopback
is their own: the host's servers are not there), each with a data folder of its own. An
uploaded bundle lives in the database, so the workers unpack it themselves.

The links use link-local addresses (169.254.N.0/30) on this machine only; the namespaces and
links are removed at the end whatever happens."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import CI

from .conftest import BUNDLES, Deployment, bundle_zip, example_files
from .servers import PostgresServer, RedisServer, ServerUnavailable

pytestmark = [pytest.mark.servers, pytest.mark.sandbox, pytest.mark.slow]


def ip(*args: str) -> None:
    res = subprocess.run(["ip", *args], capture_output=True, text=True)
    if res.returncode != 0:
        raise RuntimeError(f"ip {' '.join(args)}: {res.stderr.strip()}")


class Link:
    """A network namespace joined to the host by a veth pair (host .1, namespace .2)."""

    def __init__(self, tag: str, subnet: str) -> None:
        self.ns = f"gs{os.getpid()}{tag}"
        self.host_if, self.ns_if = f"gs{os.getpid()}{tag}0", f"gs{os.getpid()}{tag}1"
        self.host_ip, self.ns_ip = f"{subnet}.1", f"{subnet}.2"
        self.net = f"{subnet}.0/30"

    def up(self) -> Link:
        ip("netns", "add", self.ns)
        ip("link", "add", self.host_if, "type", "veth", "peer", "name", self.ns_if)
        ip("link", "set", self.ns_if, "netns", self.ns)
        ip("addr", "add", f"{self.host_ip}/30", "dev", self.host_if)
        ip("link", "set", self.host_if, "up")
        ip("-n", self.ns, "addr", "add", f"{self.ns_ip}/30", "dev", self.ns_if)
        ip("-n", self.ns, "link", "set", self.ns_if, "up")
        ip("-n", self.ns, "link", "set", "lo", "up")
        return self

    def down(self) -> None:
        subprocess.run(["ip", "netns", "del", self.ns], capture_output=True)
        subprocess.run(["ip", "link", "del", self.host_if], capture_output=True)

    def reaches(self, host: str, port: int) -> bool:
        """Whether a TCP connection from inside the namespace to host:port succeeds."""
        code = ("import socket,sys\ntry:\n socket.create_connection((sys.argv[1], "
                "int(sys.argv[2])), timeout=2).close()\nexcept OSError:\n sys.exit(1)")
        res = subprocess.run(["ip", "netns", "exec", self.ns, sys.executable, "-c", code,
                              host, str(port)], capture_output=True)
        return res.returncode == 0


@pytest.fixture
def links():
    if os.geteuid() != 0 or not shutil.which("ip"):
        message = "network namespaces need root and iproute2 (scripts/scale-setup.sh)"
        if CI:
            pytest.fail(message)
        pytest.skip(message)
    n = 16 + os.getpid() % 200
    made = [Link("a", f"169.254.{n}"), Link("b", f"169.254.{n + 1}")]
    try:
        for link in made:
            link.up()
        yield made
    finally:
        for link in made:
            link.down()
        left = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
        assert not any(link.ns in left for link in made)


def test_workers_in_their_own_network_namespaces(links, tmp_path, require_bwrap):
    hosts = tuple(link.host_ip for link in links)
    try:
        redis = RedisServer(bind=hosts).start()
        pg = PostgresServer(listen=hosts, trust=tuple(link.net for link in links)).start()
    except ServerUnavailable as exc:
        if CI:
            pytest.fail(str(exc))
        pytest.skip(str(exc))
    dep = Deployment(tmp_path, redis, pg.new_database())
    try:
        db_name = dep.database_url.rsplit("/", 1)[1]
        for link in links:
            # the host's loopback is not the worker's: only the link's address reaches it
            assert not link.reaches("127.0.0.1", redis.port)
            assert not link.reaches("127.0.0.1", pg.port)
            assert link.reaches(link.host_ip, redis.port)
        dep.start_api()
        teacher, alice = dep.api_as("instructor"), dep.api_as("alice")
        r = teacher.post("/api/v1/courses", json={"slug": "tiny", "title": "Tiny"})
        assert r.status_code == 201, r.text
        teacher.post("/api/v1/courses/tiny/roster",
                     files={"file": ("roster.csv", b"name\nalice\n")})
        workers = []
        for name, link in zip(("wa", "wb"), links, strict=True):
            env = {"GRADER_BROKER_URL": redis.url(host=link.host_ip),
                   "GRADER_DATABASE_URL": pg.url(db_name, host=link.host_ip)}
            workers.append(dep.add_worker(name, netns=link.ns, env=env))
        # the bundle is validated by a worker (the API has no sandbox)
        v = teacher.upload_bundle("tiny", bundle_zip(BUNDLES / "tiny-sgd"), publish="true")
        assert v["status"] == "passed", v
        ref = (BUNDLES / "tiny-sgd" / "reference" / "tiny" / "optim.py").read_bytes()
        ids = []
        for i in range(8):
            if i % 2:
                r = alice.submit("tiny", "tiny-sgd", [("tiny/optim.py", ref)])
            else:
                r = alice.submit("demo", "fc-optim", example_files())
            assert r.status_code == 202, r.text
            ids.append(r.json()["id"])
        results = [alice.wait(sid, timeout=180) for sid in ids]
        assert all(r["status"] == "graded" for r in results)
        assert all(r["score"] == r["max_score"] for r in results[1::2])  # the reference
        by = dict(dep.rows("SELECT worker, count(*) FROM jobs GROUP BY worker"))
        assert set(by) == {w.name for w in workers}, by  # both machines graded
        bundle_jobs = dep.rows("SELECT j.worker FROM jobs j JOIN submissions s ON "
                               "s.id = j.submission_id JOIN assignments a ON "
                               "a.id = s.assignment_id WHERE a.slug = 'tiny-sgd'")
        for w in workers:
            unpacked = list((w.data_dir / "bundles").glob("*/manifest.toml")) \
                if (w.data_dir / "bundles").is_dir() else []
            assert bool(unpacked) == ((w.name,) in bundle_jobs)  # from the database
            assert Path(dep.api.data_dir) not in w.data_dir.parents
    finally:
        dep.close()
        redis.close()
        pg.close()
