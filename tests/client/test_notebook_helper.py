"""``from grader.client import submit; submit("rosenbrock")`` in a kernel-like process: the
running notebook is found, uploaded to the real service over HTTP and its result printed;
all with FastAPI, SQLAlchemy, Celery, Docker (and Typer) unimportable, as on a student's
machine with only the client's dependencies."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest

from tests.conftest import REPO

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]

BLOCKED = ["fastapi", "starlette", "sqlalchemy", "alembic", "celery", "kombu", "redis",
           "docker", "uvicorn", "psycopg", "typer", "jinja2", "prometheus_client"]
BLOCKER = textwrap.dedent(f"""
    import importlib.abc
    import sys

    BLOCKED = {BLOCKED!r}


    class Block(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                raise ModuleNotFoundError(f"No module named {{name!r}} (blocked)")
            return None


    sys.meta_path.insert(0, Block())
""")
REPORT = textwrap.dedent(f"""
    import json as _json
    loaded = sorted({{m.split(".")[0] for m in sys.modules}} & set({BLOCKED!r}))
    print("LOADED " + _json.dumps(loaded))
""")


def run_kernel(code: str, home, cwd: Path, env: dict[str, str] | None = None
               ) -> subprocess.CompletedProcess:
    """Run ``code`` as a notebook's kernel would (``__main__``), with the packages of the
    service blocked; ``REPO`` on the path, as an installed client would be."""
    script = BLOCKER + textwrap.dedent(code) + REPORT
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          cwd=cwd, env={**home.env, "PYTHONPATH": str(REPO), **(env or {})},
                          timeout=300)


def loaded(out: subprocess.CompletedProcess) -> list[str]:
    line = next(x for x in out.stdout.splitlines() if x.startswith("LOADED "))
    return json.loads(line[len("LOADED "):])


def rosenbrock_notebook(path: Path) -> Path:
    """A student's notebook: the reference functions in a cell, then an experiment."""
    source = (REPO / "reference" / "rosenbrock" / "rosenbrock.py").read_text()
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Rosenbrock"),
                nbformat.v4.new_code_cell("import numpy as np\nimport matplotlib.pyplot as plt"),
                nbformat.v4.new_code_cell(source),
                nbformat.v4.new_code_cell("plt.plot([1, 2, 3])\nplt.show()")]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, str(path))
    return path


def test_client_imports_without_the_service_packages(home, tmp_path):
    out = run_kernel("""
        import grader.client
        from grader.client import submit
    """, home, tmp_path)
    assert out.returncode == 0, out.stderr
    assert loaded(out) == []
    # the blocker does block: the service's app cannot be imported
    out = run_kernel("import grader.service.app\n", home, tmp_path)
    assert out.returncode == 1 and "No module named 'fastapi' (blocked)" in out.stderr


def test_submit_the_running_notebook_and_print_its_result(home, service, demo_tokens,
                                                          tmp_path):
    home.login(service.url, demo_tokens["alice"])
    nb = rosenbrock_notebook(tmp_path / "work" / "hw2.ipynb")
    (tmp_path / "work" / "old.ipynb").write_text("{}")  # the front end's name decides
    before = service.count("submissions")
    out = run_kernel(f"""
        __vsc_ipynb_file__ = {str(nb)!r}  # what VS Code sets in the notebook's namespace
        from grader.client import submit
        outcome = submit("rosenbrock")
        print(repr(outcome))
    """, home, nb.parent)
    assert out.returncode == 0, out.stderr
    assert out.stderr == ""
    assert service.count("submissions") == before + 1
    lines = out.stdout.splitlines()
    assert lines[0].startswith("submitted hw2.ipynb to rosenbrock (demo): submission ")
    sid = int(lines[0].split("submission ")[1].split(",")[0])
    assert lines[1].endswith("(rosenbrock)") and lines[2].startswith("score: ")
    body = json.loads(home.run("status", str(sid), "--json").stdout)
    assert body["files"] == ["hw2.ipynb"] and body["status"] == "graded"
    assert f"Outcome(ok=True, id={sid}, status='graded', score={body['score']!r}, " \
           f"max_score={body['max_score']!r}, error=None)" in out.stdout
    assert loaded(out) == []


def test_jupyter_names_the_notebook_and_no_wait(home, service, demo_tokens, tmp_path):
    home.login(service.url, demo_tokens["bob"])
    nb = rosenbrock_notebook(tmp_path / "course" / "hw2.ipynb")
    (tmp_path / "course" / "other.ipynb").write_text("{}")
    out = run_kernel("""
        from grader.client import submit
        outcome = submit("rosenbrock", wait=False)
        print(outcome.ok, outcome.status)
    """, home, tmp_path, env={"JPY_SESSION_NAME": str(nb)})
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[0].startswith("submitted hw2.ipynb to rosenbrock (demo): ")
    assert out.stdout.splitlines()[1] == "True queued"


def test_which_notebook_cannot_be_told(home, service, demo_tokens, tmp_path):
    home.login(service.url, demo_tokens["alice"])
    rosenbrock_notebook(tmp_path / "a.ipynb")
    rosenbrock_notebook(tmp_path / "b.ipynb")
    before = service.count("submissions")
    out = run_kernel("""
        from grader.client import submit
        print(submit("rosenbrock"))
    """, home, tmp_path)
    assert out.returncode == 0
    message = ("cannot tell which notebook is running here (found: a.ipynb, b.ipynb): pass "
               "its path, for example submit(\"fc-optim\", \"hw3.ipynb\")")
    assert out.stderr == f"error: {message}\n"
    assert f"Outcome(ok=False, id=None, status=None, score=None, max_score=None, " \
           f"error={message!r})" in out.stdout
    # an explicit path settles it
    out = run_kernel("""
        from grader.client import submit
        print(submit("rosenbrock", "b.ipynb", wait=False).ok)
    """, home, tmp_path)
    assert out.stdout.splitlines()[0].startswith("submitted b.ipynb to rosenbrock (demo): ")
    assert service.count("submissions") == before + 1


def test_refusals_in_the_notebook(home, service, demo_tokens, tmp_path, closed_port):
    nb = rosenbrock_notebook(tmp_path / "hw.ipynb")
    before = service.count("submissions")
    out = run_kernel("""
        from grader.client import submit
        print(submit("rosenbrock", "hw.ipynb").ok)
    """, home, tmp_path)
    assert out.stderr == (f"error: not logged in ({home.login_file} has no login): run "
                          "`grader login` in a terminal first\n")
    out = run_kernel("""
        from grader.client import submit
        print(submit("rosenbrock", "hw.ipynb").ok)
    """, home, tmp_path, env={"GRADER_URL": service.url, "GRADER_TOKEN": "gr_wrong"})
    assert out.stderr == (f"error: the grading service at {service.url} refused your token: "
                          "invalid API token: it is not one this service issued (check for a "
                          "typo, or ask for a new one). Run `grader login` with a valid "
                          "token\n")
    url = f"http://127.0.0.1:{closed_port}"
    out = run_kernel("""
        from grader.client import submit, ClientError
        try:
            submit("rosenbrock", "hw.ipynb", raise_errors=True)
        except ClientError as exc:
            print("raised", exc.exit_code, exc)
    """, home, tmp_path, env={"GRADER_URL": url, "GRADER_TOKEN": "gr_x"})
    assert out.stdout.splitlines()[0] == (
        f"raised 3 cannot reach the grading service at {url} ([Errno 111] Connection "
        "refused): check the URL (`grader login --url URL`) and your network, or ask your "
        "instructor whether the service is running")
    home.login(service.url, demo_tokens["alice"])
    big = tmp_path / "big.ipynb"
    big.write_text(json.dumps({"cells": [], "pad": "#" * (70 * 1024)}))
    out = run_kernel("""
        from grader.client import submit
        print(submit("rosenbrock", "big.ipynb").ok)
    """, home, tmp_path)
    assert out.stderr.startswith("error: big.ipynb is ") and out.stderr.endswith(
        " bytes; the limit is 64 KB per file\n")
    out = run_kernel("""
        from grader.client import submit
        print(submit("rosenbrok", "hw.ipynb").ok)
    """, home, tmp_path)
    assert out.stderr == ("error: none of your courses (demo) has an assignment 'rosenbrok': "
                          "check its name on the course page\n")
    assert out.stdout.splitlines()[0] == "False"
    assert service.count("submissions") == before
    assert nb.exists()


def test_in_a_real_jupyter_kernel(home, service, demo_tokens, tmp_path, monkeypatch):
    """The notebook run cell by cell in a real IPython kernel (nbclient + ipykernel): the
    helper finds the notebook by the name the front end put in its namespace, submits it
    and prints the result into the cell's output."""
    nbclient = pytest.importorskip("nbclient")
    home.login(service.url, demo_tokens["alice"])
    work = tmp_path / "work"
    nb = rosenbrock_notebook(work / "hw.ipynb")
    (work / "draft.ipynb").write_text("{}")  # two notebooks here: the name decides
    notebook = nbformat.read(str(nb), as_version=4)
    notebook.cells += [
        nbformat.v4.new_code_cell(f"__vsc_ipynb_file__ = {str(nb)!r}"),
        nbformat.v4.new_code_cell("from grader.client import submit\n"
                                  "outcome = submit('rosenbrock')"),
        nbformat.v4.new_code_cell("print(outcome.ok, outcome.status, outcome.score)")]
    nbformat.write(notebook, str(nb))  # the saved notebook is what is submitted
    for key, value in home.env.items():
        if key in ("XDG_CONFIG_HOME", "COLUMNS"):
            monkeypatch.setenv(key, value)
    for key in ("GRADER_URL", "GRADER_TOKEN", "GRADER_CONFIG", "JPY_SESSION_NAME"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("PYTHONPATH", str(REPO))
    before = service.count("submissions")
    client = nbclient.NotebookClient(notebook, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(work)}})
    client.execute()
    texts = ["".join(o.get("text", "") for o in c.get("outputs", []) if o.get("name") ==
                     "stdout") for c in notebook.cells if c.cell_type == "code"]
    submitted, shown = texts[-2], texts[-1]
    assert submitted.startswith("submitted hw.ipynb to rosenbrock (demo): submission ")
    assert "(rosenbrock)\nscore: " in submitted and "\x1b[" not in submitted
    assert shown.startswith("True graded ")
    assert service.count("submissions") == before + 1
