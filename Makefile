# yifa — make run · make test · make bench · make lint
PYTHON ?= $(shell command -v python3.11 || command -v python3.12 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PORT   ?= 5000

.PHONY: run examples test bench screenshots lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m compileall -q engine web
	touch $(STAMP)

## run: serve http://127.0.0.1:$(PORT) on SQLite (./instance) with the demo township and demo accounts
run: $(STAMP)
	$(BIN)/yifa web run --demo --port $(PORT)

## examples: check the example cases and print their reports
examples: $(STAMP)
	@for f in examples/*.yaml; do $(BIN)/yifa check "$$f" || true; echo; done

## test: rule lint, rule tests and the whole pytest suite
test: $(STAMP)
	$(BIN)/yifa rules lint
	$(BIN)/python -m pytest -q

## bench: print the benchmark figures (not a test; bench_web.py needs `ab` from apache2-utils)
bench: $(STAMP)
	$(BIN)/python -m compileall -q engine web
	$(BIN)/python bench/bench_evaluators.py
	$(BIN)/python bench/bench_cold_check.py
	$(BIN)/python bench/bench_check_batch.py
	$(BIN)/python bench/bench_trail.py
	$(BIN)/python bench/bench_services.py
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python bench/bench_web.py
	$(BIN)/python bench/bench_docs_scan.py
	$(BIN)/python bench/bench_credit_scan.py
	$(BIN)/python bench/bench_reminders.py
	$(BIN)/python bench/bench_import.py

## screenshots: refresh docs/screenshots/ from the browser tests
screenshots: $(STAMP)
	YIFA_SCREENSHOTS=1 $(BIN)/python -m pytest -q tests/e2e

## lint: rule files, ruff, and mypy against its baseline (.ci/mypy-baseline.txt only shrinks)
lint: $(STAMP)
	$(BIN)/yifa rules lint
	$(BIN)/ruff check engine web tests bench
	$(BIN)/python .ci/mypy_baseline.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis
