"""Settings read from ``GRADER_*`` variables, as pydantic-settings read them before."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from grader.config import Settings, environment_values

ROOT = Path(__file__).resolve().parent.parent


def test_environment_sets_fields_in_any_case_and_values_come_first(monkeypatch) -> None:
    monkeypatch.setenv("GRADER_CHECK_SECONDS", "7")
    monkeypatch.setenv("grader_nproc", "9")
    monkeypatch.setenv("Grader_Cookie_Secure", "true")
    monkeypatch.setenv("GRADER_DATA_DIR", "/srv/grader")
    monkeypatch.setenv("GRADER_NOT_A_SETTING", "1")
    s = Settings()
    assert (s.check_seconds, s.nproc, s.cookie_secure) == (7.0, 9, True)
    assert s.data_dir == Path("/srv/grader")
    assert not hasattr(s, "not_a_setting")
    # values given in code win over the environment, which wins over the defaults
    assert Settings(check_seconds=2).check_seconds == 2.0
    assert Settings().todo_seconds == 30.0
    # a copy keeps its values; it does not read the environment again
    monkeypatch.setenv("GRADER_CHECK_SECONDS", "8")
    assert s.model_copy(update={"nproc": 3}).check_seconds == 7.0


def test_a_bad_value_names_the_variable_and_what_it_should_be(monkeypatch) -> None:
    monkeypatch.setenv("GRADER_CHECK_SECONDS", "five")
    with pytest.raises(ValidationError) as info:
        Settings()
    (error,) = info.value.errors()
    assert error["loc"] == ("check_seconds",) and error["input"] == "five"
    assert "valid number" in error["msg"]
    monkeypatch.setenv("GRADER_CHECK_SECONDS", "5")
    monkeypatch.setenv("GRADER_SANDBOX", "vm")
    with pytest.raises(ValidationError, match="'auto', 'docker' or 'process'"):
        Settings()


def test_environment_values_ignores_other_prefixes_and_unknown_names() -> None:
    env = {"GRADER_SANDBOX": "process", "GRADERX_NPROC": "1", "NPROC": "2",
           "GRADER_": "3", "grader_Nproc": "4"}
    assert environment_values(["sandbox", "nproc"], env) == {"sandbox": "process",
                                                            "nproc": "4"}


def test_grading_imports_neither_pydantic_settings_nor_the_service() -> None:
    code = ("import sys, grader.cli, grader.engine, grader.sandbox.select;"
            "from grader.config import get_settings; get_settings();"
            "print(sorted(m for m in ('pydantic_settings', 'celery', 'sqlalchemy', "
            "'fastapi', 'httpx') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_bad_variable_ends_a_command_with_one_line_each_and_no_traceback(tmp_path) -> None:
    env = {**os.environ, "GRADER_CHECK_SECONDS": "five", "GRADER_SANDBOX": "vm",
           "GRADER_DATA_DIR": str(tmp_path / "data")}
    for argv in (["grade", "fc-optim", str(ROOT / "reference" / "fc-optim")],
                 ["assignments"], ["serve", "--demo"]):
        out = subprocess.run([sys.executable, "-m", "grader.cli", *argv], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=120)
        assert out.returncode == 2, (argv, out.stderr)
        assert out.stdout == ""
        assert out.stderr == (
            "error: GRADER_SANDBOX='vm' is not valid: Input should be 'auto', 'docker' or "
            "'process'. Fix or unset that environment variable.\n"
            "error: GRADER_CHECK_SECONDS='five' is not valid: Input should be a valid number, "
            "unable to parse string as a number. Fix or unset that environment variable.\n")
    assert not (tmp_path / "data").exists()  # the server did not start or create anything
