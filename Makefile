# dicom-mosaic: `make demo` and `make test` work on a fresh machine (they run `make setup` first).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SAMPLE := build/sample
DEMO_SERIES := 5eed0000-d1c0-4d05-a1c0-000000000001
export AWS_DEFAULT_REGION ?= us-east-1

.PHONY: setup demo test lint validate bench build layer-size clean

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
test: setup lint validate
	$(BIN)/python -m pytest -q

## validate: cfn-lint, then `sam validate --lint` (SAM CLI in its own venv: it pins botocore)
SAM_VENV := build/sam-venv
SAM      := $(SAM_VENV)/bin/sam
validate: setup $(SAM_VENV)/.installed
	$(BIN)/cfn-lint template.yaml
	AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x SAM_CLI_TELEMETRY=0 \
		$(SAM) validate --lint --template template.yaml

$(SAM_VENV)/.installed:
	$(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/python -m pip install --quiet aws-sam-cli
	touch $@

## build: `sam build` (makefile build method: no Docker, no local Python 3.12 needed)
build: $(SAM_VENV)/.installed
	SAM_CLI_TELEMETRY=0 $(SAM) build --template template.yaml

## build-*Function: called by `sam build` for each function: the package without its tests
build-ApiFunction build-JobFunction:
	mkdir -p "$(ARTIFACTS_DIR)"
	cp -r src/dicom_mosaic "$(ARTIFACTS_DIR)/"
	rm -rf "$(ARTIFACTS_DIR)/dicom_mosaic/sample.py"
	find "$(ARTIFACTS_DIR)" -name "__pycache__" -type d -prune -exec rm -rf {} +

## layer-size: build the layer alone and print its unzipped size
layer-size:
	rm -rf build/layer && $(MAKE) -C layers build-DependenciesLayer ARTIFACTS_DIR=$(CURDIR)/build/layer

lint: setup
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

## bench: wall time, requests, bytes and RSS on local, HTTP (0/20 ms) and S3 (moto) roots.
## Timed with a runtime-only install (what users get): the dev venv's ~80 packages make
## pydicom's import-time entry-point scan slower.
BENCH_VENV := build/bench/venv
## Then one tile's decode time with and without reduced-resolution decoding (bench/decode.py).
bench: setup $(BENCH_VENV)/.installed
	$(BIN)/python bench/run.py --exe $(BENCH_VENV)/bin/dicom-mosaic
	$(BIN)/python -W ignore bench/decode.py

$(BENCH_VENV)/.installed: pyproject.toml $(shell find src -name '*.py')
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/python -m pip install --quiet .
	touch $@

clean:
	rm -rf build demo.webp .pytest_cache
