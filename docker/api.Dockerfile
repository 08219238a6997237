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
ARG BASE_IMAGE=python:3.12-slim
FROM ${BASE_IMAGE}

RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
       bubblewrap python3 python3-numpy \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml README.md ./
COPY grader ./grader
RUN pip install --no-cache-dir --root-user-action=ignore .
COPY assignments ./assignments
COPY reference ./reference

# Installed outside /app, the package finds the built-ins through these.
ENV GRADER_ASSIGNMENTS_DIR=/app/assignments \
    GRADER_REFERENCE_DIR=/app/reference \
    GRADER_DATA_DIR=/data \
    GRADER_HOST=0.0.0.0 \
    PYTHONUNBUFFERED=1
VOLUME ["/data"]
EXPOSE 8000
CMD ["grader", "serve"]
