"""Every store test runs on a SQLite file and on a real PostgreSQL server."""

from __future__ import annotations

import pytest

from grader.config import Settings
from grader.store.db import Store


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.servers)])
def store_url(request, tmp_path) -> str:
    """The URL of a fresh, empty database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'grader.db'}"
    return request.getfixturevalue("postgres_server").new_database()


@pytest.fixture
def store(store_url, tmp_path):
    st = Store(Settings(data_dir=tmp_path, database_url=store_url))
    st.migrate()
    yield st
    st.close()
