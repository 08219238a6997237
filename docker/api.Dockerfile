# The service image: the API (`grader serve`) and the workers (`grader worker`) of the
# scale-out deployment (docker-compose.yml). It holds the grader, the built-in assignments and
# their references; student code never runs in this image's processes directly:
#   - GRADER_SANDBOX=docker (default in docker-compose.yml): each grading runs in a fresh
#     container of the runner image (docker/runner.Dockerfile) on the engine the worker
#     reaches (DOCKER_HOST or a mounted socket);
#   - GRADER_SANDBOX=process: bubblewrap inside the worker's container, with Debian's
#     python3 + numpy as the sandbox's interpreter (installed below).
#
# Build (from the repository root):  docker build -f docker/api.Dockerfile -t dl-autograder .
# BASE_IMAGE defaults to the official python image; on a machine that reaches no registry,
# scripts/compose-setup.sh builds a stand-in from Debian's packages (grader-python:<release>)
# and a wheelhouse of the grader's dependencies in docker/wheels/cpXY/, used when present.
ARG BASE_IMAGE=python:3.12-slim
FROM ${BASE_IMAGE}

# The process sandbox's needs (already in the Debian stand-in, so no network is needed there).
RUN if command -v bwrap >/dev/null && /usr/bin/python3 -c "import numpy" 2>/dev/null; then \
      echo "bubblewrap, python3 and numpy present"; \
    else \
      apt-get update \
      && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
         bubblewrap python3 python3-numpy \
      && rm -rf /var/lib/apt/lists/*; \
    fi

WORKDIR /app
COPY docker/wheels/ /wheels/
COPY pyproject.toml README.md ./
COPY grader ./grader
# A virtualenv, so that the grader's dependencies never mix with the system's Python.
RUN set -e; python3 -m venv /opt/venv; \
    tag=cp$(python3 -c 'import sys; print("%d%d" % sys.version_info[:2])'); \
    if ls /wheels/$tag/*.whl >/dev/null 2>&1; then \
      echo "installing from the wheelhouse docker/wheels/$tag (no index)"; \
      /opt/venv/bin/pip install --no-cache-dir --no-index --find-links /wheels/$tag .; \
    else \
      /opt/venv/bin/pip install --no-cache-dir .; \
    fi; \
    rm -rf /wheels; /opt/venv/bin/grader --help >/dev/null
COPY assignments ./assignments
COPY reference ./reference

# Installed outside /app, the package finds the built-ins through these.
ENV PATH=/opt/venv/bin:$PATH \
    GRADER_ASSIGNMENTS_DIR=/app/assignments \
    GRADER_REFERENCE_DIR=/app/reference \
    GRADER_DATA_DIR=/data \
    GRADER_HOST=0.0.0.0 \
    GRADER_SANDBOX_PYTHON=/usr/bin/python3 \
    PYTHONUNBUFFERED=1
# The API runs as this unprivileged user (docker-compose.yml); workers that drive the Docker
# socket run as root, which the socket amounts to anyway.
RUN useradd --system --uid 10001 --home-dir /data --no-create-home grader \
    && mkdir -p /data && chown grader:grader /data
VOLUME ["/data"]
EXPOSE 8000
CMD ["grader", "serve"]
