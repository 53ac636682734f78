# Aftersales: `make run` starts the whole system, `make test` runs every test.
SHELL := /bin/bash
UV ?= $(shell command -v uv 2>/dev/null || echo "$(HOME)/.local/bin/uv")

export AFTERSALES_TEST_POSTGRES_URL ?= postgresql://postgres@127.0.0.1:5432/postgres
export AFTERSALES_TEST_AMQP_URL ?= amqp://guest:guest@127.0.0.1:5672/

.PHONY: install run demo test test-unit lint format asyncapi up down bench

$(UV):
	python3 -m pip install --quiet uv

install: $(UV)
	$(UV) sync --frozen --all-packages --group dev

run: install
	$(UV) run --frozen python deploy/local/run.py

demo:
	$(UV) run --frozen python deploy/local/demo.py

test: install
	$(UV) run --frozen pytest libs services deploy/tests tests-e2e

test-unit: install
	$(UV) run --frozen pytest libs/schedule $(wildcard libs/*/tests/unit) $(wildcard services/*/tests/unit)

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
