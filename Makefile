# precis: `make demo` runs the offline pipeline on the sample articles; `make test` runs every check.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SAM_VENV := .venv-sam
CHECKOV_VENV := .venv-checkov
# The Hugging Face DLC on SageMaker still ships transformers 4.x: the model tests run on both majors.
TF4_VENV := .venv-tf4
# The sagemaker SDK (~1 GB, ~8 min to install) only serves `precis image-uri`: checked on demand, not in CI.
SAGEMAKER_VENV := .venv-sagemaker

# pytest-xdist runs the unit tests on every core; tests/integration/test_chaos.py runs four faults at a time.
PYTEST_WORKERS ?= auto
# `make test` runs the chaos runs beside the other stack tests, at a lower priority: those wait on
# time-compressed pipelines whose timeouts are real seconds of CPU work, and keep the CPU when they need it.
CHAOS_PRIORITY :=
SUBMAKE := $(MAKE) --no-print-directory

.PHONY: help venv demo test lint unit integration stack-tests chaos test-tf4 test-sagemaker validate build deploy \
	bench clean tools sam-venv checkov-venv tf4-venv

help:
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(BIN)/precis: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,ml]'
	@touch $@

venv: $(BIN)/precis ## create .venv with precis, the ML extra and the test tools

demo: venv ## start the offline stack, summarize the sample articles, print them, stop (PORT=P: on P and P+1)
	$(BIN)/precis local demo $(if $(PORT),--port $(PORT))

lint: venv ## ruff check, ruff format --check, and mypy over src, layers, model, functions (settings in pyproject.toml)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

unit: venv ## every test that needs no running local stack (core, CLI, model, template, local endpoint)
	$(BIN)/pytest -m "not integration" -n $(PYTEST_WORKERS)

integration: stack-tests chaos ## end-to-end tests that start the local stack and drive it with the AWS CLI and boto3

stack-tests: venv ## the integration tests but the chaos runs
	$(BIN)/pytest -m "integration and not chaos"

chaos: venv ## bench/chaos.py's 13 faults at 100 articles, a fresh stack each, four at a time
	$(CHAOS_PRIORITY) $(BIN)/pytest -m chaos

$(TF4_VENV)/bin/pytest: pyproject.toml
	$(PYTHON) -m venv $(TF4_VENV)
	$(TF4_VENV)/bin/pip install --quiet --upgrade pip
	$(TF4_VENV)/bin/pip install --quiet -e '.[dev]' 'torch==2.13.0' 'transformers>=4.40,<5' sentencepiece protobuf
	@touch $@

tf4-venv: $(TF4_VENV)/bin/pytest

test-tf4: tf4-venv ## the model tests on transformers 4.x (what the DLC ships)
	$(TF4_VENV)/bin/pytest tests/model -q

$(SAGEMAKER_VENV)/bin/pytest: pyproject.toml
	$(PYTHON) -m venv $(SAGEMAKER_VENV)
	$(SAGEMAKER_VENV)/bin/pip install --quiet --upgrade pip
	$(SAGEMAKER_VENV)/bin/pip install --quiet -e '.[sagemaker]' pytest
	@touch $@

test-sagemaker: $(SAGEMAKER_VENV)/bin/pytest ## `precis image-uri` against the real sagemaker SDK
	$(SAGEMAKER_VENV)/bin/pytest tests/model/test_model_archive.py -q

# Three steps, each after the one before, its targets side by side: the venvs; the checks that need no
# stack; the stack tests with the chaos runs. make prints each target's output whole when it ends
# (--output-sync), and any failure fails `make test`. The tf4 venv is made in the second step, after .venv:
# both install this checkout editable, and setuptools writes its precis.egg-info for each.
test: ## everything CI runs: the venvs, then lint, validate, build, test-tf4 and unit, then the stack tests and chaos
	@$(SUBMAKE) -j 3 --output-sync=target venv tools
	@$(SUBMAKE) -j 5 --output-sync=target lint validate build test-tf4 unit
	@$(SUBMAKE) -j 2 --output-sync=target CHAOS_PRIORITY="nice -n 10" stack-tests chaos

# The SAM CLI and checkov venvs as scripts/tool-venvs.sh pins them (the scripts check them again: no-op).
tools: sam-venv checkov-venv

sam-venv:
	@source scripts/tool-venvs.sh && ensure_venv "$$SAM_VENV" "$${SAM_TOOLS[@]}"

checkov-venv:
	@source scripts/tool-venvs.sh && ensure_venv "$$CHECKOV_VENV" "$${CHECKOV_TOOLS[@]}"

validate: sam-venv checkov-venv ## sam validate --lint, cfn-lint on the translated template, checkov
	scripts/validate.sh

build: sam-venv ## sam build
	scripts/build.sh

deploy: ## package the model, upload it, sam deploy
	scripts/deploy.sh

bench: venv ## the benchmarks under bench/ (figures and commands: docs/BENCHMARKS.md)
	$(BIN)/python bench/cold_start.py --runs 10
	$(BIN)/python bench/engine_speed.py
	$(BIN)/python bench/request_memory.py --runs 3
	$(BIN)/python bench/quality.py
	$(BIN)/python bench/plumbing.py --articles 1000 --runs 3
	$(BIN)/python bench/shared_summarizer.py --runs 3
	$(BIN)/python bench/chaos.py --articles 1000
	$(BIN)/python bench/simulate.py --runs 5
	$(BIN)/python bench/about.py --runs 15
	$(BIN)/python bench/sql.py --documents 100000 --runs 5
	$(BIN)/python bench/trends.py --runs 5
	$(BIN)/python bench/ui.py
	$(BIN)/precis simulate burst --compare
	$(BIN)/precis simulate idle --compare

clean:
	rm -rf .aws-sam build .pytest_cache
