# Aftersales: `make run` starts the whole system, `make test` runs every test.
SHELL := /bin/bash
# uv is installed from PyPI on first use when the machine has none.
UV := $(shell command -v uv 2>/dev/null || (python3 -m pip install --quiet uv >/dev/null 2>&1; command -v uv) || echo uv)

export AFTERSALES_TEST_POSTGRES_URL ?= postgresql://postgres@127.0.0.1:5432/postgres
export AFTERSALES_TEST_AMQP_URL ?= amqp://guest:guest@127.0.0.1:5672/

.PHONY: install console console-test run demo test test-unit lint mypy-tests format asyncapi openapi up down bench

install:
	$(UV) sync --frozen --all-packages --group dev

# The console (TypeScript, services/console): installed from its lock file and built into
# services/console/dist, which the gateway serves at /. npm ci runs again only when the
# lock file changed.
CONSOLE := services/console
$(CONSOLE)/node_modules/.package-lock.json: $(CONSOLE)/package-lock.json
	cd $(CONSOLE) && npm ci --no-audit --no-fund

console: $(CONSOLE)/node_modules/.package-lock.json
	cd $(CONSOLE) && npm run build

# Component tests (Vitest, jsdom): no server needed.
console-test: $(CONSOLE)/node_modules/.package-lock.json
	cd $(CONSOLE) && npm test

run: install console
	$(UV) run --frozen python deploy/local/run.py

demo:
	$(UV) run --frozen python deploy/local/demo.py

# One pytest run per test tree: each tree is a package named `tests` with its own conftest.
# tests-e2e/faults runs on its own: it starts a private RabbitMQ node and PostgreSQL cluster
# and kills them (a few minutes); `pytest tests-e2e` leaves it out.
TEST_TREES := libs/schedule/tests libs/contracts/tests libs/kit/tests $(sort $(wildcard services/*/tests)) deploy/tests tests-e2e tests-e2e/faults

# The console is built first: tests-e2e drives it in Chromium through the gateway.
test: install console
	@tally=$$(mktemp); export AFTERSALES_TEST_TALLY=$$tally; \
	failed=""; echo "=== $(CONSOLE) (vitest)"; \
	(cd $(CONSOLE) && npm test) || failed="$$failed $(CONSOLE)"; \
	for tree in $(TEST_TREES); do \
	  echo "=== $$tree"; $(UV) run --frozen pytest $$tree || failed="$$failed $$tree"; \
	done; \
	python3 deploy/local/tally.py $$tally; \
	rm -f $$tally; \
	if [ -n "$$failed" ]; then echo "FAILED in:$$failed"; exit 1; fi

# The fast layer alone: pure code, no database and no broker, in seconds.
UNIT_TREES := libs/schedule/tests libs/contracts/tests libs/kit/tests/unit $(sort $(wildcard services/*/tests/unit))

test-unit: install
	@tally=$$(mktemp); export AFTERSALES_TEST_TALLY=$$tally; \
	failed=""; for tree in $(UNIT_TREES); do \
	  echo "=== $$tree"; $(UV) run --frozen pytest -q $$tree || failed="$$failed $$tree"; \
	done; \
	python3 deploy/local/tally.py $$tally; \
	rm -f $$tally; \
	if [ -n "$$failed" ]; then echo "FAILED in:$$failed"; exit 1; fi

# mypy checks each test tree on its own: every tree is a package named `tests`, so it runs
# from the tree's parent (tests-e2e, not a package, from the root).
MYPY_TEST_TREES := libs/kit/tests libs/schedule/tests libs/contracts/tests $(sort $(wildcard services/*/tests)) deploy/tests tests-e2e

PYTHON_SERVICES := $(filter-out $(CONSOLE),$(wildcard services/*))

lint: install
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .
	$(UV) run --frozen mypy libs/*/src $(PYTHON_SERVICES:%=%/src)
	$(UV) run --frozen lint-imports
	@$(MAKE) --no-print-directory $(CONSOLE)/node_modules/.package-lock.json
	cd $(CONSOLE) && npm run typecheck
	@$(MAKE) --no-print-directory mypy-tests

mypy-tests:
	@failed=""; for tree in $(MYPY_TEST_TREES); do \
	  echo "=== mypy $$tree"; \
	  if [ "$$(basename $$tree)" = tests ]; then \
	    (cd $$(dirname $$tree) && $(UV) run --frozen mypy tests) || failed="$$failed $$tree"; \
	  else \
	    $(UV) run --frozen mypy $$tree || failed="$$failed $$tree"; \
	  fi; \
	done; \
	if [ -n "$$failed" ]; then echo "mypy FAILED in:$$failed"; exit 1; fi

format: install
	$(UV) run --frozen ruff check --fix .
	$(UV) run --frozen ruff format .

asyncapi: install
	$(UV) run --frozen python deploy/asyncapi.py docs/asyncapi

# The public API's document, then the console's typed client generated from it.
openapi: install $(CONSOLE)/node_modules/.package-lock.json
	$(UV) run --frozen python deploy/public_openapi.py
	cd $(CONSOLE) && npm run gen:api

up:
	docker compose up -d --build

down:
	docker compose down

bench: install
	$(UV) run --frozen python bench/ceilings.py
	$(UV) run --frozen python bench/outbox_relay.py
	$(UV) run --frozen python bench/catalog_import.py
	$(UV) run --frozen python bench/notifications_send.py
	$(UV) run --frozen python bench/scheduling_callouts.py
	$(UV) run --frozen python bench/scheduling_item_events.py
	$(UV) run --frozen python bench/scheduling_item_events.py 20000 --set-size 500
	$(UV) run --frozen python bench/installed_base_import.py
	$(UV) run --frozen python bench/fieldwork_views.py
	$(UV) run --frozen python bench/protocol_pdf.py
	$(UV) run --frozen python bench/campaigns_release.py
	$(UV) run --frozen python bench/fuzz.py
	$(MAKE) --no-print-directory console
	$(UV) run --frozen python bench/console_load.py
	$(UV) run --frozen python bench/faults.py
