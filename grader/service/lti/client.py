"""Calls to the LMS: OAuth 2 client-credentials tokens (RFC 7523 JWT assertion signed with
this tool's key), Assignment and Grade Services (line items, scores) and Names and Role
Provisioning (memberships, page by page). Every failure is a ``PlatformError`` saying which
call failed, with the platform's status and answer."""

from __future__ import annotations

import secrets
import threading
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import jwt

from ...store.db import Store
from ...store.models import LtiPlatform
from .claims import SCOPE_LINEITEM, SCOPE_NRPS, SCOPE_SCORE
from .keys import signing_key

SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"
LINEITEM_TYPE = "application/vnd.ims.lis.v2.lineitem+json"
LINEITEMS_TYPE = "application/vnd.ims.lis.v2.lineitemcontainer+json"
MEMBERSHIP_TYPE = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"


class PlatformError(RuntimeError):
    """A call to the LMS failed (the message names the call and the platform's answer)."""


def _answer(r: httpx.Response) -> str:
    return f"HTTP {r.status_code}: {r.text[:300]}"


class PlatformClient:
    """Calls to one platform, with its access tokens cached until shortly before they
    expire."""

    _tokens: dict[tuple[int, str], tuple[str, float]] = {}
    _lock = threading.Lock()

    def __init__(self, store: Store, platform: LtiPlatform, timeout: float) -> None:
        self.store, self.platform, self.timeout = store, platform, timeout

    def token(self, scopes: list[str]) -> str:
        """An access token for ``scopes``.

        Raises:
            PlatformError: the token endpoint refused or could not be reached.
        """
        key = (self.platform.id, " ".join(sorted(scopes)))
        with self._lock:
            hit = self._tokens.get(key)
        if hit and hit[1] > time.time():
            return hit[0]
        with self.store.write() as s:
            kid, private = signing_key(s)
        now = int(time.time())
        assertion = jwt.encode(
            {"iss": self.platform.client_id, "sub": self.platform.client_id,
             "aud": self.platform.token_audience or self.platform.auth_token_url,
             "iat": now, "exp": now + 300, "jti": secrets.token_urlsafe(16)},
            private, algorithm="RS256", headers={"kid": kid})
        try:
            r = httpx.post(self.platform.auth_token_url, timeout=self.timeout, data={
                "grant_type": "client_credentials",
                "client_assertion_type":
                    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                "client_assertion": assertion, "scope": " ".join(scopes)})
        except httpx.HTTPError as exc:
            raise PlatformError(f"the token endpoint {self.platform.auth_token_url} could not "
                                f"be reached ({exc})") from None
        if r.status_code != 200:
            raise PlatformError(f"the token endpoint {self.platform.auth_token_url} refused "
                                f"this tool's client assertion ({_answer(r)})")
        body = r.json()
        value = str(body.get("access_token") or "")
        if not value:
            raise PlatformError("the token endpoint answered without an access_token")
        life = float(body.get("expires_in") or 3600)
        with self._lock:
            self._tokens[key] = (value, time.time() + max(0.0, life - 30))
        return value

    def _call(self, method: str, url: str, scopes: list[str], what: str, **kw: Any
              ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.token(scopes)}", **kw.pop("headers", {})}
        try:
            r = httpx.request(method, url, headers=headers, timeout=self.timeout, **kw)
        except httpx.HTTPError as exc:
            raise PlatformError(f"{what}: {url} could not be reached ({exc})") from None
        if r.status_code >= 300:
            raise PlatformError(f"{what}: {url} answered {_answer(r)}")
        return r

    def post_score(self, lineitem_url: str, user_sub: str, given: float, maximum: float,
                   comment: str = "") -> None:
        """Send one student's score to a line item (AGS score service).

        Raises:
            PlatformError: the platform refused it or could not be reached.
        """
        parts = urlsplit(lineitem_url)
        url = urlunsplit(parts._replace(path=parts.path.rstrip("/") + "/scores"))
        stamp = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        body = {"userId": user_sub, "scoreGiven": given, "scoreMaximum": maximum,
                "activityProgress": "Completed", "gradingProgress": "FullyGraded",
                "timestamp": stamp}
        if comment:
            body["comment"] = comment
        self._call("POST", url, [SCOPE_SCORE], "posting a score", json=body,
                   headers={"Content-Type": SCORE_TYPE})

    def find_or_create_line_item(self, lineitems_url: str, resource_link_id: str, label: str,
                                 maximum: float, tag: str) -> str:
        """The line item of a resource link (created if the LMS has none); its URL.

        Raises:
            PlatformError: the platform refused or could not be reached.
        """
        r = self._call("GET", lineitems_url, [SCOPE_LINEITEM], "listing line items",
                       params={"resource_link_id": resource_link_id},
                       headers={"Accept": LINEITEMS_TYPE})
        for item in r.json() or []:
            if item.get("resourceLinkId") == resource_link_id or item.get("tag") == tag:
                return str(item["id"])
        r = self._call("POST", lineitems_url, [SCOPE_LINEITEM], "creating a line item",
                       json={"label": label, "scoreMaximum": maximum,
                             "resourceLinkId": resource_link_id, "tag": tag},
                       headers={"Content-Type": LINEITEM_TYPE})
        return str(r.json()["id"])

    def members(self, memberships_url: str, limit_pages: int = 1000) -> list[dict[str, Any]]:
        """Every member of the context (following the ``next`` links).

        Raises:
            PlatformError: the platform refused or could not be reached.
        """
        out: list[dict[str, Any]] = []
        url: str | None = memberships_url
        for _ in range(limit_pages):
            if url is None:
                break
            r = self._call("GET", url, [SCOPE_NRPS], "reading the roster",
                           headers={"Accept": MEMBERSHIP_TYPE})
            out.extend(r.json().get("members") or [])
            url = r.links.get("next", {}).get("url")
        return out
