# Two entry points: `make run` (showcase) and `make test` (pytest + lit). Both bootstrap .venv.
PY ?= python3
VENV := .venv
STAMP := $(VENV)/.installed
BIN := $(VENV)/bin

.PHONY: run test pytest lit clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/python -m tilefabric.examples.showcase

test: $(STAMP)
	$(BIN)/python -m pytest -q
	$(BIN)/lit -sv lit_tests

clean:
	rm -rf $(VENV) build *.egg-info
