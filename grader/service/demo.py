"""``grader serve --demo``: course ``demo`` with every built-in published, an instructor and
two students, their tokens printed and written to ``demo-tokens.json`` in the data folder.

Running it again reuses what exists (and the tokens in ``demo-tokens.json`` while they are
valid), so a restarted demo keeps its submissions and tokens.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

from ..assignments.fixtures import FixtureError, load_fixtures
from ..assignments.loader import AssignmentError, builtin_slugs, load_assignment
from ..store.assignments import add_builtin
from ..store.courses import create_course, find_course
from ..store.db import Store
from ..store.errors import NotFound
from ..store.models import Assignment
from ..store.users import create_user, enrol, get_user, issue_token, user_for_token
from .deps import Services

COURSE = "demo"
PEOPLE = [("instructor", "instructor"), ("alice", "student"), ("bob", "student")]


def tokens_file(svc: Services) -> Path:
    """Where the demo's tokens are written."""
    return svc.settings.service_dir / "demo-tokens.json"


def _previous_tokens(store: Store, path: Path) -> dict[str, str]:
    try:
        saved = json.loads(path.read_text())["tokens"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    valid = {}
    with store.read() as s:
        for name, token in saved.items():
            user = user_for_token(s, str(token))
            if user is not None and user.name == name:
                valid[name] = token
    return valid


def seed_demo(svc: Services, log: Callable[[str], None] = print) -> dict:
    """Create (or reuse) the demo course, its assignments and people; returns what was
    written to ``demo-tokens.json``."""
    settings = svc.settings
    path = tokens_file(svc)
    tokens = _previous_tokens(svc.store, path)
    published = []
    with svc.store.write() as s:
        course = find_course(s, COURSE) or create_course(s, COURSE, "Demo course", None)
        for slug in builtin_slugs(settings):
            exists = s.query(Assignment).filter_by(course_id=course.id, slug=slug).first()
            if exists is not None:
                exists.published = True
                published.append(slug)
                continue
            try:
                loaded = load_assignment(slug, settings)
                fixtures = load_fixtures(loaded)
            except (AssignmentError, FixtureError) as exc:
                log(f"demo: skipping built-in {slug}: {exc}")
                continue
            add_builtin(s, course, loaded, f"built-in assignment; fixtures "
                        f"{fixtures.digest[:16]} verified", {"published": True})
            published.append(slug)
        for name, role in PEOPLE:
            try:
                user = get_user(s, name)
            except NotFound:
                user = create_user(s, name, role)
            enrol(s, course, user, role)
            if name not in tokens:
                tokens[name] = issue_token(s, user, label="demo")
    base = f"http://{settings.host}:{settings.port}"
    info = {"url": base, "docs": f"{base}/docs", "course": COURSE, "assignments": published,
            "tokens": tokens}
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(info, fh, indent=2)
        fh.write("\n")
    return info


def demo_banner(info: dict, path: Path) -> str:
    """What ``grader serve --demo`` prints: tokens and a first command to try."""
    lines = [f"demo course '{info['course']}' with: {', '.join(info['assignments']) or 'none'}",
             f"tokens (also in {path}):"]
    for name, token in info["tokens"].items():
        lines.append(f"  {name:<11} {token}")
    if "fc-optim" in info["assignments"]:
        example = "examples/fc-optim/adam_no_bias_correction/nndl/optim.py"
        lines += ["try (from the repository's folder):",
                  f"  curl -H 'Authorization: Bearer {info['tokens']['alice']}' \\",
                  f"       -F 'files=@{example};filename=nndl/optim.py' \\",
                  f"       {info['url']}/api/v1/courses/demo/assignments/fc-optim/submissions",
                  f"  curl -H 'Authorization: Bearer {info['tokens']['alice']}' "
                  f"{info['url']}/api/v1/submissions/ID"]
    lines.append(f"web portal: {info['url']}/ (sign in with a token above)")
    lines.append(f"API docs: {info['docs']}")
    return "\n".join(lines)
