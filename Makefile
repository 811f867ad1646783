# Two entry points, both safe on a fresh Debian machine with Python 3.11:
#   make serve   build the bundled masterclasses and serve them on http://127.0.0.1:8000
#   make test    run the whole test suite (installs chromium/postgresql via apt-get when missing)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.lessonkit-installed
PORT   ?= 8000

.PHONY: serve build test lint bench system-deps clean

$(STAMP): pyproject.toml lessons/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test,service,exec,workshop]' -r lessons/requirements.txt
	touch $(STAMP)

serve: $(STAMP)
	$(BIN)/lessonkit serve lessons --out site --port $(PORT)

build: $(STAMP)
	$(BIN)/lessonkit build lessons --out site

system-deps:
	@sh .ci/system-deps

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks

test: $(STAMP) system-deps lint
	$(BIN)/python -m pytest -n 2

bench: $(STAMP)
	$(BIN)/python -m pip install -q -e '.[bench]'
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) site
