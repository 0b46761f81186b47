# The two commands a newcomer runs: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test lint install clean bench system-deps

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip==25.3
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/tanggap demo $(ARGS)

# Dovecot (IMAP tests) and Debian's Chromium (browser tests) come from apt when missing;
# Synapse (Matrix tests) goes into its own virtualenv, .synapse-venv (AGPL: run, never imported).
system-deps:
	bash scripts/system-deps.sh
	bash scripts/browser-deps.sh
	PYTHON=$(PYTHON) bash scripts/synapse-deps.sh

test: $(STAMP) system-deps
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Style and types (pyproject.toml: [tool.ruff], [tool.mypy]); CI runs it before the tests.
lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python bench/order_intake.py
	$(BIN)/python bench/smtp_xlsx_order.py
	$(BIN)/python bench/console_latency.py
	$(BIN)/python bench/pdq_match.py

clean:
	rm -rf $(VENV) .synapse-venv var build *.egg-info
