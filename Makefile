# make run  - install into .venv, create/upgrade the SQLite database in instance/, load the
#             demo consortium, print the demo logins and serve http://127.0.0.1:5000 with the
#             notification worker beside it (mails go to the terminal unless MAIL_URL is set)
# make test - install with the test extras into .venv and run the whole test suite
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
ICS_CHECK_DIR ?= ../shared/tools/ics_check
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test install install-test ics-check translations bench clean

# Links, feed URLs and iCalendar UIDs name the address the app is served at (README, PUBLIC_URL).
run: export PUBLIC_URL ?= http://localhost:$(PORT)
run: $(VENV)/.installed-app
	$(BIN)/flask --app booking init-db
	$(BIN)/flask --app booking demo-data
	@# The notification worker runs beside the server and stops with it; without MAIL_URL it
	@# writes each mail to this terminal instead of sending it (the inbox shows them too).
	$(BIN)/flask --app booking worker & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  $(BIN)/flask --app booking run --host $(HOST) --port $(PORT)

# pytest-xdist workers: one per core by default; PYTEST_WORKERS=0 runs in one process.
# worksteal: a worker that runs out takes tests from the other, so a slow test ends no queue.
PYTEST_WORKERS ?= auto
# pytest keeps each test module's rewritten bytecode only where Python may write bytecode: with
# PYTHONDONTWRITEBYTECODE set (some shells and images set it) every run rewrites ~380 modules
# again in every worker, seconds each time.
test: export PYTHONDONTWRITEBYTECODE =
test: $(VENV)/.installed-test ics-check
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

install: $(VENV)/.installed-app
install-test: $(VENV)/.installed-test

$(VENV)/.created:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	touch $@

$(VENV)/.installed-app: $(VENV)/.created setup.cfg pyproject.toml
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.created setup.cfg pyproject.toml
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@ $(VENV)/.installed-app

# The iCalendar checker the iCal tests run; skipped quietly where the tool is not beside us.
ics-check:
	@if [ -x "$(ICS_CHECK_DIR)/setup.sh" ]; then "$(ICS_CHECK_DIR)/setup.sh" >/dev/null || \
	  echo "ics_check could not be set up: the tests that need it will say they are skipped"; fi

translations: $(VENV)/.installed-test
	$(BIN)/pybabel extract -F babel.cfg -k _l -o booking/translations/messages.pot .
	$(BIN)/pybabel update -i booking/translations/messages.pot -d booking/translations --no-fuzzy-matching
	$(BIN)/pybabel compile -d booking/translations

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
