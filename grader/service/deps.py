"""What routes depend on: the service's parts and the caller (``Authorization: Bearer``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ..config import Settings
from ..queue.base import JobQueue
from ..queue.runner import JobRunner
from ..store.db import Store
from ..store.errors import Forbidden, Unauthorized
from ..store.models import User
from ..store.users import user_for_token


@dataclass
class Services:
    """The parts of a running service."""

    settings: Settings
    store: Store
    queue: JobQueue
    runner: JobRunner


def services(request: Request) -> Services:
    """The running service's parts."""
    return request.app.state.services


bearer = HTTPBearer(auto_error=False, description="An API token from `grader users add`, a "
                    "roster upload or `grader serve --demo`.")


def current_user(svc: Annotated[Services, Depends(services)],
                 creds: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)]
                 ) -> User:
    """The caller.

    Raises:
        Unauthorized: no token, or a token that is not valid.
    """
    if creds is None:
        raise Unauthorized("missing API token: send the header 'Authorization: Bearer "
                           "<token>' (`grader users add` prints a token)")
    with svc.store.read() as s:
        user = user_for_token(s, creds.credentials)
    if user is None:
        raise Unauthorized("invalid API token: it is not one this service issued (check for "
                           "a typo, or ask for a new one)")
    return user


def staff_user(user: Annotated[User, Depends(current_user)]) -> User:
    """The caller, who must be an instructor or an admin.

    Raises:
        Forbidden: a student.
    """
    if user.acting_role not in ("admin", "instructor"):
        raise Forbidden("only instructors and admins can do this")
    return user


def admin_user(user: Annotated[User, Depends(current_user)]) -> User:
    """The caller, who must be an admin.

    Raises:
        Forbidden: not an admin.
    """
    if user.acting_role != "admin":
        raise Forbidden("only admins can do this")
    return user


Svc = Annotated[Services, Depends(services)]
Caller = Annotated[User, Depends(current_user)]
Staff = Annotated[User, Depends(staff_user)]
Admin = Annotated[User, Depends(admin_user)]
