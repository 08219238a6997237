"""Session fixtures for real Redis and PostgreSQL servers (a pytest plugin, loaded by the root
conftest). Tests that use them are marked ``servers``: when a server cannot start they skip,
and under CI=true that skip is a failure (scripts/scale-setup.sh installs both)."""

from __future__ import annotations

import pytest

from tests.conftest import CI

from .servers import PostgresServer, RedisServer, ServerUnavailable


def _unavailable(exc: Exception) -> None:
    if CI:
        pytest.fail(f"a required server cannot start under CI=true: {exc}")
    pytest.skip(str(exc))


@pytest.fixture(scope="session")
def redis_server():
    try:
        server = RedisServer().start()
    except ServerUnavailable as exc:
        _unavailable(exc)
    yield server
    server.close()


@pytest.fixture(scope="session")
def postgres_server():
    try:
        server = PostgresServer().start()
    except ServerUnavailable as exc:
        _unavailable(exc)
    yield server
    server.close()
