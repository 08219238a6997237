"""Build the local corpus of real student code from mirrored public repositories.

The real files are NOT committed (public homework, no licence to redistribute): only their
provenance is, in ``index.json`` (repository, commit, source path, destination, sha256). This
script rebuilds ``tests/corpus/real/<case>/`` from git mirrors (``git --git-dir``, read-only),
or, with ``--discover``, scans the mirrors for every distinct version of the homework files and
rewrites the index.

    python -m tests.corpus.collect [--mirrors DIR] [--discover]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import subprocess
from pathlib import Path

HERE = Path(__file__).resolve().parent
INDEX = HERE / "index.json"
REAL = HERE / "real"
DEFAULT_MIRRORS = Path("/work/.mirror")

UCLA_FILES = ("layers.py", "layer_utils.py", "fc_net.py", "optim.py")
CS231N_FILES = {"cs231n/optim.py": "nndl/optim.py", "cs231n/layers.py": "nndl/layers.py"}
MAX_VERSIONS_PER_SOURCE = 4


def _git(gitdir: Path, *args: str) -> str:
    return subprocess.run(["git", f"--git-dir={gitdir}", *args], check=True,
                          capture_output=True, text=True, errors="replace").stdout


def _blob(gitdir: Path, commit: str, path: str) -> bytes:
    return subprocess.run(["git", f"--git-dir={gitdir}", "show", f"{commit}:{path}"],
                          check=True, capture_output=True).stdout


def _gitdirs(mirrors: Path) -> dict[str, Path]:
    out = {}
    for repo in sorted(mirrors.glob("*/repo")):
        gitdir = repo / ".git" if (repo / ".git").is_dir() else repo
        out[repo.parent.name.replace("+", "/", 1)] = gitdir
    return out


def _short(repo: str, prefix: str, n: int) -> str:
    owner, name = repo.split("/")
    slug = re.sub(r"[^a-z0-9]+", "-", f"{owner[:16]}-{name[:20]}-{prefix}".lower()).strip("-")
    return f"{slug}-v{n}"


def discover(mirrors: Path) -> list[dict]:
    """Every distinct version (by file contents) of the homework files in the mirrors."""
    cases: list[dict] = []
    seen: set[tuple] = set()
    for repo, gitdir in _gitdirs(mirrors).items():
        commits = _git(gitdir, "log", "--all", "--format=%H %ct").split("\n")
        commits = [c.split() for c in commits if c.strip()]
        commits.sort(key=lambda c: int(c[1]))  # oldest first
        per_source: dict[str, int] = {}
        for commit, _ in commits:
            names = _git(gitdir, "ls-tree", "-r", "--name-only", commit).splitlines()
            groups: dict[tuple[str, str], dict[str, str]] = {}
            for name in names:
                m = re.fullmatch(r"(.*?)nndl/(layers|layer_utils|fc_net|optim)\.py", name)
                if m:
                    groups.setdefault(("ucla", m.group(1)), {})[f"nndl/{m.group(2)}.py"] = name
                m = re.fullmatch(r"(.*?)(cs231n/(?:optim|layers)\.py)", name)
                if m:
                    groups.setdefault(("cs231n", m.group(1)), {})[CS231N_FILES[m.group(2)]] = name
            for (origin, prefix), files in sorted(groups.items()):
                if "nndl/optim.py" not in files and "nndl/layers.py" not in files:
                    continue
                blobs = {dest: _blob(gitdir, commit, src) for dest, src in files.items()}
                key = tuple(sorted((d, hashlib.sha256(b).hexdigest()) for d, b in blobs.items()))
                if key in seen or not any(b"np." in b for b in blobs.values()):
                    continue
                source = f"{repo}:{prefix}"
                if per_source.get(source, 0) >= MAX_VERSIONS_PER_SOURCE:
                    continue
                seen.add(key)
                per_source[source] = per_source.get(source, 0) + 1
                cases.append({
                    "case": _short(repo, prefix + origin, per_source[source]),
                    "origin": origin, "repo": repo, "commit": commit,
                    "files": {dest: {"path": src, "sha256": hashlib.sha256(blobs[dest]).hexdigest()}
                              for dest, src in sorted(files.items())},
                })
    return cases


def rebuild(cases: list[dict], mirrors: Path) -> int:
    """Write tests/corpus/real/<case>/ from the mirrors; return how many cases were written."""
    dirs = _gitdirs(mirrors)
    written = 0
    for case in cases:
        gitdir = dirs.get(case["repo"])
        if gitdir is None:
            print(f"skip {case['case']}: no mirror of {case['repo']}")
            continue
        target = REAL / case["case"]
        for dest, meta in case["files"].items():
            data = _blob(gitdir, case["commit"], meta["path"])
            if hashlib.sha256(data).hexdigest() != meta["sha256"]:
                raise SystemExit(f"{case['case']}: {meta['path']} does not match its sha256")
            (target / dest).parent.mkdir(parents=True, exist_ok=True)
            (target / dest).write_bytes(data)
        (target / "PROVENANCE.json").write_text(json.dumps(case, indent=1))
        written += 1
    return written


def main() -> None:
    """Command line: rebuild (default) or discover and rebuild."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mirrors", type=Path, default=DEFAULT_MIRRORS)
    ap.add_argument("--discover", action="store_true")
    args = ap.parse_args()
    if args.discover:
        cases = discover(args.mirrors)
        INDEX.write_text(json.dumps(cases, indent=1) + "\n")
    else:
        cases = json.loads(INDEX.read_text())
    print(f"{rebuild(cases, args.mirrors)} cases written to {REAL}")


if __name__ == "__main__":
    main()
