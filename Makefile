# k2chat: `make run` sets everything up and starts the chat; `make test` sets up and tests.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
# One stamp per install step: `make run` needs only the serving one; `make test` adds its tools.
STAMP  := $(VENV)/.k2chat-serve
STEP   := $(BIN)/python scripts/pip_step.py

.PHONY: setup setup-test setup-dev run test lint eval fit ingest bench screenshot audit lock clean

# Serving only: what `k2chat serve` and `k2chat ingest` import. pip runs in the background into
# .venv/pip-*.log; scripts/pip_step.py prints a progress line every few seconds instead.
$(STAMP): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "k2chat needs Python 3.11 (set PYTHON=/path/to/python3.11)")'
	@rm -f $(VENV)/.k2chat-extra-*
	$(PYTHON) -m venv $(VENV)
	@$(STEP) "pip" -- --upgrade pip
	@# torch first and pinned: the CPU wheel; an unpinned torch is a multi-GB CUDA build.
	@$(STEP) "torch (CPU build)" -- torch==2.13.0
	@$(STEP) "k2chat and its serving dependencies" -- -c requirements.lock -e .
	@touch $@

# An extra of pyproject.toml ([project.optional-dependencies]) on top of the serving install.
$(VENV)/.k2chat-extra-%: $(STAMP)
	@$(STEP) "the $* tools" -- -c requirements.lock -e ".[$*]"
	@touch $@

setup: $(STAMP)

setup-test: $(VENV)/.k2chat-extra-test

setup-dev: $(VENV)/.k2chat-extra-dev

run: setup
	$(BIN)/k2chat serve

lint: setup-test
	$(BIN)/ruff check src ingest tests bench scripts
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

test: lint
	$(BIN)/python -m pytest

eval: setup
	$(BIN)/k2chat eval --file tests/eval/questions.yaml

# Fit the emergency, question-type, scope and lead models on src/k2chat/data/ (prints held-out figures).
# The lead model's fine-tuned encoder (data/encoder.onnx) is fine-tuned again only when its inputs
# changed (CPU, minutes); `make fit FIT_ARGS=--reuse-encoder` keeps it and refits the rest quickly.
fit: $(VENV)/.k2chat-extra-fit
	$(BIN)/python -m k2chat.fit --tuning tests/eval/questions.yaml --holdout tests/eval/holdout.yaml $(FIT_ARGS)

ingest: setup
	$(BIN)/k2chat ingest

bench: $(VENV)/.k2chat-extra-bench
	$(BIN)/python bench/run_all.py

screenshot: setup-test
	$(BIN)/python scripts/screenshot.py

# Known-vulnerability audit of the locked versions (needs PyPI's JSON API; see README).
audit: $(VENV)/.k2chat-extra-audit
	$(BIN)/pip-audit --strict -r requirements.lock --no-deps --disable-pip

lock: setup-dev
	{ head -2 requirements.lock; $(BIN)/pip freeze --exclude-editable; } > requirements.lock.new
	mv requirements.lock.new requirements.lock

clean:
	rm -rf $(VENV) .k2chat .pytest_cache .mypy_cache .ruff_cache
