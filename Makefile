# Aftersales: `make run` starts the whole system, `make test` runs every test.
SHELL := /bin/bash
# uv is installed from PyPI on first use when the machine has none.
UV := $(shell command -v uv 2>/dev/null || (python3 -m pip install --quiet uv >/dev/null 2>&1; command -v uv) || echo uv)

export AFTERSALES_TEST_POSTGRES_URL ?= postgresql://postgres@127.0.0.1:5432/postgres
export AFTERSALES_TEST_AMQP_URL ?= amqp://guest:guest@127.0.0.1:5672/

.PHONY: install run demo test lint format asyncapi up down bench

install:
	$(UV) sync --frozen --all-packages --group dev

run: install
	$(UV) run --frozen python deploy/local/run.py

demo:
	$(UV) run --frozen python deploy/local/demo.py

# One pytest run per test tree: each tree is a package named `tests` with its own conftest.
TEST_TREES := libs/schedule/tests libs/contracts/tests libs/kit/tests $(sort $(wildcard services/*/tests)) deploy/tests tests-e2e

test: install
	@tally=$$(mktemp); export AFTERSALES_TEST_TALLY=$$tally; \
	failed=""; for tree in $(TEST_TREES); do \
	  echo "=== $$tree"; $(UV) run --frozen pytest $$tree || failed="$$failed $$tree"; \
	done; \
	python3 deploy/local/tally.py $$tally; \
	rm -f $$tally; \
	if [ -n "$$failed" ]; then echo "FAILED in:$$failed"; exit 1; fi

lint: install
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .
	$(UV) run --frozen mypy libs/*/src services/*/src

format: install
	$(UV) run --frozen ruff check --fix .
	$(UV) run --frozen ruff format .

asyncapi: install
	$(UV) run --frozen python deploy/asyncapi.py docs/asyncapi

up:
	docker compose up -d --build

down:
	docker compose down

bench: install
	$(UV) run --frozen python bench/outbox_relay.py
	$(UV) run --frozen python bench/catalog_import.py
	$(UV) run --frozen python bench/notifications_send.py
	$(UV) run --frozen python bench/scheduling_callouts.py
	$(UV) run --frozen python bench/scheduling_item_events.py
