# Helpcenter — two commands on a fresh machine with Python 3.11 and make:
#   make run   installs, migrates, loads demo content and serves http://127.0.0.1:8000
#   make test  installs and runs the whole test suite
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
export DJANGO_SETTINGS_MODULE ?= helpcenter.settings.dev

.PHONY: run test install install-dev migrate demo messages makemessages lint e2e serve clean

$(VENV)/bin/activate:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) not found; set PYTHON=/path/to/python3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt $(VENV)/bin/activate
	$(PIP) install --quiet -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(PIP) install --quiet -r requirements-dev.txt
	@touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

messages: install
	$(PY) manage.py i18n_compile

# Update the catalogues from the code (needs GNU gettext); the same ignore list as tests/test_i18n.py.
makemessages: install
	for domain in django djangojs; do $(PY) manage.py makemessages -d $$domain -l ne -l cy -l lo -l tr -l lt \
	  --ignore=.venv --ignore=tests --ignore=bench --ignore=staticfiles --ignore=var --ignore=test-results --ignore=docker; done

migrate: install messages
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable

demo: migrate
	$(PY) manage.py forum_sync_permissions
	$(PY) manage.py load_demo

run: demo
	$(PY) manage.py search_reindex --quiet-if-fresh
	@echo ""
	@echo "Helpcenter is running at http://$(HOST):$(PORT)/  (Ctrl+C to stop)"
	@echo "Staff admin: http://$(HOST):$(PORT)/admin/  user: admin  password: admin-demo-password"
	$(PY) manage.py runserver $(HOST):$(PORT)

test: install-dev
	$(PY) manage.py i18n_compile
	$(PY) -m pytest $(PYTEST_ARGS)

e2e: install-dev
	$(PY) manage.py i18n_compile
	$(PY) -m pytest tests/e2e -m e2e $(PYTEST_ARGS)

lint: install-dev
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) var staticfiles test-results
