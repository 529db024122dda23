# The two commands of the README. Both work on a fresh machine with Python 3.11+.
#   make start   install into .venv and start Rapport with demo data on http://127.0.0.1:8000
#   make test    install the development tools and run every test suite (see scripts/test.sh)

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: start test

start: $(BIN)/python
	@echo "Installing Rapport into $(VENV)…"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e .
	$(BIN)/rapport serve --demo --host $(HOST) --port $(PORT)

test:
	@bash scripts/test.sh

$(BIN)/python:
	@$(PYTHON) -m venv $(VENV) || { echo "Could not create $(VENV): Python 3.11+ with venv is needed (Debian: apt-get install python3-venv)"; exit 1; }
