"""Per-TODO agreement of the grader with the oracle over the corpus.

    python -m tests.corpus.report [--real-only | --ours-only] [--workers N]

Counts only TODOs the student wrote (``student``); TODOs whose file is the starter's or whose
function is missing are left out (both judges say "not correct" there by construction).
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict

from . import corpus


def table(rows: list[corpus.Row], todos: list[str]) -> str:
    """A text table: per TODO, cases written, oracle-correct, grader full marks, agreement."""
    per: dict[str, list[corpus.Row]] = defaultdict(list)
    for r in rows:
        if r.authored == "student":
            per[r.todo].append(r)
    width = max(len(t) for t in [*todos, "TODO"]) + 1
    lines = [f"{'TODO':{width}} {'written':>7} {'oracle ok':>9} {'grader full':>11} {'agree':>9}"]
    total = agree = 0
    for todo in todos:
        rs = per[todo]
        n, a = len(rs), sum(r.agree for r in rs)
        total, agree = total + n, agree + a
        lines.append(f"{todo:{width}} {n:7d} {sum(r.oracle_ok for r in rs):9d} "
                     f"{sum(r.grader_ok for r in rs):11d} {a:5d}/{n:<3d}")
    lines.append(f"{'all':{width}} {total:7d} {'':9} {'':11} {agree:5d}/{total:<3d}")
    return "\n".join(lines)


def main() -> None:
    """Grade the corpus and print the table and every disagreement."""
    ap = argparse.ArgumentParser(description="grader vs oracle agreement per TODO")
    group = ap.add_mutually_exclusive_group()
    group.add_argument("--real-only", action="store_true")
    group.add_argument("--ours-only", action="store_true")
    ap.add_argument("--workers", type=int, default=None)
    args = ap.parse_args()
    unloadable = corpus.manifest_errors()
    for slug, why in unloadable.items():
        print(f"{slug}: not graded, its manifest does not load here ({why})")
    selected = [c for c in corpus.cases() if c.slug not in unloadable
                and not (args.real_only and not c.real) and not (args.ours_only and c.real)]
    t0 = time.monotonic()
    rows = corpus.grade_all(selected, args.workers)
    print(f"{len(selected)} cases ({sum(c.real for c in selected)} real, "
          f"{sum(not c.real for c in selected)} ours) graded in {time.monotonic() - t0:.0f} s\n")
    for slug, spec in corpus.SPECS.items():
        for real in (True, False):
            these = [r for r in rows if r.slug == slug and r.case.startswith("real/") == real]
            if these:
                print(f"{slug}, {'real student code' if real else 'our pattern cases'}:")
                print(table(these, spec.TODOS) + "\n")
    known = corpus.known_disagreements()
    bad = [r for r in rows if not r.agree]
    print(f"\n{len(bad)} disagreement(s)" + (":" if bad else ""))
    for r in bad:
        tag = "known" if (r.case, r.todo) in known else "NEW"
        print(f"- [{tag}] {r.case} {r.todo}: oracle "
              f"{'correct' if r.oracle_ok else 'incorrect: ' + r.oracle_why[:160]}; grader "
              f"{r.grader_score:g}/{r.grader_max:g}: {r.feedback[:200]}")


if __name__ == "__main__":
    main()
