# The two commands of the README, and their parts.
.PHONY: setup demo grade-example test lint fixtures check bench

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

# Set up, then run every test (and the linter). The portal's browser test needs Debian's
# chromium: scripts/setup-browser.sh installs it when missing; scale-setup.sh installs the
# Redis and PostgreSQL servers the scale-out tests start (on free ports, in temporary folders).
test: setup
	./scripts/setup-browser.sh
	./scripts/scale-setup.sh
	.venv/bin/ruff check .
	.venv/bin/python -m pytest -q -ra

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
	./scripts/scale-setup.sh
	.venv/bin/python bench/scale_burst.py
