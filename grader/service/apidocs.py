"""The API's documentation pages, served with everything they load from this app, so that
they render offline: ``/docs`` (Swagger UI) and ``/redoc`` (ReDoc).

The scripts and styles are the copies of swagger-ui-dist and redoc that the
``fastapi-offline`` package ships, served under ``/static-offline-docs``. ReDoc's script
shows a logo from its vendor's CDN in the side menu; the copy served here points it at the
local favicon instead. Each page also carries a Content-Security-Policy that allows nothing
but this origin (and ``blob:`` workers, which ReDoc starts), so no request leaves the
machine.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

STATIC_URL = "/static-offline-docs"
STATIC_DIR = Path(fastapi_offline.__file__).resolve().parent / "static"
REDOC_JS = "redoc.standalone.js"
REDOC_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"
# Swagger UI: no call to the online validator, the token kept across reloads
SWAGGER_UI = {"validatorUrl": None, "persistAuthorization": True}
CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' "
       "'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; worker-src 'self' "
       "blob:; connect-src 'self'; frame-ancestors 'none'")


@lru_cache(maxsize=1)
def redoc_script() -> bytes:
    """ReDoc's standalone script with its CDN logo replaced by the local favicon."""
    text = (STATIC_DIR / REDOC_JS).read_text(encoding="utf-8")
    return text.replace(REDOC_LOGO, f"{STATIC_URL}/favicon.png").encode("utf-8")


def _page(html: HTMLResponse) -> HTMLResponse:
    html.headers["Content-Security-Policy"] = CSP
    return html


def install_docs(app: FastAPI, docs_url: str = "/docs", redoc_url: str = "/redoc") -> None:
    """Add the documentation pages and their assets to ``app`` (created with
    ``docs_url=None, redoc_url=None``)."""
    openapi_url = app.openapi_url or "/openapi.json"
    oauth2_url = app.swagger_ui_oauth2_redirect_url or f"{docs_url}/oauth2-redirect"
    favicon = f"{STATIC_URL}/favicon.png"

    @app.get(f"{STATIC_URL}/{REDOC_JS}", include_in_schema=False)
    def redoc_js() -> Response:
        return Response(redoc_script(), media_type="text/javascript",
                        headers={"Cache-Control": "public, max-age=86400"})

    app.mount(STATIC_URL, StaticFiles(directory=str(STATIC_DIR)), name="offline-docs")

    @app.get(docs_url, include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return _page(get_swagger_ui_html(
            openapi_url=openapi_url, title=f"{app.title} - Swagger UI",
            oauth2_redirect_url=oauth2_url,
            swagger_js_url=f"{STATIC_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{STATIC_URL}/swagger-ui.css", swagger_favicon_url=favicon,
            swagger_ui_parameters=SWAGGER_UI))

    @app.get(oauth2_url, include_in_schema=False)
    def swagger_ui_redirect() -> HTMLResponse:
        return _page(get_swagger_ui_oauth2_redirect_html())

    @app.get(redoc_url, include_in_schema=False)
    def redoc() -> HTMLResponse:
        return _page(get_redoc_html(
            openapi_url=openapi_url, title=f"{app.title} - ReDoc",
            redoc_js_url=f"{STATIC_URL}/{REDOC_JS}", redoc_favicon_url=favicon,
            with_google_fonts=False))
