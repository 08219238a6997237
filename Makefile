# The two commands of the README, and their parts.
.PHONY: setup demo test lint fixtures check bench images

setup:
	./scripts/setup.sh

# Set up, then grade the bundled example submission of fc-optim in the sandbox.
demo: setup
	.venv/bin/grader grade fc-optim examples/fc-optim/adam_no_bias_correction --format table

# Set up (the Docker engine and the sandbox images too), then run every test and the linter.
test: setup
	./scripts/docker-setup.sh
	.venv/bin/ruff check .
	.venv/bin/python -m pytest -q -ra

lint: setup
	.venv/bin/ruff check .

fixtures: setup
	.venv/bin/grader fixtures build fc-optim

check: setup
	.venv/bin/grader check fc-optim

bench: setup
	.venv/bin/python bench/sandbox_overhead.py
	./scripts/docker-setup.sh
	.venv/bin/python bench/docker_sandbox.py

# Build the Docker sandbox's images (base from Debian packages, then the runner) if missing.
images: setup
	.venv/bin/grader sandbox build
