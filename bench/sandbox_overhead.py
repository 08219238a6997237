"""Grading time of a correct fc-optim submission: sandboxed (bubblewrap) vs bare.

Both runs use the same interpreter and the same harness; only the isolation differs. Runs are
interleaved so that the machine's noise hits both alike. Prints medians and their ratio.
Target (issue 2): sandboxed within 1.5x of bare.

    .venv/bin/python bench/sandbox_overhead.py [--runs 15]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from grader.assignments.fixtures import load_fixtures  # noqa: E402
from grader.assignments.loader import load_assignment  # noqa: E402
from grader.config import Settings  # noqa: E402
from grader.engine import grade  # noqa: E402
from grader.sandbox.process import BareRunner, ProcessSandbox  # noqa: E402
from grader.submission import Submission  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    settings = Settings()
    a = load_assignment("fc-optim", settings)
    fixtures = load_fixtures(a)
    files = {k: v for k, v in a.reference_files().items()}
    sub = Submission(files=files)
    boxes = {"bare": BareRunner(settings), "sandboxed": ProcessSandbox(settings)}
    times: dict[str, list[float]] = {k: [] for k in boxes}
    for box in boxes.values():  # warm-up (page cache, pyc)
        assert grade(a, sub, box, settings, fixtures=fixtures).score == 100
    for _ in range(args.runs):
        for name, box in boxes.items():
            t0 = time.perf_counter()
            result = grade(a, sub, box, settings, fixtures=fixtures)
            times[name].append(time.perf_counter() - t0)
            assert result.score == 100, result.failure
    med = {k: statistics.median(v) for k, v in times.items()}
    for k, v in times.items():
        print(f"{k:>10}: median {med[k] * 1000:7.1f} ms   min {min(v) * 1000:7.1f} ms   "
              f"max {max(v) * 1000:7.1f} ms   ({len(v)} runs)")
    ratio = med["sandboxed"] / med["bare"]
    print(f"ratio sandboxed / bare (medians): {ratio:.2f}x   target <= 1.5x: "
          f"{'met' if ratio <= 1.5 else 'NOT met'}")


if __name__ == "__main__":
    main()
