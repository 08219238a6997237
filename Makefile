# The two commands of the README, and their parts.
.PHONY: setup demo test lint fixtures check bench

# The built-in assignments (assignments/<slug>/manifest.toml).
SLUGS = fc-optim mlp-backprop dnn-optimizers rosenbrock lr-schedules

setup:
	./scripts/setup.sh

# Set up, then grade the bundled example submission of fc-optim in the sandbox.
demo: setup
	.venv/bin/grader grade fc-optim examples/fc-optim/adam_no_bias_correction --format table

# Set up, then run every test (and the linter).
test: setup
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
