# The two commands of the README: `make run` and `make test`. Everything else is manage.py.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum requirements.txt | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test fuzz lint migrations-check messages bench up worker beat clean

$(STAMP): requirements.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

install: $(STAMP)

## Set up everything on SQLite with in-process tasks, load the Ordos demo and serve it.
run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	@echo "Serving http://$(HOST):$(PORT)/  (admin: http://$(HOST):$(PORT)/admin/, API docs: /api/docs/)"
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

## Lint, migrations check and the whole suite (PostgreSQL/Redis when DATABASE_URL/CELERY_BROKER_URL are set).
test: install lint migrations-check
	$(BIN)/python -m pytest

## Fuzz the whole API long: more examples per operation and the coverage phase (`make test`
## runs the same test bounded to FUZZ_EXAMPLES=1 without the coverage phase; docs/hardening.md).
FUZZ_EXAMPLES ?= 25
fuzz: install
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) FUZZ_PHASES=examples,coverage,fuzzing \
		$(BIN)/python -m pytest -m fuzz tests/hardening/test_api_fuzz.py

lint: install
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

migrations-check: install
	$(BIN)/python manage.py makemigrations --check --dry-run

## Refresh and compile the zh-hans catalogue (needs GNU gettext).
messages: install
	$(BIN)/python manage.py makemessages -l zh_Hans --no-obsolete --ignore=.venv --ignore=tests
	$(BIN)/python manage.py compilemessages -l zh_Hans --ignore=.venv

## Benchmarks on a scratch database (DATABASE_URL=…/wushe_bench; see docs/performance.md).
## BENCH_ARGS, e.g. "--only compliance,api_load --scale province".
bench: install
	$(BIN)/python -m bench.run $(BENCH_ARGS)

## The full stack for production-like runs: gunicorn, a Celery worker and beat (needs DATABASE_URL, CELERY_BROKER_URL).
up: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput
	$(BIN)/celery -A config worker -l info --detach --pidfile=.celery-worker.pid --logfile=.celery-worker.log
	$(BIN)/celery -A config beat -l info --detach --pidfile=.celery-beat.pid --logfile=.celery-beat.log
	DJANGO_SETTINGS_MODULE=config.settings.production $(BIN)/gunicorn config.wsgi -b $(HOST):$(PORT) -w 4

worker: install
	$(BIN)/celery -A config worker -l info

beat: install
	$(BIN)/celery -A config beat -l info

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .test-media
