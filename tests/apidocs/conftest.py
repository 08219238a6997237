"""The API documentation pages (/docs, /redoc) and the OpenAPI document they show."""

from __future__ import annotations

import pytest

from tests.conftest import REPO
from tests.service.conftest import Server, require_bwrap  # noqa: F401

ARTIFACTS = REPO / "test-output" / "apidocs"


@pytest.fixture(scope="module")
def docs_server(tmp_path_factory, require_bwrap):  # noqa: F811
    srv = Server(tmp_path_factory.mktemp("apidocs"), demo=False).start()
    yield srv
    srv.stop()
