# The two commands of the README, and their parts.
.PHONY: setup demo grade-example test lint fixtures check bench images compose-up

# The built-in assignments (assignments/<slug>/manifest.toml).
SLUGS = fc-optim mlp-backprop dnn-optimizers rosenbrock lr-schedules

setup:
	./scripts/setup.sh

# Set up, then run the grading service with a demo course (every built-in published, an
# instructor and two students; their tokens are printed). Runs until Ctrl-C.
demo: setup
	.venv/bin/grader serve --demo

# Grade the bundled example submission of fc-optim in the sandbox, without the service.
grade-example: setup
	.venv/bin/grader grade fc-optim examples/fc-optim/adam_no_bias_correction --format table

# Set up, then run every test (and the linter). What the tests need is installed when
# missing: the Docker engine and the sandbox images (docker-setup.sh), Debian's chromium for
# the portal's browser test (setup-browser.sh), the Redis and PostgreSQL servers the scale-out
# tests start on free ports in temporary folders (scale-setup.sh), Compose and the stand-in
# images the deployment test starts docker-compose.yml with (compose-setup.sh).
test: setup
	./scripts/docker-setup.sh
	./scripts/setup-browser.sh
	./scripts/scale-setup.sh
	./scripts/compose-setup.sh
	.venv/bin/ruff check .
	.venv/bin/python -m pytest -q -ra --durations=25

lint: setup
	.venv/bin/ruff check .

fixtures: setup
	for s in $(SLUGS); do .venv/bin/grader fixtures build $$s || exit 1; done

check: setup
	for s in $(SLUGS); do .venv/bin/grader check $$s || exit 1; done

bench: setup
	.venv/bin/python bench/sandbox_overhead.py
	.venv/bin/python bench/service_burst.py
	.venv/bin/python bench/portal_pages.py
	.venv/bin/python bench/notebook_reduce.py
	./scripts/scale-setup.sh
	.venv/bin/python bench/scale_burst.py
	./scripts/docker-setup.sh
	.venv/bin/python bench/docker_sandbox.py

# Build the Docker sandbox's images (base from Debian packages, then the runner) if missing.
images: setup
	.venv/bin/grader sandbox build

# Start docker-compose.yml here (stand-in images from Debian's packages; two workers).
compose-up: setup
	./scripts/docker-setup.sh
	./scripts/compose-setup.sh
	$$(docker compose version >/dev/null 2>&1 && echo 'docker compose' || echo docker-compose) \
	  --env-file build/compose.env up -d --build --scale worker=2
