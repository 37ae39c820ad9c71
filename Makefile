# Holdpoint — build, run and test.  See README.md.
#   make            build build/holdpoint and build/holdctl
#   make run        install what is missing, build, migrate, seed, start nginx + server
#   make stop       stop what `make run` started
#   make check      install what the tests need, build, run every suite (layers, unit, e2e, browser)
#   make check-asan the same suites under AddressSanitizer/UndefinedBehaviorSanitizer
#   make fuzz       run the libFuzzer harness of every parser for a minute each (check runs 10 s each)
#   make scan       sqlmap and wapiti against a seeded instance (findings must be zero)
#   make bench      page throughput and latency on a large data set (wrk)
#   make deb        the Debian package (holdpoint and holdctl, systemd unit, nginx site) in build/deb/

SHELL      := /bin/bash
BUILD      ?= build
CC         := gcc
CXX        := g++
PYTHON     ?= /usr/bin/python3
PKGS_PC    := fcgi libctemplate sqlite3 libpq libmagic libssl libcrypto libargon2 jansson libfyaml libcurl libcmark cjose ldap libqrencode
WARN       := -Wall -Wextra -Werror
HARDEN     := -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
OPT        ?= -O2 -g
SAN        ?=
LAYERS     := base pure services core http web cli
CPPFLAGS   += -D_DEFAULT_SOURCE -DHP_SRCROOT='"$(CURDIR)"' $(addprefix -Icgi-src/,$(LAYERS))
CFLAGS      = -std=c11 $(WARN) $(OPT) $(SAN) $(HARDEN) $(FAULT) $(shell pkg-config --cflags $(PKGS_PC) 2>/dev/null)
CXXFLAGS    = -std=c++11 $(WARN) -Wno-deprecated-declarations $(OPT) $(SAN) $(HARDEN) $(shell pkg-config --cflags libctemplate 2>/dev/null)
LDFLAGS    := $(SAN) -pie -Wl,-z,relro,-z,now
LDLIBS      = $(shell pkg-config --libs $(PKGS_PC) 2>/dev/null) -lhpdf -lstdc++

# Flags above are expanded when a recipe runs (=, not :=), so that pkg-config is asked only
# after `make run` / `make check` have installed the -dev packages on a fresh machine.
# Debian packages: to build and run, and (in addition) to test.
RUN_DEBS   := gcc g++ make pkg-config libfcgi-dev libctemplate-dev libsqlite3-dev libmagic-dev \
              libssl-dev libargon2-dev libjansson-dev libfyaml-dev libcurl4-openssl-dev libhpdf-dev \
              libcmark-dev libcjose-dev libldap2-dev libqrencode-dev libpq-dev nginx-light sqlite3 openssl curl python3 tzdata
CHECK_DEBS := $(RUN_DEBS) check poppler-utils python3-aiosmtpd python3-yaml valgrind clang libclang-rt-14-dev chromium systemd slapd ldap-utils python3-cryptography python3-pyflakes

# Every layer but cli/ goes into the server and the unit tests; cli/ holds the programs' main()s.
LIB_SRC    := $(foreach l,$(filter-out cli,$(LAYERS)),$(wildcard cgi-src/$(l)/*.c)) cgi-src/cli/seed.c cgi-src/cli/bench.c cgi-src/cli/doctor.c
LIB_OBJ    := $(patsubst cgi-src/%.c,$(BUILD)/obj/%.o,$(LIB_SRC)) $(BUILD)/obj/http/tmpl.o
HEADERS    := $(foreach l,$(LAYERS),$(wildcard cgi-src/$(l)/*.h))
UNIT_SRC   := $(wildcard tests/unit/check_*.c)
UNIT_BIN   := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))

.PHONY: all deps deps-check browser-deps deb run stop check check-layers check-python check-unit check-fuzz check-e2e check-faults check-browser check-postgres deps-postgres check-asan fuzz scan screenshots bench clean

all: $(BUILD)/holdpoint $(BUILD)/holdctl

# Install the Debian packages that are missing (as root; apt-get update once first).
define install_debs
	@missing=""; for p in $(1); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" != 0 ]; then echo "Missing Debian packages:$$missing (run as root, or install them)"; exit 1; fi; \
	  echo "Installing:$$missing"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends $$missing >/dev/null || exit 1; \
	fi
endef

deps:
	$(call install_debs,$(RUN_DEBS))

deps-check:
	$(call install_debs,$(CHECK_DEBS))

# PostgreSQL for make check-postgres (a cluster of the tests' own, in a temporary directory).
PG_DEBS    := postgresql python3-psycopg2
deps-postgres: deps-check
	$(call install_debs,$(PG_DEBS))

# Node.js (Debian's, unless one is already there) and the pinned npm packages of tests/browser.
browser-deps: deps-check
	@command -v node >/dev/null && command -v npm >/dev/null || \
	  { DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends nodejs npm >/dev/null; }
	@cd tests/browser && { [ -d node_modules/playwright-core ] && [ -d node_modules/axe-core ] && [ -d node_modules/oidc-provider ] \
	  || npm ci --no-audit --no-fund --loglevel=error; }

$(BUILD)/obj/%.o: cgi-src/%.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(BUILD)/obj/http/tmpl.o: cgi-src/http/tmpl.cc cgi-src/http/tmpl.h
	@mkdir -p $(dir $@)
	$(CXX) $(CPPFLAGS) $(CXXFLAGS) -c $< -o $@

$(BUILD)/tests:
	mkdir -p $@

$(BUILD)/holdpoint: $(BUILD)/obj/cli/main.o $(LIB_OBJ)
	$(CXX) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/holdctl: $(BUILD)/obj/cli/holdctl.o $(BUILD)/obj/cli/holdctl_upload.o
	$(CC) $(LDFLAGS) $^ $(shell pkg-config --libs libcurl jansson) -o $@

$(BUILD)/tests/check_%: tests/unit/check_%.c $(LIB_OBJ) | $(BUILD)/tests
	$(CC) $(CPPFLAGS) $(CFLAGS) $(shell pkg-config --cflags check) $< $(LIB_OBJ) $(LDFLAGS) $(LDLIBS) $(shell pkg-config --libs check) -o $@

# The Debian package (docs/deb/build.sh): binaries, templates, static, sql, nginx site, systemd unit.
deb: deps all
	@BUILD=$(BUILD) docs/deb/build.sh

run: deps all
	@nginx/localrun.sh start

stop:
	@nginx/localrun.sh stop

check: deps-check browser-deps all $(UNIT_BIN)
	@fail=0; for t in check-layers check-python check-unit check-fuzz check-e2e check-faults check-browser; do \
	  $(MAKE) --no-print-directory $$t || fail=1; done; \
	if [ $$fail = 0 ]; then echo "make check: every suite passed"; else echo "make check: FAILED"; fi; exit $$fail

# Includes point only down the layers of cgi-src/, and no modules include each other in a circle.
check-layers:
	@$(PYTHON) tests/layers.py

# The test and bench programs name nothing that does not exist (the bench is not run by make check).
check-python:
	@$(PYTHON) -m pyflakes tests/ && echo "pyflakes: tests/ clean"

check-unit: $(UNIT_BIN)
	@fail=0; for t in $(UNIT_BIN); do echo "== $$t"; \
	  CK_DEFAULT_TIMEOUT=$${CK_DEFAULT_TIMEOUT:-300} HOLDPOINT_ROOT=$(CURDIR) $$t || fail=1; done; exit $$fail

check-e2e: all
	@HOLDPOINT_BUILD=$(BUILD) $(PYTHON) tests/e2e/run.py

# The whole e2e suite again with every test server storing in PostgreSQL, then two nodes on one database.
check-postgres: deps-postgres all
	@HOLDPOINT_TEST_POSTGRES=1 HOLDPOINT_BUILD=$(BUILD) $(PYTHON) tests/e2e/run.py

check-browser: all
	@cd tests/browser && HOLDPOINT_BUILD=$(abspath $(BUILD)) node --test --test-concurrency=1 journeys/

# The README's screenshots, made by the browser journeys.
screenshots: browser-deps all
	@cd tests/browser && HOLDPOINT_SHOTS=$(CURDIR)/docs/screenshots HOLDPOINT_BUILD=$(abspath $(BUILD)) \
	  node --test --test-concurrency=1 journeys/

check-asan:
	@$(MAKE) --no-print-directory BUILD=build-asan OPT="-O1 -g -fno-omit-frame-pointer" \
	  SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined" \
	  HARDEN="-fstack-protector-strong -fPIE" check-asan-run

check-asan-run: deps-check browser-deps all $(UNIT_BIN)
	@export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1; \
	fail=0; for t in check-unit check-e2e check-browser; do \
	  $(MAKE) --no-print-directory BUILD=$(BUILD) $$t || fail=1; done; \
	if [ $$fail = 0 ]; then echo "make check-asan: every suite passed"; else echo "make check-asan: FAILED"; fi; exit $$fail

# Every parser's fuzzer: `make fuzz` for a minute each (FUZZ_SECONDS), `make check` for 10 s each.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
fuzz: deps-check
	@mkdir -p build-fuzz
	@set -o pipefail; for t in $(FUZZ_TARGETS); do \
	  src=cgi-src/pure/$$t.c; [ -f $$src ] || src=""; \
	  clang -std=c11 -g -O1 -D_DEFAULT_SOURCE $(addprefix -Icgi-src/,$(LAYERS)) -fsanitize=fuzzer,address,undefined \
	    tests/fuzz/fuzz_$$t.c $$src cgi-src/base/arena.c cgi-src/base/util.c $$(pkg-config --cflags --libs jansson libfyaml libcrypto) \
	    -o build-fuzz/fuzz_$$t || exit 1; \
	  mkdir -p build-fuzz/corpus_$$t; \
	  seeds=""; [ -d tests/fuzz/corpus/$$t ] && seeds=tests/fuzz/corpus/$$t; \
	  echo "== fuzz $$t for $(FUZZ_SECONDS)s"; \
	  build-fuzz/fuzz_$$t -artifact_prefix=build-fuzz/ -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 build-fuzz/corpus_$$t $$seeds 2>&1 | tail -n 3 || exit 1; \
	done

# Fault injection and the kill -9 loop (tests/e2e/test_faults.py) on a build with -DHP_FAULT.
check-faults: deps-check
	@$(MAKE) --no-print-directory BUILD=build-fault FAULT=-DHP_FAULT all
	@HOLDPOINT_BUILD=build-fault HOLDPOINT_FAULT_BUILD=1 $(PYTHON) tests/e2e/run.py test_faults.py

# Debian's web scanners against a seeded instance (not part of make check: minutes long).
scan: deps-check all
	$(call install_debs,sqlmap wapiti)
	@HOLDPOINT_BUILD=$(BUILD) $(PYTHON) tests/scan/run.py

check-fuzz:
	@$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=$${CHECK_FUZZ_SECONDS:-10}

# The framework floor for the bench: libfcgi + ctemplate (our bridge), no database.
$(BUILD)/bench/floor: tests/bench/floor.c $(BUILD)/obj/http/tmpl.o $(BUILD)/obj/base/util.o
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $^ $(LDFLAGS) $(LDLIBS) -o $@

# Throughput and latency of the main pages next to the framework floor and nginx serving a static copy.
bench: deps-check all $(BUILD)/bench/floor
	$(call install_debs,wrk)
	@HOLDPOINT_BUILD=$(BUILD) $(PYTHON) tests/bench/run.py

clean:
	rm -rf build build-asan build-fuzz build-fault
