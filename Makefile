# ordex: two commands do all the set-up on a fresh machine: `make serve` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MASTER_DATA ?= ../shared/contract/example
PORT ?= 3000
DB ?=

.PHONY: install lock audit bento models tagger gate serve test test-fast golden lint bench predict clean

install: $(VENV)/.installed

# A developer gets everything (serving, training, tests); the served packages at the versions the Bento ships
# (requirements/serve.lock). torch first, from the CPU wheel on disk (a plain `torch` would pull a CUDA build).
$(VENV)/.installed: pyproject.toml requirements/serve.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet "torch==2.13.0"
	$(BIN)/python -m pip install --quiet -c requirements/serve.lock -e ".[train,dev]"
	@touch $@

# Re-lock what the service needs (pyproject's [project.dependencies]) after changing it; the versions already
# locked are kept where they still fit.
lock: install
	$(BIN)/uv pip compile pyproject.toml -o requirements/serve.lock --python-version 3.11 --quiet --no-header \
	  --custom-compile-command "make lock"

# Known vulnerabilities in the locked service packages (pip-audit against PyPI's advisory data).
audit: install
	@mkdir -p var; $(BIN)/pip-audit -r requirements/serve.lock --no-deps --disable-pip --progress-spinner off \
	  -f json -o var/pip-audit.json; rc=$$?; $(BIN)/python -m evaluation.audit_summary var/pip-audit.json; exit $$rc

# The Bento with the champion models in BentoML's model store (`bentoml containerize ordex:latest` makes the image).
bento: install models
	$(BIN)/ordex bento build

# The SKU ranker (under a minute) and the token classifier (about 5 minutes on 2 cores), progress shown, each
# only when MLflow has no champion yet.
models: install
	$(BIN)/ordex train matcher --if-missing
	$(BIN)/ordex train tagger --if-missing

tagger: install
	$(BIN)/ordex train tagger --if-missing

# The release gate (models/release_gate.json, committed, two kilobytes): refit on the held-out trade's signals
# after the tagger or the ranker changed (about ten minutes; MLflow experiment ordex-gate).
gate: install models
	$(BIN)/python -m training.train_gate

# A local admin key is made once (var/admin.key, mode 600); the README's curl reads it from there.
ADMIN_KEY ?= var/admin.key

serve: install models
	@$(BIN)/ordex keys create --role admin --name local-admin --save $(ADMIN_KEY) --if-missing $(if $(DB),--db $(DB) --new-store,)
	@echo "admin API key: $(ADMIN_KEY)   (curl -H \"Authorization: Bearer \$$(cat $(ADMIN_KEY))\" ...)"
	$(BIN)/ordex serve --master-data $(MASTER_DATA) --port $(PORT) $(if $(DB),--db $(DB),)

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy ordex models rules serving training evaluation
	$(BIN)/lint-imports

# The golden files run the pipeline with the default extractor: the models `make models` builds (once).
test: lint models audit
	$(BIN)/python -m pytest -q

# Rewrite the golden files' expected predictions from what the code answers now; review the diff before committing.
golden: install models
	$(BIN)/python -m pytest -q tests/ordex/test_golden.py --regen-golden

test-fast: install
	$(BIN)/python -m pytest -q -m "not slow"

# The service on the example and on a realistic distributor, the matcher at 1k/10k/100k SKUs: into MLflow and the
# README's table; then the in-process pipeline, the tagger and the confirmation latency (printed); then start-up at
# 100k SKUs and 10k customers (evaluation.bench_scale, about ten minutes).
bench: install models
	$(BIN)/python -m evaluation.bench_report --master-data $(MASTER_DATA)
	$(BIN)/python -m evaluation.bench --master-data $(MASTER_DATA)
	$(BIN)/python -m evaluation.bench_tagger
	$(BIN)/python -m evaluation.bench_confirmation --master-data $(MASTER_DATA) --repeat 5
	$(BIN)/python -m evaluation.bench_scale

predict: install
	$(BIN)/ordex predict --master-data $(MASTER_DATA) --cases $(MASTER_DATA)/cases.jsonl --out var/pred.jsonl
	$(BIN)/python -m evaluation.score $(MASTER_DATA)/cases.jsonl var/pred.jsonl

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
