# cdvm — one Makefile for the whole tree.
#
#   make            build/cdvm (optimised)
#   make run        build, then run the demo workload with --stats
#   make test       build with ASan+UBSan and run every test suite
#   make bench-chip native-loop speed of the chip model
#
# Library code lives in native-isa/ hw-sim/ hidden-mem/ cms/ configs/ and is
# archived into libcdvm.a; cli/ holds the command; tests/unit/*.c are CUnit
# suites linked into one runner; tests/llvm/*.c are stand-alone test programs
# that link LLVM (the x86 decoder oracle); tests/scripts/*.sh run end to end.

CC      ?= cc
ifeq ($(origin CC),default)
CC      := gcc
endif
LLVM_CONFIG ?= llvm-config
WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CSTD    := -std=c11 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L
CPPFLAGS_ALL := -I. -MMD -MP
OPT_FLAGS   := -O2 -g
SAN_FLAGS   := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LIBS    := -lyaml -ljansson -lm

LIB_DIRS := native-isa hw-sim hidden-mem cms cms/policy cms/x86 cms/insn cms/translate configs
LIB_SRC  := $(foreach d,$(LIB_DIRS),$(wildcard $(d)/*.c))
CLI_SRC  := $(wildcard cli/*.c)
UNIT_SRC := $(wildcard tests/unit/*.c)
LLVM_TEST_SRC := $(wildcard tests/llvm/*.c)

BOOT := build/.bootstrap
# Debian's i386 packages (busybox-static, libc6, gzip, bzip2, xz-utils and
# their libraries) downloaded and unpacked into build/debian/sysroot, never
# installed: the real Linux programs of tests/scripts/6*.sh
DEBIAN := build/debian/.fetched

# glibc programs for tests/scripts/61-glibc.sh: tests/glibc/NAME.c built with
# gcc -m32 -static against the host's i386 glibc (gcc-multilib) into
# build/glibc/NAME.elf; each runs natively and on cdvm.  Every program is
# linked with libm, which only the floating-point ones use (a static link
# takes from it only what a program calls).
GLIBC_CC     ?= gcc
GLIBC_CFLAGS := -m32 -static -O2 -fstack-protector-strong -Wall -Wextra -Werror
GLIBC_LDLIBS := -lm
GLIBC_ALL    := $(patsubst tests/glibc/%.c,build/glibc/%.elf,$(wildcard tests/glibc/*.c))

# ---- optimised build ----------------------------------------------------
OBJ_O  := $(patsubst %.c,build/o/%.o,$(LIB_SRC))
CLI_O  := $(patsubst %.c,build/o/%.o,$(CLI_SRC))
# ---- sanitizer build (tests) -------------------------------------------
OBJ_S  := $(patsubst %.c,build/san/%.o,$(LIB_SRC))
CLI_S  := $(patsubst %.c,build/san/%.o,$(CLI_SRC))
UNIT_S := $(patsubst %.c,build/san/%.o,$(UNIT_SRC))
LLVM_TESTS := $(patsubst tests/llvm/%.c,build/san/llvm-tests/%,$(LLVM_TEST_SRC))

.PHONY: all run test test-build test-long bench-chip bench clean docs
all: build/cdvm

$(BOOT): scripts/bootstrap
	@mkdir -p build
	@scripts/bootstrap
	@touch $@

$(DEBIAN): scripts/fetch-debian | $(BOOT)
	@scripts/fetch-debian build/debian
	@touch $@

build/glibc/%.elf: tests/glibc/%.c | $(BOOT)
	@mkdir -p $(dir $@)
	$(GLIBC_CC) $(GLIBC_CFLAGS) $< -o $@ $(GLIBC_LDLIBS)

build/o/%.o: %.c | $(BOOT)
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) $(OPT_FLAGS) $(CPPFLAGS_ALL) -c $< -o $@

build/san/%.o: %.c | $(BOOT)
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) $(SAN_FLAGS) $(CPPFLAGS_ALL) -c $< -o $@

build/libcdvm.a: $(OBJ_O)
	@rm -f $@
	ar rcs $@ $^

build/san/libcdvm.a: $(OBJ_S)
	@rm -f $@
	ar rcs $@ $^

build/cdvm: $(CLI_O) build/libcdvm.a
	$(CC) $(OPT_FLAGS) -o $@ $(CLI_O) build/libcdvm.a $(LIBS)

build/san/cdvm: $(CLI_S) build/san/libcdvm.a
	$(CC) $(SAN_FLAGS) -o $@ $(CLI_S) build/san/libcdvm.a $(LIBS)

# Every tests/unit/foo.c defines `void suite_foo(void)`; the runner calls them
# all from a list generated here, so adding a suite is adding a file.
build/san/tests/suites.inc: $(UNIT_SRC) | $(BOOT)
	@mkdir -p $(dir $@)
	@for f in $(UNIT_SRC); do b=$$(basename $$f .c); \
	  if grep -q "^void suite_$$b(void)" $$f; then echo "SUITE($$b)"; fi; \
	done > $@.tmp && mv $@.tmp $@

build/san/tests/unit/main.o: build/san/tests/suites.inc
build/san/tests/unit/main.o: CPPFLAGS_ALL += -Ibuild/san/tests
# suites are found by name, not through a header
build/san/tests/unit/%.o: WARN += -Wno-missing-prototypes

build/san/unit-tests: $(UNIT_S) build/san/libcdvm.a
	$(CC) $(SAN_FLAGS) -o $@ $(UNIT_S) build/san/libcdvm.a $(LIBS) -lcunit

# The chip alone (native-isa, hw-sim, hidden-mem, configs) with the suites
# that need nothing else: builds and runs while the firmware does not.
CHIP_SUITES := chip isa
CHIP_OBJ_S  := $(filter build/san/native-isa/% build/san/hw-sim/% build/san/hidden-mem/% build/san/configs/%,$(OBJ_S))
build/san/chip-suites/suites.inc: Makefile | $(BOOT)
	@mkdir -p $(dir $@)
	@printf 'SUITE(%s)\n' $(CHIP_SUITES) > $@
build/san/chip-suites/main.o: tests/unit/main.c build/san/chip-suites/suites.inc
	$(CC) $(CSTD) $(WARN) $(SAN_FLAGS) -I. -Ibuild/san/chip-suites -c $< -o $@
build/san/chip-tests: build/san/chip-suites/main.o $(CHIP_SUITES:%=build/san/tests/unit/%.o) \
		build/san/tests/unit/testutil.o $(CHIP_OBJ_S)
	$(CC) $(SAN_FLAGS) -o $@ $^ $(LIBS) -lcunit

build/san/llvm-tests/%: tests/llvm/%.c build/san/libcdvm.a | $(BOOT)
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) $(SAN_FLAGS) -I. -I$$($(LLVM_CONFIG) --includedir) $< -o $@ \
	  build/san/libcdvm.a $$($(LLVM_CONFIG) --ldflags) -lLLVM-$$($(LLVM_CONFIG) --version | cut -d. -f1) $(LIBS)

-include hw-sim/rtl/rtl.mk
-include guest-tests/guest.mk
-include tests/risu/risu.mk

# The tree must also be warning-free under the other compiler.
OTHER_CC := $(if $(findstring clang,$(CC)),gcc,clang)
build/.other-cc-ok: $(LIB_SRC) $(CLI_SRC) $(UNIT_SRC) $(LLVM_TEST_SRC) $(wildcard */*.h */*/*.h */*.def */*/*.def) | $(BOOT)
	@echo "== warnings under $(OTHER_CC)"
	@for f in $(LIB_SRC) $(CLI_SRC); do \
	  $(OTHER_CC) $(CSTD) $(WARN) -I. -fsyntax-only $$f || exit 1; done
	@for f in $(UNIT_SRC); do \
	  $(OTHER_CC) $(CSTD) $(WARN) -Wno-missing-prototypes -I. -Ibuild/san/tests -fsyntax-only $$f || exit 1; done
	@for f in $(LLVM_TEST_SRC); do \
	  $(OTHER_CC) $(CSTD) $(WARN) -I. -I$$($(LLVM_CONFIG) --includedir) -fsyntax-only $$f || exit 1; done
	@touch $@

# What the tests run, built two jobs at a time whatever make was called
# with (the machines have two cores; a clean clone builds all of it).
TEST_BUILD := build/san/unit-tests build/san/cdvm build/cdvm $(LLVM_TESTS) $(GUEST_ALL) $(GLIBC_ALL) $(DEBIAN) \
	      build/.other-cc-ok
test-build: $(TEST_BUILD)

test:
	@$(MAKE) --no-print-directory -j2 test-build
	@echo "== unit tests (CUnit, ASan+UBSan)"
	build/san/unit-tests
	@for t in $(LLVM_TESTS); do echo "== $$t"; $$t || exit 1; done
	@for s in $(sort $(wildcard tests/scripts/*.sh)); do \
	  echo "== $$s"; t0=$$(date +%s); sh $$s || exit 1; echo "   ($$s: $$(($$(date +%s) - t0)) s)"; done
	@echo "== all tests passed"

# Longer campaigns: every translate-mode configuration at both levels, a
# million risu cases, and the RTL lockstep's long campaign.
test-long: build/san/risu build/risu/runner.elf
	CDVM_TEST_LONG=1 $(MAKE) test
	$(MAKE) risu-long
	$(MAKE) cosim-long

run: build/cdvm $(GUEST_ALL)
	build/cdvm run --mode optimize --stats build/guests/O2/sha256.elf 50

bench-chip: build/cdvm
	@scripts/bench-chip

bench: build/cdvm $(GUEST_ALL)
	@scripts/bootstrap bench
	@scripts/bench

docs: build/cdvm
	build/cdvm config --doc > docs/config.md
	build/cdvm isa-doc > docs/native-isa.md
	build/cdvm x86-doc > docs/x86-subset.md
	build/cdvm stats-doc > docs/stats.md

clean:
	rm -rf build

-include $(OBJ_O:.o=.d) $(OBJ_S:.o=.d) $(CLI_O:.o=.d) $(CLI_S:.o=.d) $(UNIT_S:.o=.d)
