"""schemathesis against the OpenAPI schema of a running service: no server error.

Every operation is called with data generated from the schema (bounded: a few examples
each, derandomized) as the demo instructor, whose token reaches every route, on a server of
its own (the fuzzing changes settings freely).
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from .conftest import Server

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]

EXAMPLES = 12


def test_no_server_error(tmp_path, require_bwrap):
    server = Server(tmp_path / "fuzz").start()
    try:
        auth = {"Authorization": f"Bearer {server.tokens()['instructor']}"}
        schema = schemathesis.openapi.from_url(server.url + "/openapi.json")
        errors: list[str] = []
        statuses: dict[int, int] = {}
        operations = 0
        for result in schema.get_all_operations():
            op = result.ok()
            operations += 1

            @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                      suppress_health_check=list(HealthCheck))
            @given(case=op.as_strategy())
            def call(case):
                r = case.call(base_url=server.url, headers=auth, timeout=60)
                statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
                if r.status_code >= 500:
                    errors.append(f"{case.method} {case.path} -> {r.status_code}: "
                                  f"{r.text[:300]}")

            call()
        assert operations >= 18
        assert sum(n for code, n in statuses.items() if code < 300) >= operations, statuses
        assert not errors, "\n".join(errors[:10])
        log = server.log.read_text()
        assert "Traceback" not in log, log[-3000:]
    finally:
        server.stop()
