"""``grader login``, ``submit``, ``status`` and ``results`` as real processes against the real
service over HTTP; every refusal with its exact message, its exit code, and nothing stored."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import time
import tomllib

import pytest

from tests.conftest import REPO

from .conftest import EXAMPLE, GRADER

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]

WRONG_TOKEN = ("error: the grading service at {url} refused your token: invalid API token: "
               "it is not one this service issued (check for a typo, or ask for a new one). "
               "Run `grader login` with a valid token\n")


def stored(service) -> tuple[int, int]:
    return service.count("submissions"), service.count("jobs")


def without_timing(table: str) -> str:
    """The table without what differs between two gradings of the same code (the time)."""
    return re.sub(r"time: [0-9.]+ s", "time: _ s", table)


def test_login_refuses_a_wrong_token_and_saves_nothing(home, service):
    out = home.run("login", "--url", service.url, "--token", "gr_not-a-real-token")
    assert out.returncode == 3
    assert out.stderr == WRONG_TOKEN.format(url=service.url)
    assert out.stdout == ""
    assert not home.login_file.exists()


def test_login_asks_for_the_token_and_keeps_it_private(home, service, demo_tokens):
    out = home.run("login", "--url", service.url + "/", stdin=demo_tokens["alice"] + "\n")
    assert out.returncode == 0, out.stderr
    assert out.stdout == (f"logged in to {service.url} as alice: demo (student)\n"
                          f"saved to {home.login_file} (readable by you only)\n")
    assert demo_tokens["alice"] not in out.stdout + out.stderr
    assert stat.S_IMODE(home.login_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(home.login_file.parent.stat().st_mode) == 0o700
    saved = tomllib.loads(home.login_file.read_text())
    assert saved == {"url": service.url, "token": demo_tokens["alice"]}
    # a login file others can read is refused, with the fix
    os.chmod(home.login_file, 0o644)
    out = home.run("status", "1")
    assert out.returncode == 3
    assert out.stderr == (f"error: {home.login_file} holds your token but others can read it "
                          f"(mode 644); run `chmod 600 {home.login_file}` or `grader login` "
                          "again\n")
    out = home.run("logout")
    assert out.stdout == f"removed {home.login_file}\n" and not home.login_file.exists()


def test_login_to_a_course_one_is_not_in(home, service, demo_tokens):
    out = home.run("login", "--url", service.url, "--token", demo_tokens["alice"],
                   "--course", "cs231n")
    assert out.returncode == 2
    assert out.stderr == "error: you are not in course 'cs231n' (your courses: demo)\n"
    assert not home.login_file.exists()


def test_submit_waits_and_prints_the_table_of_grader_grade(home, service, demo_tokens):
    home.login(service.url, demo_tokens["alice"])
    before = stored(service)
    out = home.run("submit", "fc-optim", str(EXAMPLE))
    assert out.returncode == 0, out.stderr
    assert stored(service) == (before[0] + 1, before[1] + 1)
    found = re.fullmatch(r"submitted to fc-optim \(demo\) as submission (\d+), attempt \d+; "
                         r"waiting for the result\n", out.stderr)
    assert found, out.stderr
    sid = int(found.group(1))
    local = subprocess.run(GRADER + ["grade", "fc-optim", str(EXAMPLE), "--format", "table",
                                     "--sandbox", "process"], capture_output=True, text=True,
                           cwd=REPO, env=home.env, timeout=300)
    assert local.returncode == 0, local.stderr
    # the same table as `grader grade` (the hint at the end names the client's option)
    assert without_timing(out.stdout) == without_timing(local.stdout).replace(
        "(--format json lists them all)", f"(`grader status {sid} --json` lists them all)")
    assert "score: 88.62 / 100" in out.stdout and "~~  adam" in out.stdout
    assert "\x1b[" not in out.stdout  # no colour when piped

    # --fail-under: the same submission again, below and above the threshold
    out = home.run("submit", "fc-optim", str(EXAMPLE), "--fail-under", "90")
    assert out.returncode == 1
    assert out.stderr.endswith("error: score 88.62 / 100 (88.6%) is below --fail-under 90%\n")
    out = home.run("submit", "fc-optim", str(EXAMPLE), "--fail-under", "88.5", "--json")
    assert out.returncode == 0, out.stderr
    body = json.loads(out.stdout)
    assert body["status"] == "graded" and body["score"] == 88.62
    assert body["result"]["audience"] == "student"


def test_no_wait_then_status_and_results(home, service, demo_tokens):
    home.login(service.url, demo_tokens["bob"])
    out = home.run("submit", "fc-optim", str(EXAMPLE / "nndl" / "optim.py"), "--no-wait")
    assert out.returncode == 0, out.stderr
    found = re.fullmatch(r"submission (\d+): queued \(attempt (\d+)\); see it with `grader "
                         r"status (\d+)`\n", out.stdout)
    assert found and found.group(1) == found.group(3), out.stdout
    sid = int(found.group(1))
    deadline = time.monotonic() + 120
    while True:  # poll the service through the CLI until graded
        status = home.run("status", "--json")  # no id: the last submission from here
        assert status.returncode == 0, status.stderr
        body = json.loads(status.stdout)
        assert body["id"] == sid
        if body["status"] == "graded":
            break
        assert time.monotonic() < deadline, body
    table = home.run("status")
    assert table.returncode == 0
    assert table.stdout.startswith("Optimization for fully connected networks (fc-optim)\n"
                                   f"score: {body['score']:g} / 100")
    results = home.run("results", "fc-optim")
    assert results.returncode == 0, results.stderr
    lines = results.stdout.splitlines()
    assert lines[0] == "fc-optim (demo)"
    assert lines[1].split() == ["id", "attempt", "submitted", "status", "score", "penalty",
                                "final"]
    mine = [line.split() for line in lines[2:]]
    assert [row[0] for row in mine][-1] == str(sid)
    assert mine[-1][4:6] == ["graded", f"{body['score']:g}"]
    listed = json.loads(home.run("results", "fc-optim", "--json").stdout)
    assert {r["student"] for r in listed} == {"bob"}


def test_status_on_a_terminal_is_coloured_unless_no_color(home, service, demo_tokens):
    """A real pseudo-terminal: the table in colour; with NO_COLOR the plain text."""
    home.login(service.url, demo_tokens["alice"])
    out = home.run("submit", "fc-optim", str(EXAMPLE), "--json")
    sid = json.loads(out.stdout)["id"]

    def on_tty(extra: dict[str, str]) -> str:
        master, slave = os.openpty()
        proc = subprocess.Popen(GRADER + ["status", str(sid)], stdout=slave,
                                stderr=subprocess.PIPE, cwd=REPO,
                                env={**home.env, "TERM": "xterm-256color", **extra})
        os.close(slave)
        chunks = []
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        os.close(master)
        assert proc.wait(60) == 0, proc.stderr.read()
        return b"".join(chunks).decode()

    coloured = on_tty({})
    assert "\x1b[" in coloured and "adam" in coloured
    plain = on_tty({"NO_COLOR": "1"})
    assert "\x1b[" not in plain
    piped = home.run("status", str(sid)).stdout
    assert plain.replace("\r\n", "\n") == piped


def test_unknown_assignment_is_refused_and_nothing_stored(home, service, demo_tokens):
    home.login(service.url, demo_tokens["alice"])
    before = stored(service)
    out = home.run("submit", "fc-optimm", str(EXAMPLE))
    assert out.returncode == 2
    assert out.stderr == ("error: none of your courses (demo) has an assignment 'fc-optimm': "
                          "check its name on the course page\n")
    out = home.run("submit", "fc-optimm", str(EXAMPLE), "--course", "demo")
    assert out.returncode == 2
    assert out.stderr == "error: course demo has no assignment 'fc-optimm'\n"
    assert stored(service) == before


def test_file_too_large_is_refused_and_nothing_stored(home, service, demo_tokens, tmp_path):
    home.login(service.url, demo_tokens["alice"])
    big = tmp_path / "optim.py"
    big.write_bytes(b"#" * (65 * 1024))
    before = stored(service)
    out = home.run("submit", "fc-optim", str(big))
    assert out.returncode == 2
    assert out.stderr == f"error: optim.py is {65 * 1024} bytes; the limit is 64 KB per file\n"
    assert out.stdout == ""
    assert stored(service) == before


def test_nothing_to_grade_and_bad_paths(home, service, demo_tokens, tmp_path):
    home.login(service.url, demo_tokens["alice"])
    before = stored(service)
    other = tmp_path / "other.py"
    other.write_text("x = 1\n")
    out = home.run("submit", "fc-optim", str(other))
    assert out.returncode == 2
    assert out.stderr == (
        "error: none of the files this assignment grades was found (expected nndl/layers.py, "
        "nndl/layer_utils.py, nndl/fc_net.py, nndl/optim.py); got the Python file other.py\n")
    out = home.run("submit", "fc-optim", str(tmp_path / "missing"))
    assert (out.returncode, out.stderr) == (
        2, f"error: no such file or folder: {tmp_path / 'missing'}\n")
    (tmp_path / "report.pdf").write_bytes(b"%PDF-1.4")
    out = home.run("submit", "fc-optim", str(tmp_path / "report.pdf"))
    assert (out.returncode, out.stderr) == (
        2, "error: report.pdf: submit a folder, a .py file, a .zip or an .ipynb notebook\n")
    empty = tmp_path / "empty"
    empty.mkdir()
    out = home.run("submit", "fc-optim", str(empty))
    assert (out.returncode, out.stderr) == (
        2, f"error: {empty} holds no .py file and no notebook: submit the folder with your "
           "code (for example the one holding nndl/)\n")
    assert stored(service) == before


def test_a_wrong_token_is_refused_with_what_to_do(home, service):
    out = home.run("submit", "fc-optim", str(EXAMPLE),
                   env={"GRADER_URL": service.url, "GRADER_TOKEN": "gr_not-a-real-token"})
    assert out.returncode == 3
    assert out.stderr == WRONG_TOKEN.format(url=service.url)


def test_an_unreachable_service_says_what_to_check(home, closed_port):
    url = f"http://127.0.0.1:{closed_port}"
    out = home.run("submit", "fc-optim", str(EXAMPLE),
                   env={"GRADER_URL": url, "GRADER_TOKEN": "gr_anything"})
    assert out.returncode == 3
    assert out.stderr == (f"error: cannot reach the grading service at {url} ([Errno 111] "
                          "Connection refused): check the URL (`grader login --url URL`) and "
                          "your network, or ask your instructor whether the service is "
                          "running\n")
    out = home.run("login", "--url", url, "--token", "gr_anything")
    assert out.returncode == 3 and out.stderr.startswith(
        f"error: cannot reach the grading service at {url} ")


def test_not_logged_in(home):
    out = home.run("results", "fc-optim")
    assert out.returncode == 3
    assert out.stderr == (f"error: not logged in ({home.login_file} has no login): run "
                          "`grader login --url URL` with the token your instructor gave you\n")
    out = home.run("status")
    assert (out.returncode, out.stderr) == (
        2, "error: no submission from this machine yet: give its id (`grader results "
           "ASSIGNMENT` lists them)\n")


def test_results_times_are_shown_in_the_users_time_zone():
    """The service's times (UTC, with or without an offset) in the local zone."""
    import os as _os
    import time as _time

    from grader.client.cli import _when

    old = _os.environ.get("TZ")
    _os.environ["TZ"] = "Asia/Kolkata"  # UTC+05:30, no daylight saving
    _time.tzset()
    try:
        assert _when("2026-05-01T23:59:00") == "2026-05-02 05:29"
        assert _when("2026-05-01T23:59:00+00:00") == "2026-05-02 05:29"
        assert _when(None) == "-"
    finally:
        if old is None:
            _os.environ.pop("TZ")
        else:
            _os.environ["TZ"] = old
        _time.tzset()
