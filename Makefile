# Two commands: `make demo` (set up and serve with real data) and `make test`.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app webapp
STAMP := $(VENV)/.installed

.PHONY: demo test install translations translations-update migrate load-demo serve serve-prod lint bench clean

demo: install translations migrate load-demo serve

test: install translations
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/pytest -q

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

translations: install
	$(BIN)/pybabel -q compile -d translations

# Re-extract the French source strings into the template and merge it into every catalog;
# then translate the new/fuzzy entries and run `make translations` (see translations/README.md).
translations-update: install
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k _l -k lazy_gettext --sort-by-file \
		--project Passerelles --copyright-holder Passerelles -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations

migrate: install
	$(FLASK) db upgrade

load-demo: install
	$(FLASK) import reference
	$(FLASK) import siae data/demo/siae_snapshot.csv.gz
	$(FLASK) import esat data/demo/esat_finess.csv.gz
	$(FLASK) search sync --repair
	$(FLASK) users demo
	$(FLASK) import intentions data/templates/intentions_modele.csv --source demo
	@if [ -f ../shared/data/decp/decp_sample_pes_2019.json ]; then \
		$(FLASK) import decp ../shared/data/decp/decp_sample_pes_2019.json --history; fi
	$(FLASK) match run
	$(FLASK) events demo

serve: install
	$(FLASK) run --host 127.0.0.1 --port 5000

# Production: PASSERELLES_ENV=production, SECRET_KEY, DATABASE_URL (and MEILI_URL,
# REDIS_URL, PROXY_HOPS...) come from the environment; migrations run first.
serve-prod: install translations
	PASSERELLES_ENV=production $(FLASK) db upgrade
	PASSERELLES_ENV=production $(BIN)/gunicorn -c deploy/gunicorn.conf.py 'webapp:create_app()'

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/ruff format --check .

bench: install
	$(BIN)/python bench/import_bench.py
	$(BIN)/python bench/search_bench.py
	$(BIN)/python bench/match_bench.py

clean:
	rm -rf $(VENV) instance/*.sqlite3
