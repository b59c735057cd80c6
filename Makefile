# The two commands: `make lab` (set up, then JupyterLab on notebooks/) and `make test`
# (set up, then every test). Both build .venv with the system Python (3.11 or newer).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: lab test lint typecheck browser unit notebooks run-notebooks screenshots data bench clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"'
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { \
	  rm -rf $(VENV); \
	  echo "'$(PYTHON) -m venv' failed: installing Debian's python3-venv"; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq python3-venv; \
	  else echo "run: sudo apt-get install python3-venv" >&2; exit 1; fi; \
	  $(PYTHON) -m venv $(VENV); }
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	rm -f $(VENV)/.installed-*
	$(BIN)/python -m pip install --quiet -e '.[test,dask]'
	touch $(STAMP)

ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

# JupyterLab's own log goes to $(LAB_LOG); once the server answers, its URL (with the token)
# is printed last, on its own line. Ctrl-C stops the server.
LAB_LOG := $(VENV)/jupyter-lab.log
LAB_URL := http://127\.0\.0\.1:[0-9]*/lab[^ ]*

# JupyterLab's defaults for this .venv: no question about fetching Jupyter news, whose toast
# covers the outputs of a narrow window (the notebooks run offline anyway).
LAB_SETTINGS := $(VENV)/share/jupyter/lab/settings/overrides.json
$(LAB_SETTINGS): | $(STAMP)
	@mkdir -p $(dir $@)
	@echo '{"@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": false}}' > $@

# The committed notebooks carry their saved widget state; JupyterLab draws it only in notebooks
# this machine trusts, so `lab` trusts the project's own notebooks first.
lab: $(STAMP) $(LAB_SETTINGS)
	@cd notebooks && ../$(BIN)/jupyter trust *.ipynb >/dev/null 2>&1 || true
	@echo "Starting JupyterLab on notebooks/ (log: $(LAB_LOG); Ctrl-C stops it)..."
	@(cd notebooks && exec ../$(BIN)/jupyter lab --ServerApp.ip=127.0.0.1 --no-browser \
	  $(ROOT_FLAG)) >$(LAB_LOG) 2>&1 & pid=$$!; \
	trap 'kill $$pid 2>/dev/null; wait $$pid; exit 130' INT TERM; \
	until url=$$(grep -m1 -o '$(LAB_URL)' $(LAB_LOG)) && $(BIN)/python -c \
	  'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' "$$url" \
	  2>/dev/null; do \
	  kill -0 $$pid 2>/dev/null || { echo "JupyterLab did not start: see $(LAB_LOG)" >&2; exit 1; }; \
	  sleep 0.5; \
	done; \
	echo "JupyterLab is ready: open notebooks/00-quickstart.ipynb first, at"; \
	echo "$$url"; \
	wait $$pid

lint: $(STAMP)
	$(BIN)/ruff check --output-format concise streamhook_nb tests benchmarks notebooks
	$(BIN)/ruff format --check streamhook_nb tests benchmarks notebooks

typecheck: $(STAMP)
	$(BIN)/mypy

# Headless Chromium for the browser tests (Debian's package; Playwright drives it).
browser:
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else echo "The browser tests need Chromium: sudo apt-get install chromium" >&2; exit 1; fi; }

unit: $(STAMP) browser
	$(BIN)/pytest tests

# The notebooks run offline: without credentials notebook 04 uses its local stand-in.
notebooks: $(STAMP)
	env -u STREAM_API_KEY -u STREAM_API_SECRET -u STREAM_CHAT_URL \
	  $(BIN)/pytest --nbval notebooks --nbval-sanitize-with notebooks/sanitize.cfg

test: lint typecheck unit notebooks

# Re-execute every notebook in place on data/ (commit the result; nbval compares against it).
# The widgets' state is saved with them, so a fresh open (or GitHub) shows the widgets.
run-notebooks: $(STAMP)
	cd notebooks && for nb in *.ipynb; do \
	  env -u STREAM_API_KEY -u STREAM_API_SECRET -u STREAM_CHAT_URL \
	  ../$(BIN)/jupyter nbconvert --to notebook --execute --inplace \
	    --ExecutePreprocessor.store_widget_state=True "$$nb" || exit 1; done; \
	  ../$(BIN)/jupyter trust *.ipynb

# Retake the README's screenshots (docs/images/) with the browser tests.
screenshots: $(STAMP) browser
	UPDATE_SCREENSHOTS=1 $(BIN)/pytest tests/test_e2e_widgets.py

data: $(STAMP)
	$(BIN)/python -m streamhook_nb.samples.webhooks data

bench: $(STAMP)
	cd benchmarks && ../$(BIN)/python bench_load.py && ../$(BIN)/python bench_verify.py && ../$(BIN)/python bench_events.py && ../$(BIN)/python bench_capture.py && ../$(BIN)/python bench_columnar.py && ../$(BIN)/python bench_cluster.py && ../$(BIN)/python bench_many_files.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
