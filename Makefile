# The two commands of the README: `make book` and `make test`.
# Both create .venv on first use and reinstall only when a requirements file changes.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
BOOK_STAMP := $(VENV)/.book-requirements
TEST_STAMP := $(VENV)/.test-requirements
# The build caches executed notebooks (and Sphinx its pages) by their own content, but convlib (its
# browser scripts and stylesheets too) and the benchmark results they read change what they show
# too: a change there starts both editions of the book afresh.
CACHE_STAMP := _build/.convlib-sources
# ESLint, pinned by package-lock.json; npm ci writes this file when it installs it.
NODE_STAMP := node_modules/.package-lock.json
ESLINT := node_modules/.bin/eslint
MATHJAX := _build/npm/node_modules/mathjax/es5/tex-mml-chtml.js
AXE := _build/npm/node_modules/axe-core/axe.min.js

.PHONY: book test unit lint js-test benchmark lite-benchmark student assignments clean

# The website, then its JupyterLite app in _build/html/lite (Pyodide and its wheels are downloaded
# once into _build/cache and checked against Pyodide's own lock file).
book: $(BOOK_STAMP) $(CACHE_STAMP)
	$(BIN)/jupyter-book build . -W -n --keep-going
	$(BIN)/python tools/build_lite.py

# Every test, tier by tier (tests/<tier>/, README "Contributing"): lint (ruff, ESLint); the browser
# script's arithmetic under node; the unit tier with the
# full hypothesis profile; both editions of the book (the strict builds execute each chapter once:
# the student edition reads the default edition's executed notebooks from its cache); the site
# tier and the unit tests that read the built editions; the browser tier (Debian's chromium, which
# .ci/run installs; the JupyterLite test runs every chapter in it); the grading tier (as root); the
# fresh tier (Binder-like environment, packaging, JupyterLab); and nbval over every notebook under
# chapters/ (so a new chapter cannot be skipped). PYTEST_ARGS adds options, e.g. --durations=25.
PYTEST = $(BIN)/python -m pytest $(PYTEST_ARGS)
test: $(TEST_STAMP) $(NODE_STAMP)
	$(MAKE) lint
	$(MAKE) js-test
	$(PYTEST) tests/unit convlib -m "not slow"
	$(MAKE) book student
	@# The pages load MathJax from a CDN; the browser tests serve this copy of it instead, and
	@# inject axe-core, the accessibility checker.
	@if command -v npm >/dev/null; then test -f $(MATHJAX) -a -f $(AXE) || npm install --no-audit \
		--no-fund --prefix _build/npm mathjax@3.2.2 axe-core@4.14.1; \
		else echo "npm not found: browser tests will skip"; fi
	CONVLIB_REQUIRE_SITE=1 $(PYTEST) tests/site tests/unit -m "site or slow"
	CONVLIB_REQUIRE_SITE=1 $(PYTEST) tests/browser
	$(PYTEST) tests/grading
	$(PYTEST) tests/fresh
	$(PYTEST) chapters --nbval-lax --nbval-cell-timeout=300

# The edit-test loop: the unit tier and convlib's doctests, without its slow tests (a training
# run, the ones that read the built editions) and with fewer hypothesis examples.
unit: $(TEST_STAMP)
	CONVLIB_HYPOTHESIS=quick $(PYTEST) tests/unit convlib -m "not slow" -q

# The student edition: the same sources with every solution removed (sphinx-exercise's
# hide_solutions), built into _build/student/html.
STUDENT := _build/student
student: $(BOOK_STAMP) $(CACHE_STAMP)
	mkdir -p $(STUDENT)
	$(BIN)/python tools/student_config.py _config.yml > $(STUDENT)/_config.yml
	$(BIN)/jupyter-book build . --config $(STUDENT)/_config.yml --path-output $(STUDENT) \
		-W -n --keep-going
	rm -rf $(STUDENT)/html && cp -r $(STUDENT)/_build/html $(STUDENT)/html

# The autograded assignment: student notebook and autograder zip in _build/assignments/.
assignments: $(TEST_STAMP)
	$(BIN)/python assignments/build.py

lint: $(TEST_STAMP) $(NODE_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(ESLINT) .

# The explorer's arithmetic (convlib/web/js) under node, against convlib's results for a sweep
# of settings that tests/unit/test_arithmetic_js.py writes (the same test runs within pytest too).
js-test: $(TEST_STAMP)
	PYTHONPATH=tests $(BIN)/python tests/unit/test_arithmetic_js.py _build/js/sweep.json
	CONVLIB_JS_SWEEP=_build/js/sweep.json node --test tests/js/

benchmark: $(TEST_STAMP)
	$(BIN)/python benchmarks/bench_conv.py

# Seconds from a chapter's JupyterLite link to its first output and to the end, cold browser
# profile, every chapter; the table goes into benchmarks/RESULTS.md. Needs `make book` first.
lite-benchmark: $(TEST_STAMP)
	$(BIN)/python benchmarks/bench_lite.py --write

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(BOOK_STAMP): requirements.txt pyproject.toml | $(VENV)/bin/python
	$(BIN)/python -m pip install -r requirements.txt
	touch $@

$(TEST_STAMP): $(BOOK_STAMP) requirements-test.txt
	$(BIN)/python -m pip install -r requirements-test.txt
	touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund

# What the cache stamp follows: every module of convlib and its sub-packages, their scripts and
# stylesheets, and the book's Sphinx extensions (tools/).
CONVLIB_SOURCES := $(shell find convlib -name '*.py' -o -name '*.js' -o -name '*.css')
$(CACHE_STAMP): $(CONVLIB_SOURCES) tools/*.py requirements.txt benchmarks/results.json
	rm -rf _build/.jupyter_cache _build/.doctrees \
		$(STUDENT)/_build/.jupyter_cache $(STUDENT)/_build/.doctrees
	mkdir -p _build
	touch $@

clean:
	rm -rf _build

# `make help` prints these lines, one per target (a test checks that every target has one).
## book: the website and its JupyterLite app, into _build/html
## test: every test: lint, both strict book builds, unit, notebooks, the site in a browser
## unit: the edit-test loop: fast tests and doctests, without the slow ones (a few minutes)
## lint: ruff check and ruff format --check, and ESLint, as make test runs them
## js-test: the explorer's arithmetic under node --test, against convlib's results
## student: the student edition (no solutions), into _build/student/html
## assignments: the assignment's student notebook and autograder zip, into _build/assignments
## benchmark: time convlib (and PyTorch, if installed) and print the table
## lite-benchmark: time every chapter in JupyterLite (after make book), into benchmarks/RESULTS.md
## clean: remove _build (the built books, caches and downloads); .venv stays
## help: this list
.PHONY: help
help:
	@awk '/^## [a-z-]+: / { sub(/^## /, ""); i = index($$0, ": "); \
		printf "  %-16s %s\n", substr($$0, 1, i - 1), substr($$0, i + 2) }' $(MAKEFILE_LIST)
