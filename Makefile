# The two commands of the README, and their parts.
.PHONY: setup demo grade-example test lint fixtures check bench

setup:
	./scripts/setup.sh

# Set up, then run the grading service with a demo course (every built-in published, an
# instructor and two students; their tokens are printed). Runs until Ctrl-C.
demo: setup
	.venv/bin/grader serve --demo

# Grade the bundled example submission of fc-optim in the sandbox, without the service.
grade-example: setup
	.venv/bin/grader grade fc-optim examples/fc-optim/adam_no_bias_correction --format table

# Set up, then run every test (and the linter). scale-setup.sh installs the Redis and
# PostgreSQL servers the scale-out tests start (on free ports, in temporary folders).
test: setup
	./scripts/scale-setup.sh
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
	.venv/bin/python bench/service_burst.py
	./scripts/scale-setup.sh
	.venv/bin/python bench/scale_burst.py
