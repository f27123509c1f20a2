# The two commands of the README: `make run` (set up, load demo data, serve) and `make test`;
# `make serve` starts without demo data.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run serve test setup migrate demo messages check clean

$(STAMP): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $(STAMP)

setup: $(STAMP)

migrate: setup
	$(BIN)/python manage.py migrate --noinput

# Loaded once (load_demo records its cases); never into a database with real cases, which
# --skip-if-real-cases reports without failing, so that `make run` still starts the server.
demo: migrate
	$(BIN)/python manage.py load_demo --cases 300 --skip-if-real-cases

run: demo
	$(BIN)/python manage.py serve --host 127.0.0.1 --port 8000

serve: migrate
	$(BIN)/python manage.py serve --host 127.0.0.1 --port 8000

# Two workers (pytest-xdist; this is a 2-core machine), each with its own test database, index
# folders and ports; a module's tests stay on one worker so module-scoped fixtures (the demo
# county, the search corpus) are built once.
test: setup
	$(BIN)/python -m pytest -n 2 --dist loadfile

check: setup
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	DJANGO_SECRET_KEY=check-only-$$(date +%s)-abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJ \
	DJANGO_SETTINGS_MODULE=config.settings.production $(BIN)/python manage.py check --deploy --fail-level WARNING

messages: setup
	$(BIN)/python manage.py makemessages -l zh_Hans -l en --ignore '.venv/*' --ignore 'bench/*'
	$(BIN)/python manage.py compilemessages --ignore '.venv/*'

clean:
	rm -rf var
