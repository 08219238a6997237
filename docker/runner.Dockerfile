# The runner image: Python, numpy and the grading harness; nothing else of the grader.
# It holds no reference code, fixtures or expected outputs: jobs (the student's files and the
# case inputs) arrive on stdin, results leave on stdout.
#
# Build (from the repository root):
#   grader sandbox build                      # local Debian base, no registry needed
#   docker build -f docker/runner.Dockerfile -t grader-runner .   # official Python base
#
# The container runs `python3 -I -m grader_harness.main /tmp/work --ready`: the harness and
# numpy are imported, "grader-harness-ready" goes to stderr, then it waits for one job frame.
ARG BASE_IMAGE=python:3.12-slim
FROM ${BASE_IMAGE}

# numpy: Debian's python3-numpy is in the local base; the official image gets it from PyPI.
RUN python3 -c "import numpy" 2>/dev/null \
    || python3 -m pip install --no-cache-dir --root-user-action=ignore "numpy>=1.24,<3"

COPY grader/harness/*.py /opt/grader/grader_harness/

# Importable under `python3 -I` (which ignores PYTHONPATH) through a .pth in site-packages;
# compiled ahead, since the container's root filesystem is read-only.
RUN set -e; \
    site=$(python3 -c "import site; print(site.getsitepackages()[0])"); \
    mkdir -p "$site"; echo /opt/grader > "$site/grader-harness.pth"; \
    chmod -R a+rX /opt/grader; python3 -m compileall -q /opt/grader; \
    python3 -I -c "import grader_harness.main"

ENV LANG=C.UTF-8 HOME=/tmp OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 \
    PYTHONHASHSEED=0
WORKDIR /tmp
# The sandbox runs each container as a fresh unprivileged uid; this is the default.
USER 65534:65534
CMD ["python3", "-I", "-m", "grader_harness.main", "/tmp/work", "--ready"]
