# precis: `make demo` runs the offline pipeline on the sample articles; `make test` runs every check.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SAM_VENV := .venv-sam
CHECKOV_VENV := .venv-checkov

.PHONY: help venv demo test unit validate build deploy bench package-model clean

help:
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(BIN)/precis: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,ml]'
	@touch $@

venv: $(BIN)/precis ## create .venv with precis, the ML extra and the test tools

demo: venv ## start the offline stack, summarize the sample articles, print them, stop
	$(BIN)/precis local demo

unit: venv ## the Python test suite (unit, model, local stack end to end)
	$(BIN)/pytest

test: unit validate build ## everything CI runs

validate: ## sam validate --lint, cfn-lint on the translated template, checkov
	scripts/validate.sh

build: ## sam build
	scripts/build.sh

deploy: ## package the model, upload it, sam deploy
	scripts/deploy.sh

bench: venv ## the benchmarks under bench/
	@echo "bench: being written"

clean:
	rm -rf .aws-sam build .pytest_cache
