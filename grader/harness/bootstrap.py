"""The few lines that start the harness inside a bare sandbox.

The sandbox gets no host folder with our code: its interpreter runs ``python -I -S -c
BOOTSTRAP WORKDIR [SYS_PATH...]`` and reads, on stdin, a length-prefixed JSON map of the
harness's source files, writes them under ``WORKDIR/.harness/grader_harness/``, and hands
the rest of stdin (the job frame) to ``grader_harness.main``. ``-I -S`` keep a submitted
``sitecustomize.py`` or ``numpy.py`` from running before the harness.
"""

BOOTSTRAP = r"""
import sys, os, struct, json
work = sys.argv[1]
def _read(n):
    b = bytearray()
    while len(b) < n:
        c = os.read(0, n - len(b))
        if not c:
            raise SystemExit('grader bootstrap: stdin ended early')
        b += c
    return bytes(b)
(n,) = struct.unpack('!I', _read(4))
files = json.loads(_read(n).decode('utf-8'))
pkg = os.path.join(work, '.harness', 'grader_harness')
os.makedirs(pkg, exist_ok=True)
for name, text in files.items():
    if '/' in name or name.startswith('.'):
        raise SystemExit('grader bootstrap: bad file name')
    with open(os.path.join(pkg, name), 'w') as fh:
        fh.write(text)
sys.path[:] = [os.path.join(work, '.harness')] + [p for p in sys.path if p] + sys.argv[2:]
sys.argv = [sys.argv[0], work]
from grader_harness.main import _run
_run()
"""
