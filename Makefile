# yifa — make run · make test · make bench · make lint
PYTHON ?= $(shell command -v python3.11 || command -v python3.12 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test bench lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

## run: check the example cases and print their reports (the web app comes with issue 4)
run: $(STAMP)
	@for f in examples/*.yaml; do $(BIN)/yifa check "$$f" || true; echo; done

## test: rule lint, rule tests and the whole pytest suite
test: $(STAMP)
	$(BIN)/yifa rules lint
	$(BIN)/python -m pytest -q

## bench: print the benchmark figures (not a test)
bench: $(STAMP)
	$(BIN)/python bench/bench_evaluators.py
	$(BIN)/python bench/bench_cold_check.py

lint: $(STAMP)
	$(BIN)/yifa rules lint

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis
