# ward — one non-recursive GNU Makefile (see ../shared/STYLE.md "Build").
#   make            release build: build/ward-oci, build/libward.a
#   make check      sanitizer build, unit + e2e + fuzz, "N passed, M failed"
#   make demo       build and run the end-to-end demo
#   make bench      benchmarks against crun and runc
#   make format     clang-format the tree

.DELETE_ON_ERROR:
.SUFFIXES:
MAKEFLAGS += --no-builtin-rules

CC       ?= gcc
CLANG    ?= clang
WERROR   ?= 1
V        ?= 0
PKGS     := jansson libseccomp libarchive libcrypto libcurl sqlite3 libsodium gpgme yaml-0.1
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
# ISA-L's igzip inflates gzip layers about twice as fast as zlib (optional:
# without libisal-dev, libarchive's zlib filter does it).
ifeq ($(shell pkg-config --exists libisal 2>/dev/null && echo y),y)
PKG_CFLAGS += $(shell pkg-config --cflags libisal) -DWARD_HAVE_ISAL
PKG_LIBS   += $(shell pkg-config --libs libisal)
endif

WARN := -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wformat=2 -Wimplicit-fallthrough -Wvla -Wundef
ifeq ($(WERROR),1)
WARN += -Werror
endif
BASE_CFLAGS := $(WARN) -Iinclude -Isrc $(PKG_CFLAGS) -fvisibility=hidden -MMD -MP
REL_CFLAGS  := $(BASE_CFLAGS) -O2 -D_FORTIFY_SOURCE=3 -fstack-protector-strong \
	-fstack-clash-protection -fcf-protection -fPIE -ffunction-sections -fdata-sections
REL_LDFLAGS := -pie -Wl,-z,relro,-z,now -Wl,--gc-sections
SAN_FLAGS   := -fsanitize=address,undefined -fno-sanitize-recover=all
TEST_CFLAGS := $(BASE_CFLAGS) -O1 -g $(SAN_FLAGS) -fno-omit-frame-pointer
FUZZ_CFLAGS := $(filter-out -Werror -MMD -MP,$(BASE_CFLAGS)) -O1 -g \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all

ifeq ($(V),0)
Q = @
say = @printf '  %-7s %s\n' $(1) $(2);
else
Q =
say =
endif

LIB_SRC  := $(sort $(wildcard src/util/*.c src/runtime/*.c src/image/*.c src/registry/*.c src/sign/*.c src/scan/*.c src/audit/*.c src/policy/*.c))
OCI_SRC  := $(sort $(wildcard src/cli/oci/*.c))
WARD_SRC := $(sort $(wildcard src/cli/ward/*.c))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
TOOL_SRC := $(sort $(wildcard tests/tools/*.c))

REL_LIB_OBJ  := $(LIB_SRC:%.c=build/rel/%.o)
REL_OCI_OBJ  := $(OCI_SRC:%.c=build/rel/%.o)
TEST_LIB_OBJ := $(LIB_SRC:%.c=build/test/%.o)
TEST_OCI_OBJ := $(OCI_SRC:%.c=build/test/%.o)
REL_WARD_OBJ := $(WARD_SRC:%.c=build/rel/%.o)
TEST_WARD_OBJ := $(WARD_SRC:%.c=build/test/%.o)
UNIT_BIN     := $(UNIT_SRC:tests/unit/%.c=build/test/unit/%)
FUZZ_BIN     := $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/%)
TOOL_BIN     := $(TOOL_SRC:tests/tools/%.c=build/tools/%)

.PHONY: all check unit e2e fuzz demo bench format deps clean test-build
all: build/ward-oci build/ward build/ward-init

build/rel/%.o: %.c
	@mkdir -p $(@D)
	$(call say,CC,$<)$(CC) $(REL_CFLAGS) -c -o $@ $<
build/test/%.o: %.c
	@mkdir -p $(@D)
	$(call say,CC-SAN,$<)$(CC) $(TEST_CFLAGS) -c -o $@ $<

build/libward.a: $(REL_LIB_OBJ)
	$(call say,AR,$@)$(AR) rcs $@ $^
build/test/libward.a: $(TEST_LIB_OBJ)
	$(call say,AR,$@)$(AR) rcs $@ $^

# The release runtime links jansson and libseccomp statically: it is exec'd
# twice per container (the CVE-2019-5736 re-exec), and every shared library
# is paid for at each exec. libc stays shared.
STATIC_LIBS := -Wl,-Bstatic -ljansson -lseccomp -Wl,-Bdynamic
build/ward-oci: $(REL_OCI_OBJ) build/libward.a
	$(call say,LD,$@)$(CC) $(REL_CFLAGS) $(REL_LDFLAGS) -o $@ $(REL_OCI_OBJ) build/libward.a $(STATIC_LIBS)
# libcurl and libarchive are loaded on first use (src/util/dl.c): linked
# in, they and their ~40 dependencies cost every `ward` process about 10 ms
# of loading and relocation, `ward run` and `ward ps` included. --as-needed
# drops them when every function ward calls has a forwarder there.
DL_LIBS := $(shell pkg-config --libs libcurl libarchive 2>/dev/null)
build/ward: $(REL_WARD_OBJ) build/libward.a
	$(call say,LD,$@)$(CC) $(REL_CFLAGS) $(REL_LDFLAGS) -o $@ $(REL_WARD_OBJ) build/libward.a \
		$(filter-out $(DL_LIBS),$(PKG_LIBS)) -Wl,--as-needed $(DL_LIBS) -Wl,--no-as-needed
build/test/ward: $(TEST_WARD_OBJ) build/test/libward.a
	$(call say,LD-SAN,$@)$(CC) $(TEST_CFLAGS) -o $@ $(TEST_WARD_OBJ) build/test/libward.a $(PKG_LIBS)
# ward-init (`ward run --init`) is bind-mounted into images that may have no
# libc: static, release flags, no libward.
build/ward-init: src/init/ward-init.c
	@mkdir -p $(@D)
	$(call say,LD,$@)$(CC) $(REL_CFLAGS) -static-pie -Wl,-z,relro,-z,now -o $@ $<
build/test/ward-oci: $(TEST_OCI_OBJ) build/test/libward.a
	$(call say,LD-SAN,$@)$(CC) $(TEST_CFLAGS) -o $@ $(TEST_OCI_OBJ) build/test/libward.a $(PKG_LIBS)

build/test/unit/%: tests/unit/%.c build/test/libward.a
	@mkdir -p $(@D)
	$(call say,CC-UNIT,$<)$(CC) $(TEST_CFLAGS) -o $@ $< build/test/libward.a $(PKG_LIBS) -lcmocka

build/tools/%: tests/tools/%.c
	@mkdir -p $(@D)
	$(call say,CC-TOOL,$<)$(CC) $(REL_CFLAGS) -o $@ $<
# scan-inventory drives libward's inventory and SBOMs (tests/e2e/scan-inventory.bats)
build/tools/scan-inventory: tests/tools/scan-inventory.c build/test/libward.a
	@mkdir -p $(@D)
	$(call say,CC-TOOL,$<)$(CC) $(TEST_CFLAGS) -o $@ $< build/test/libward.a $(PKG_LIBS)
# scan-vercmp drives libward's version order (tests/e2e/scan-versions.bats)
build/tools/scan-vercmp: tests/tools/scan-vercmp.c build/test/libward.a
	@mkdir -p $(@D)
	$(call say,CC-TOOL,$<)$(CC) $(TEST_CFLAGS) -o $@ $< build/test/libward.a $(PKG_LIBS)
# scan-match imports and matches OSV data (bench/scan): the release
# library, since it measures import rate and scan time.
build/tools/scan-match: tests/tools/scan-match.c build/libward.a
	@mkdir -p $(@D)
	$(call say,CC-TOOL,$<)$(CC) $(REL_CFLAGS) $(REL_LDFLAGS) -o $@ $< build/libward.a $(PKG_LIBS)
# The signing interop tool drives libward (sanitizer build) from bats.
build/tools/ward-sign-tool: tests/tools/ward-sign-tool.c build/test/libward.a
	@mkdir -p $(@D)
	$(call say,CC-TOOL,$<)$(CC) $(TEST_CFLAGS) -o $@ $< build/test/libward.a $(PKG_LIBS)

# Fuzzers link a clang build of the library whose objects carry the
# fuzzer's coverage instrumentation (fuzzer-no-link), so the parsers
# themselves are instrumented; built once, shared by every fuzzer.
FUZZ_OBJ_CFLAGS := $(filter-out -Werror,$(BASE_CFLAGS)) -O1 -g \
	-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
FUZZ_LIB_OBJ := $(LIB_SRC:%.c=build/fuzzobj/%.o)
build/fuzzobj/%.o: %.c
	@mkdir -p $(@D)
	$(call say,CC-FUZZ,$<)$(CLANG) $(FUZZ_OBJ_CFLAGS) -c -o $@ $<
build/fuzz/libward.a: $(FUZZ_LIB_OBJ)
	@mkdir -p $(@D)
	$(call say,AR,$@)$(AR) rcs $@ $^
# The CLI helpers that need only libward (src/cli/ward/env.c), for fuzzers
# that include a command's source to reach its static parsers.
build/fuzz/libwardcli.a: build/fuzzobj/src/cli/ward/env.o
	@mkdir -p $(@D)
	$(call say,AR,$@)$(AR) rcs $@ $^
build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c build/fuzz/libwardcli.a build/fuzz/libward.a
	@mkdir -p $(@D)
	$(call say,FUZZ,$<)$(CLANG) $(FUZZ_CFLAGS) -o $@ $< build/fuzz/libwardcli.a build/fuzz/libward.a $(PKG_LIBS)

test-build: build/ward-oci build/ward build/ward-init build/test/ward-oci build/test/ward $(UNIT_BIN) $(TOOL_BIN) $(FUZZ_BIN)

deps:
	$(Q)scripts/install-deps.sh

check: deps
	$(Q)$(MAKE) --no-print-directory test-build
	$(Q)tests/run-all.sh

unit: $(UNIT_BIN)
	$(Q)tests/run-all.sh unit
e2e: build/test/ward-oci $(TOOL_BIN)
	$(Q)tests/run-all.sh e2e
fuzz: $(FUZZ_BIN)
	$(Q)tests/run-all.sh fuzz

demo: deps
	$(Q)$(MAKE) --no-print-directory build/ward-oci build/ward
	$(Q)scripts/demo.sh

bench: deps
	$(Q)$(MAKE) --no-print-directory build/ward-oci build/ward
	$(Q)bench/runtime.sh
	$(Q)bench/run.sh

format:
	clang-format -i $$(find src include tests -name '*.[ch]')

clean:
	rm -rf build

-include $(shell find build/rel build/test build/fuzzobj build/fuzz build/tools -name '*.d' -type f 2>/dev/null)
