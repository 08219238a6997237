"""Count call-structure patterns in the local real corpus (the numbers in PATTERNS.md).

    python -m tests.corpus.patterns

Reads tests/corpus/real/ (rebuilt by ``python -m tests.corpus.collect``); regexes over each
function's source, so a file that does not parse in Python 3 is still counted.
"""

from __future__ import annotations

import re
from collections import Counter

from . import corpus


def functions(source: str) -> dict[str, str]:
    """name -> source of each def (methods as Class.name), by indentation."""
    out: dict[str, str] = {}
    cls = None
    cur, buf, indent = None, [], 0
    for line in source.splitlines():
        m = re.match(r"^(\s*)(def|class)\s+(\w+)", line)
        if m and (cur is None or len(m.group(1)) <= indent):
            if cur:
                out[cur] = "\n".join(buf)
            ind, kind, name = len(m.group(1)), m.group(2), m.group(3)
            if kind == "class":
                cls, cur = name, None
                continue
            cur = f"{cls}.{name}" if ind > 0 and cls else name
            buf, indent = [line], ind
        elif cur:
            buf.append(line)
    if cur:
        out[cur] = "\n".join(buf)
    return out


def body(src: str) -> str:
    """The code without comments and docstrings."""
    src = re.sub(r'"""[\s\S]*?"""', "", src)
    return "\n".join(line.split("#")[0] for line in src.splitlines())


CHECKS = {
    "nndl/fc_net.py": {
        "FullyConnectedNet.loss": {
            "forward: affine_relu_forward (the sandwich) per hidden layer":
                r"affine_relu_forward\(",
            "forward: affine_forward then relu_forward (no sandwich)":
                r"(?s)^(?!.*affine_relu_forward\().*relu_forward\(",
            "backward: relu_backward + affine_backward (no sandwich)":
                r"(?s)^(?!.*affine_relu_backward\().*relu_backward\(",
            "backward: affine_relu_backward": r"affine_relu_backward\(",
            "softmax inline (np.exp in loss, no softmax_loss call)":
                r"(?s)^(?!.*softmax_loss\().*np\.exp\(",
            "loop over layers (for ... range(self.num_layers ...))": r"for .* in .*range\(",
            "reads an attribute of its own set in __init__ (not num_layers/params/reg/dtype)":
                r"self\.(?!num_layers|params|reg|dtype|use_|dropout_param|bn_params)[a-zA-Z_]\w*",
            "layer keys built with str()/%/format/f-string":
                r"'W'\s*\+\s*str|\"W\"\s*\+\s*str|'W%d'|f'W\{|f\"W\{|'W\{\}'\.format",
            "regularization 0.5 * reg * sum(W*W) per W": r"0\.5\s*\*\s*self\.reg",
            "regularizes every entry of self.params (biases too)": r"self\.params\.values\(\)",
            "dropout / batchnorm branches present (HW4 code)": r"dropout_forward|batchnorm_forward",
            "print() left in": r"\bprint\b",
        },
    },
    "nndl/layers.py": {
        "affine_forward": {
            "reshape with x.shape[0], -1": r"reshape\(\s*\w+\.shape\[0\]\s*,\s*-1",
            "reshape with np.prod(x.shape[1:])": r"np\.prod(uct)?\(",
            "x reassigned to its reshape (cache holds the flattened x)":
                r"^\s*x\s*=\s*.*reshape", "np.dot / .dot": r"\.dot\(", "@ operator": r"@",
        },
        "affine_backward": {
            "dx reshaped to x.shape": r"reshape\(\s*\*?\s*x\.shape|reshape\(x\.shape",
            "db = sum over axis 0": r"sum\(\s*dout\s*,\s*axis\s*=\s*0|dout\.sum\(axis\s*=\s*0",
        },
        "relu_forward": {"np.maximum(0, x)": r"np\.maximum\(", "x * (x > 0)": r"\*\s*\(x\s*>",
                         "copy then zero the negatives": r"\[\s*\w+\s*<=?\s*0\s*\]\s*=\s*0"},
        "relu_backward": {"mask x > 0": r"x\s*>\s*0", "mask x >= 0 (derivative 1 at 0)": r">=\s*0",
                          "copy of dout, zero where x <= 0": r"<=?\s*0\s*\]\s*=\s*0"},
    },
    "nndl/optim.py": {
        "sgd_momentum": {
            "velocity via config.get (no setdefault)": r"config\.get\('velocity'",
            "in-place w update (w += / w -=)": r"\bw\s*[+-]=",
            "applies the gradient and the velocity (bug)":
                r"w\s*-\s*config\['learning_rate'\]\s*\*\s*dw",
        },
        "sgd_nesterov_momentum": {
            "w + v + mu*(v - v_prev)": r"\+\s*config\['momentum'\]\s*\*\s*\(|mu\s*\*\s*\(v",
            "w - mu*v_prev + (1 + mu)*v": r"\(\s*1\s*\+\s*\w+",
        },
        "rmsprop": {"epsilon inside sqrt": r"sqrt\([^)]*epsilon", "epsilon outside sqrt":
                    r"sqrt\([^)]*\)\s*\+\s*\w*\[?'?eps", "CS231n key 'cache'": r"'cache'"},
        "adam": {"t incremented first":
                 r"t'\]\s*\+=\s*1|t\s*=\s*config\['t'\]\s*\+\s*1|t\s*\+=\s*1",
                 "t written back to config": r"config\['t'\]\s*=|config\['t'\]\s*\+=",
                 "epsilon inside sqrt": r"sqrt\([^)]*epsilon",
                 "CS231n keys m/v (v = second moment)": r"'m'"},
    },
}
IMPORTS = {"stray imports (matplotlib, torch, scipy, IPython, pdb)":
           r"^\s*(import|from)\s+(matplotlib|torch|scipy|IPython|pdb)",
           "Python 2 print statement": r"^\s*print\s+['\"\w]",
           "np.product / np.float / np.int (old numpy)": r"np\.(product|float|int)\b(?!\d|_)",
           "`from __future__` / `builtins` imports": r"^from (__future__|builtins) import"}


def count() -> tuple[Counter, Counter, int]:
    """(pattern counts, how many cases had that function, number of real cases)."""
    hits, had = Counter(), Counter()
    real = [c for c in corpus.cases() if c.real]
    for case in real:
        own = case.student_files()
        for rel, per_fn in CHECKS.items():
            if rel not in own:
                continue
            fns = functions(own[rel].decode(errors="replace"))
            for fn, pats in per_fn.items():
                src = body(fns.get(fn, ""))
                if not src.strip() or re.search(r"^\s*pass\s*$", src, re.M) and \
                        src.count("\n") < 25:
                    continue
                had[(rel, fn)] += 1
                for label, pat in pats.items():
                    if re.search(pat, src, re.M):
                        hits[(rel, fn, label)] += 1
        for label, pat in IMPORTS.items():
            if any(re.search(pat, data.decode(errors="replace"), re.M) for data in own.values()):
                hits[("any", "", label)] += 1
    return hits, had, len(real)


def main() -> None:
    """Print the counts as Markdown."""
    hits, had, n = count()
    print(f"{n} real cases\n")
    for rel, per_fn in CHECKS.items():
        for fn, pats in per_fn.items():
            print(f"- `{rel}` `{fn}` (implemented in {had[(rel, fn)]} cases)")
            for label in pats:
                print(f"  - {label}: {hits[(rel, fn, label)]}")
    print("- whole submission")
    for label in IMPORTS:
        print(f"  - {label}: {hits[('any', '', label)]}")


if __name__ == "__main__":
    main()
