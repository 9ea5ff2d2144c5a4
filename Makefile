# The two commands an officer or a maintainer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CONFIG ?= $(if $(wildcard config.yaml),config.yaml,config.example.yaml)

.PHONY: run test lint typecheck clean

$(BIN)/danvan: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@

run: $(BIN)/danvan
	$(BIN)/danvan -c $(CONFIG) run

test: $(BIN)/danvan
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest -q

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
