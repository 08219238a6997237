"""The few lines that start the harness inside a bare sandbox.

The sandbox gets no host folder with our code: its interpreter runs ``python -I -S -c
BOOTSTRAP WORKDIR [SYS_PATH...]`` and reads, on stdin, a length-prefixed JSON object: the
harness's source files by name (``files``) and the same files compiled by the grader
(``pyc``: its interpreter's magic number, and each file's ``.pyc`` in base64). It writes the
sources under ``WORKDIR/.harness/grader_harness/``, and the bytecode in its ``__pycache__``
only if the sandbox's interpreter has the same magic number (else Python compiles the sources
as usual), then hands the rest of stdin (the job frame) to ``grader_harness.main``.
``-I -S`` keep a submitted ``sitecustomize.py`` or ``numpy.py`` from running before the
harness.
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
bundle = json.loads(_read(n).decode('utf-8'))
pkg = os.path.join(work, '.harness', 'grader_harness')
os.makedirs(pkg, exist_ok=True)
def _name(name):
    if '/' in name or name.startswith('.') or not name.endswith('.py'):
        raise SystemExit('grader bootstrap: bad file name')
    return name
for name, text in bundle['files'].items():
    with open(os.path.join(pkg, _name(name)), 'w') as fh:
        fh.write(text)
import _frozen_importlib_external as _fx, binascii
pyc = bundle.get('pyc') or {}
if pyc.get('magic') == _fx.MAGIC_NUMBER.hex() and sys.implementation.cache_tag:
    cache = os.path.join(pkg, '__pycache__')
    os.makedirs(cache, exist_ok=True)
    for name, data in pyc['files'].items():
        with open(os.path.join(cache, _name(name)[:-3] + '.' + sys.implementation.cache_tag
                               + '.pyc'), 'wb') as fh:
            fh.write(binascii.a2b_base64(data))
sys.path[:] = [os.path.join(work, '.harness')] + [p for p in sys.path if p] + sys.argv[2:]
sys.argv = [sys.argv[0], work]
from grader_harness.main import _run
_run()
"""
