# k2chat: `make run` sets everything up and starts the chat; `make test` sets up and tests.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.k2chat-installed

.PHONY: setup run test lint eval fit ingest bench screenshot audit lock clean

$(STAMP): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "k2chat needs Python 3.11 (set PYTHON=/path/to/python3.11)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# torch first and pinned: the CPU wheel; an unpinned torch is a multi-GB CUDA build.
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -c requirements.lock -e ".[dev]"
	@touch $(STAMP)

setup: $(STAMP)

run: setup
	$(BIN)/k2chat serve

lint: setup
	$(BIN)/ruff check src ingest tests bench scripts
	$(BIN)/mypy

test: lint
	$(BIN)/python -m pytest

eval: setup
	$(BIN)/k2chat eval

# Fit the emergency, question-type, scope and lead models on src/k2chat/data/ (prints held-out figures).
fit: setup
	$(BIN)/python -m k2chat.fit

ingest: setup
	$(BIN)/k2chat ingest

bench: setup
	$(BIN)/python bench/run_all.py

screenshot: setup
	$(BIN)/python scripts/screenshot.py

# Known-vulnerability audit of the locked versions (needs PyPI's JSON API; see README).
audit: setup
	$(BIN)/pip-audit --strict -r requirements.lock --no-deps --disable-pip

lock: setup
	{ head -2 requirements.lock; $(BIN)/pip freeze --exclude-editable; } > requirements.lock.new
	mv requirements.lock.new requirements.lock

clean:
	rm -rf $(VENV) .k2chat .pytest_cache .mypy_cache .ruff_cache
