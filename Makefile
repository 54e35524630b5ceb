# dicom-mosaic: `make demo` and `make test` work on a fresh machine (they run `make setup` first).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SAMPLE := build/sample
DEMO_SERIES := 5eed0000-d1c0-4d05-a1c0-000000000001
export AWS_DEFAULT_REGION ?= us-east-1

.PHONY: setup demo test lint validate bench build clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

## demo: render the bundled phantom CT (generated locally, no network) to demo.webp
demo: setup
	$(BIN)/python -m dicom_mosaic.sample $(SAMPLE) >/dev/null
	$(BIN)/dicom-mosaic $(DEMO_SERIES) demo.webp --root $(SAMPLE) --tile-width 6 --tile-height 4
	cp demo.webp docs/demo.webp
	@echo "wrote demo.webp ($$(wc -c < demo.webp) bytes)"

## test: lint, template checks and the whole test suite
test: setup lint
	$(BIN)/python -m pytest -q

lint: setup
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

clean:
	rm -rf build demo.webp .pytest_cache
