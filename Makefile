# trustline: one build for everything. See README.md.
#   make            build the library and programs into build/
#   make check      unit, command-line and end-to-end tests
#   make unit       the unit tests alone
#   make check-cluster  the cluster tests (tests/cluster) against a PostgreSQL
#                   server they start themselves
#   make demo       the lab walk-through in ./var/demo
#   make bench      benchmarks (numbers, not pass/fail); make bench-capf, make
#                   bench-tvs, make bench-tftp: capfd, tvsd, tftpd alone;
#                   make bench-fleet: 10,000 phones against tftpd and tvsd;
#                   make bench-cluster: a change until three TFTP nodes serve it
#   make soak       the long tests (tests/soak): tftpd through a lossy link
#   make fuzz       every fuzz target for FUZZ_SECONDS each (clang, libFuzzer)
#   SANITIZE=1      build and test with AddressSanitizer + UBSan (in build-san/)
#   WOLFSSL=system  against Debian's libwolfssl (in build-sys/) instead of the
#                   wolfSSL scripts/wolfssl.sh builds for speed into .cache/

PREFIX ?= /usr/local
DESTDIR ?=
FUZZ_SECONDS ?= 60
PKGS = libxml-2.0 libevent sqlite3 libpq inih zlib libcurl libsystemd jansson

# fast: Debian's wolfSSL source built with its assembly (scripts/wolfssl.sh),
# linked statically; system: Debian's shared libwolfssl, for packages and
# other architectures.
WOLFSSL ?= fast
ifeq ($(WOLFSSL),system)
PKGS += wolfssl
# its own build directories: make would not rebuild what was compiled
# against the other wolfSSL's headers
BUILD_SUFFIX = -sys
else ifeq ($(WOLFSSL),fast)
WOLFSSL_PREFIX := $(shell scripts/wolfssl.sh --prefix)
WOLFSSL_STAMP = $(WOLFSSL_PREFIX)/.built
# Expanded when a recipe runs, after the stamp's rule has built the cache:
# read when the Makefile is, the first time, pkg-config would find nothing.
# PKG_CONFIG_LIBDIR, not _PATH: never Debian's wolfssl.pc in its place.
WOLFSSL_PC = PKG_CONFIG_LIBDIR=$(WOLFSSL_PREFIX)/lib/pkgconfig pkg-config
WOLFSSL_CFLAGS = $(shell $(WOLFSSL_PC) --cflags wolfssl) -DTRUSTLINE_WOLFSSL_FAST
WOLFSSL_LIBS = $(shell $(WOLFSSL_PC) --static --libs wolfssl) -lm
else
$(error WOLFSSL=$(WOLFSSL): fast or system)
endif

ifeq ($(SANITIZE),1)
BUILD ?= build-san$(BUILD_SUFFIX)
SANFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
OPT = -O1 -g
else
BUILD ?= build$(BUILD_SUFFIX)
SANFLAGS =
OPT = -O2 -g
endif

CC ?= cc
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CHECK_LIBS := $(shell pkg-config --libs check 2>/dev/null)
WARN = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wno-unused-parameter
VERSION = 0.1.0
INCLUDES = -Ilib -Idb -Ipki -Itrustlist -Itftp -Itvs -Icapf -Iphone-sim -Iplan -Iweb -D_GNU_SOURCE \
	-DTRUSTLINE_VERSION=\"$(VERSION)\"
CPPFLAGS += $(INCLUDES)
CFLAGS += -std=c11 $(OPT) $(WARN) $(SANFLAGS) $(WOLFSSL_CFLAGS) $(PKG_CFLAGS) -pthread -MMD -MP
LDFLAGS += $(SANFLAGS) -pthread
LDLIBS += $(WOLFSSL_LIBS) $(PKG_LIBS)

# Library modules: every .c in these directories except a program's main.c.
# Each server directory holds its protocol code (library, shared with the
# clients phone-sim uses) and the program's main.c.
SERVER_DIRS = tftp tvs capf
LIB_DIRS = lib db trustlist pki $(SERVER_DIRS) phone-sim plan web
LIB_SRC = $(filter-out %/main.c,$(wildcard $(addsuffix /*.c,$(LIB_DIRS))))
LIB_OBJ = $(LIB_SRC:%.c=$(BUILD)/%.o)
LIB = $(BUILD)/libtrustline.a

CLI_SRC = $(wildcard cli/*.c)
CLI_OBJ = $(CLI_SRC:%.c=$(BUILD)/%.o)
SERVER_PROGS = $(patsubst %/main.c,$(BUILD)/bin/%d,$(wildcard $(addsuffix /main.c,$(SERVER_DIRS))))
PROGS = $(BUILD)/bin/trustline $(SERVER_PROGS) $(BUILD)/bin/phone-sim \
	$(BUILD)/bin/trustline-web

UNIT_SRC = $(wildcard tests/unit/test_*.c)
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
UNIT_COMMON = tests/unit/testutil.c
BENCH_SRC = $(wildcard tests/bench/bench_*.c)
BENCH_BIN = $(BENCH_SRC:tests/bench/%.c=$(BUILD)/bench/%)
BENCH_COMMON = tests/bench/benchutil.c
FUZZ_SRC = $(wildcard tests/fuzz/fuzz_*.c)
# Small programs the end-to-end tests drive (built for `make check` only).
TOOLS_SRC = $(wildcard tests/tools/*.c)
TOOLS_BIN = $(TOOLS_SRC:tests/tools/%.c=$(BUILD)/tools/%)

# The web page's tests (tests/web): curl's security checks and a headless
# chromium driven by python3-selenium; screenshots in $(BUILD)/web-test-output
.PHONY: check-web check-web-run ensure-deps-web
ensure-deps-web:
	@scripts/deps.sh --ensure web
check-web: ensure-deps-web
	@$(MAKE) --no-print-directory check-web-run

check-web-run: $(PROGS)
	@set -e; for t in tests/web/test_*.sh; do d=$$(mktemp -d); \
		(cd $$d && TRUSTLINE=$(CURDIR)/$(BUILD)/bin/trustline \
		 BUILD_DIR=$(CURDIR)/$(BUILD) WEB_OUT=$(CURDIR)/$(BUILD)/web-test-output \
		 sh $(CURDIR)/$$t) || { echo "web: $$t: FAILED"; rm -rf $$d; exit 1; }; \
		echo "web: $$(basename $$t): ok"; rm -rf $$d; done

.PHONY: soak soak-run all check check-run check-cluster check-cluster-run unit unit-run clitest demo demo-run bench bench-run bench-capf bench-tvs bench-tftp bench-fleet bench-plan bench-cluster fuzz fuzz-run \
	install deps ensure-deps ensure-deps-build ensure-deps-deb ensure-deps-fuzz clean
.DEFAULT_GOAL := all

all: $(PROGS)

# the first build's few minutes; kept in .cache/ across builds and make clean
$(WOLFSSL_STAMP):
	@scripts/wolfssl.sh

$(BUILD)/%.o: %.c $(WOLFSSL_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

# made anew, not updated: a module renamed or removed must not stay in it
$(LIB): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/bin/trustline: $(CLI_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) $(LIB) $(LDLIBS)

# tftp/main.c -> tftpd, tvs/main.c -> tvsd, ...
$(BUILD)/bin/%d: $(BUILD)/%/main.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

$(BUILD)/bin/phone-sim: $(BUILD)/phone-sim/main.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

# web/: the administration web page (docs/web.md), named as it is installed
$(BUILD)/bin/trustline-web: $(BUILD)/web/main.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(UNIT_COMMON) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Itests/unit $(CFLAGS) $(LDFLAGS) -o $@ $< $(UNIT_COMMON) \
		$(LIB) $(LDLIBS) $(CHECK_LIBS)

$(BUILD)/tools/%: tests/tools/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

$(BUILD)/bench/%: tests/bench/%.c $(BENCH_COMMON) tests/bench/benchutil.h $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Itests/bench $(CFLAGS) $(LDFLAGS) -o $@ $< $(BENCH_COMMON) \
		$(LIB) $(LDLIBS)

# Dependencies first: on a fresh Debian machine `make check` and `make demo`
# install what is missing (as root) or say what to run.
ensure-deps:
	@scripts/deps.sh --ensure check
ensure-deps-build:
	@scripts/deps.sh --ensure build
ensure-deps-deb:
	@scripts/deps.sh --ensure deb
ensure-deps-fuzz:
	@scripts/deps.sh --ensure all

deps:
	@scripts/deps.sh

check: ensure-deps
	@$(MAKE) --no-print-directory check-run

check-run: $(PROGS) $(UNIT_BIN) $(TOOLS_BIN)
	@scripts/run-tests.sh $(BUILD)

check-cluster: ensure-deps
	@$(MAKE) --no-print-directory check-cluster-run

check-cluster-run: $(PROGS) $(UNIT_BIN) $(TOOLS_BIN)
	@set -e; for t in tests/cluster/test_*.sh; do d=$$(mktemp -d); \
		echo "== $$t"; \
		(cd $$d && TRUSTLINE=$(CURDIR)/$(BUILD)/bin/trustline \
		 BUILD_DIR=$(CURDIR)/$(BUILD) VECTORS=$(CURDIR)/tests/vectors \
		 sh $(CURDIR)/$$t) || { rm -rf $$d; echo "FAILED: $$t"; exit 1; }; \
		rm -rf $$d; done

unit: ensure-deps
	@$(MAKE) --no-print-directory unit-run

unit-run: $(UNIT_BIN)
	@scripts/run-tests.sh --unit $(BUILD)

# tests/soak: each prints its figures; minutes, not seconds
soak: ensure-deps
	@$(MAKE) --no-print-directory soak-run

soak-run: $(PROGS) $(TOOLS_BIN)
	@set -e; for t in tests/soak/*.sh; do d=$$(mktemp -d); \
		(cd $$d && TRUSTLINE=$(CURDIR)/$(BUILD)/bin/trustline \
		 BUILD_DIR=$(CURDIR)/$(BUILD) sh $(CURDIR)/$$t) || { rm -rf $$d; exit 1; }; \
		rm -rf $$d; done

demo: ensure-deps-build
	@$(MAKE) --no-print-directory demo-run

demo-run: $(PROGS)
	@scripts/demo.sh $(BUILD)

bench: ensure-deps
	@$(MAKE) --no-print-directory bench-run

bench-run: $(PROGS) $(BENCH_BIN)
	@scripts/bench.sh $(BUILD)

# capfd alone: enrollments per second against the real daemon
bench-capf: ensure-deps
	@$(MAKE) --no-print-directory $(BUILD)/bin/capfd $(BUILD)/bench/bench_capf
	@$(BUILD)/bench/bench_capf

# tvsd alone: VERIFYs per second against the real daemon, beside the
# handshake limit
bench-tvs: ensure-deps
	@$(MAKE) --no-print-directory $(BUILD)/bin/tvsd $(BUILD)/bench/bench_tvs
	@$(BUILD)/bench/bench_tvs

# tftpd beside Debian's tftpd-hpa in the same run, one load generator for
# both (under a minute here, most of it signing 10,000 configurations)
bench-tftp: ensure-deps
	@$(MAKE) --no-print-directory $(BUILD)/bin/tftpd $(BUILD)/bin/trustline $(BUILD)/bench/bench_tftp
	@$(BUILD)/bench/bench_tftp

# phone-sim fleet: 10,000 phones booting ITL and signed configuration
# (10% through TVS) against tftpd and tvsd (about a minute here, half of it
# tftpd signing 10,000 configurations before it serves)
bench-fleet: ensure-deps
	@$(MAKE) --no-print-directory $(PROGS) $(BUILD)/bench/bench_fleet
	@$(BUILD)/bench/bench_fleet

# trustline plan over 10,000 devices: the copy, both renderings, every
# phone booted (target < 10 s)
bench-plan: ensure-deps
	@$(MAKE) --no-print-directory $(BUILD)/bin/trustline
	@scripts/bench-plan.sh $(BUILD)

# change propagation over three TFTP nodes: a device added until every
# node serves it, on PostgreSQL (LISTEN/NOTIFY) and on SQLite (the
# generation file's 2 s look); BENCH_CLUSTER_CHANGES (default 20) changes
bench-cluster: ensure-deps
	@$(MAKE) --no-print-directory $(PROGS) $(BUILD)/tools/tftpget
	@scripts/bench-cluster.sh $(BUILD)

# Fuzzing needs clang's libFuzzer: the library is rebuilt with clang in its
# own directory so the main build is untouched.
FUZZ_BUILD = build-fuzz$(BUILD_SUFFIX)
# UBSan's reports stop the run, as ASan's do: a report that let the fuzzer go
# on would be lost in its log.
FUZZ_CFLAGS = -std=c11 -g -O1 -fsanitize=fuzzer-no-link,address,undefined \
	-fno-sanitize-recover=all $(WARN) $(WOLFSSL_CFLAGS) $(PKG_CFLAGS) $(INCLUDES)
FUZZ_LIB_OBJ = $(LIB_SRC:%.c=$(FUZZ_BUILD)/%.o)
FUZZ_BIN = $(FUZZ_SRC:tests/fuzz/%.c=$(FUZZ_BUILD)/%)
FUZZ_COMMON = tests/fuzz/fuzzutil.c

# Kept between runs like the main build's objects, not removed as
# intermediates of the pattern rule below.
.SECONDARY: $(FUZZ_LIB_OBJ)

$(FUZZ_BUILD)/%.o: %.c $(WOLFSSL_STAMP)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -MMD -MP -c $< -o $@

$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_COMMON) tests/fuzz/fuzzutil.h \
		$(FUZZ_LIB_OBJ)
	clang $(FUZZ_CFLAGS) -Itests/fuzz -fsanitize=fuzzer,address,undefined -o $@ \
		$< $(FUZZ_COMMON) $(FUZZ_LIB_OBJ) $(WOLFSSL_LIBS) $(PKG_LIBS)

fuzz: ensure-deps-fuzz
	@$(MAKE) --no-print-directory fuzz-run

fuzz-run: $(FUZZ_BIN)
	@scripts/fuzz.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

# The commands in bindir, the daemons in sbindir as trustline-tftpd,
# trustline-tvsd, trustline-capfd and trustline-web (tftpd alone would clash
# with other TFTP servers). make install prefix=/usr DESTDIR=... for a package.
prefix ?= $(PREFIX)
bindir ?= $(prefix)/bin
sbindir ?= $(prefix)/sbin
docdir ?= $(prefix)/share/doc/trustline
completiondir ?= $(prefix)/share/bash-completion/completions

install: $(PROGS)
	install -d $(DESTDIR)$(bindir) $(DESTDIR)$(sbindir) $(DESTDIR)$(docdir)
	install -m 0755 $(BUILD)/bin/trustline $(BUILD)/bin/phone-sim $(DESTDIR)$(bindir)/
	for p in $(notdir $(SERVER_PROGS)); do \
		install -m 0755 $(BUILD)/bin/$$p $(DESTDIR)$(sbindir)/trustline-$$p || exit 1; done
	install -m 0755 $(BUILD)/bin/trustline-web $(DESTDIR)$(sbindir)/
	install -m 0644 README.md docs/*.md $(DESTDIR)$(docdir)/
	install -d $(DESTDIR)$(completiondir)
	install -m 0644 completion/trustline $(DESTDIR)$(completiondir)/trustline
	install -m 0644 completion/trustline $(DESTDIR)$(completiondir)/phone-sim

# The Debian package (debian/), into $(BUILD)/deb/: trustline_$(VERSION)_amd64.deb
.PHONY: deb
DEB_OUT = $(CURDIR)/$(BUILD)/deb
DEB_ARCH = $(shell dpkg --print-architecture 2>/dev/null)
deb: ensure-deps-deb
	@mkdir -p $(DEB_OUT)
	DEB_OUT=$(DEB_OUT) dpkg-buildpackage -us -uc -b \
		--buildinfo-option=-u$(DEB_OUT) --changes-option=-u$(DEB_OUT) \
		--buildinfo-file=$(DEB_OUT)/trustline_$(VERSION)_$(DEB_ARCH).buildinfo \
		--changes-file=$(DEB_OUT)/trustline_$(VERSION)_$(DEB_ARCH).changes
	@ls -l $(DEB_OUT)/*.deb

# Installs the package on this machine, runs it as its units would, and
# purges it (tests/package/test_deb.sh): root, and not where trustline is
# installed for real. CI runs it.
.PHONY: deb-check
deb-check: deb
	@tests/package/test_deb.sh $(DEB_OUT)/trustline_$(VERSION)_$(DEB_ARCH).deb

clean:
	rm -rf build build-san build-fuzz build-sys build-san-sys build-fuzz-sys

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(SERVER_PROGS:$(BUILD)/bin/%d=$(BUILD)/%/main.d) \
	$(BUILD)/phone-sim/main.d $(BUILD)/web/main.d $(FUZZ_LIB_OBJ:.o=.d)
