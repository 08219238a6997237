"""CPU time of reducing a notebook to its definitions, by size (issue 12 item 6).

Notebooks of realistic code (a def, a constant, a loop and a plot per block), all in one
cell (the attack: quadratic work per statement grows with the cell) or in cells of 20 blocks,
up to the largest accepted: 256 KB of code (``GRADER_NOTEBOOK_CODE_KB``) plus outputs, 1 MB
in all. Beside the reduction, the way it used to cut statements out (``ast.get_source_segment``
per statement, which rescans the cell each time) on the same cells, up to the size where it
takes a few seconds. Prints CPU seconds (best of ``--runs``) and ratios to the smallest size
measured in the same run: linear work grows as the size, quadratic as its square.

    .venv/bin/python bench/notebook_reduce.py [--runs 3]
"""

from __future__ import annotations

import argparse
import ast
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from grader.notebook import reduce_notebook  # noqa: E402
from tests.test_notebook import dense_notebook  # noqa: E402


def segments_per_statement(data: bytes) -> int:
    """What the reduction did before: parse each cell, then ``ast.get_source_segment`` for
    every top-level statement (each call splits the whole cell again)."""
    n = 0
    for cell in json.loads(data)["cells"]:
        source = cell["source"]
        for node in ast.parse(source).body:
            n += len(ast.get_source_segment(source, node, padded=True) or "")
    return n


def cpu(fn, data: bytes, runs: int) -> float:
    best = float("inf")
    for _ in range(runs):
        t0 = time.thread_time()
        fn(data)
        best = min(best, time.thread_time() - t0)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    sizes = [2_500, 25_000, 100_000, 250_000]
    print("reduce_notebook (now), CPU seconds, best of", args.runs)
    for layout, per_cell in (("one cell", None), ("cells of 20 blocks", 20)):
        base = None
        for code in sizes:
            outputs = max(0, 1_000_000 - code) if code == sizes[-1] else 0
            data = dense_notebook(code, output_chars=outputs, per_cell=per_cell)
            t = cpu(lambda d: reduce_notebook(d, max_code_bytes=256 << 10), data, args.runs)
            base = base or (t, code)
            print(f"  {layout:18s} code {code:>8,} chars, notebook {len(data):>9,} bytes: "
                  f"{t:7.3f} s  (x{t / base[0]:7.1f} for x{code / base[1]:5.0f} the code)")
    print("before: get_source_segment per statement, one cell")
    base = None
    for code in (2_500, 10_000, 25_000, 50_000):
        data = dense_notebook(code, per_cell=None)
        t = cpu(segments_per_statement, data, 1)
        base = base or (t, code)
        print(f"  code {code:>8,} chars: {t:7.3f} s  (x{t / base[0]:7.1f} for "
              f"x{code / base[1]:5.0f} the code)")


if __name__ == "__main__":
    main()
