"""A ``grader worker``'s own ``/metrics`` (``GRADER_METRICS_PORT``): what is observed in its
pool processes (sandbox start times), gathered with prometheus-client's multiprocess mode.

``prepare`` must run before ``prometheus_client`` is first imported in the process (the
library picks how it stores values at import), so it imports nothing of it; ``serve`` starts
the HTTP endpoint in the worker's main process. Gradings, queue depths, latencies and
heartbeats are the API's ``/metrics`` (from the database, whichever worker did the work).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

ENV = "PROMETHEUS_MULTIPROC_DIR"


def prepare(base: Path) -> Path:
    """A fresh folder for the pool processes' metric files, set in the environment."""
    base.mkdir(parents=True, exist_ok=True)
    old = os.environ.get(ENV)
    if old and Path(old).parent == base:
        shutil.rmtree(old, ignore_errors=True)
    folder = Path(tempfile.mkdtemp(prefix="metrics-", dir=base))
    os.environ[ENV] = str(folder)
    return folder


def serve(port: int) -> None:
    """Serve the gathered metrics on ``port`` (all addresses) from a thread."""
    from prometheus_client import CollectorRegistry, start_http_server
    from prometheus_client.multiprocess import MultiProcessCollector

    registry = CollectorRegistry()
    MultiProcessCollector(registry)
    start_http_server(port, registry=registry)
