# guest-tests/guest.mk: builds the x86 guest programs; included by the root
# Makefile.  Every guest-tests/progs/NAME.c or NAME.S becomes
#   build/guests/O2/NAME.elf  and  build/guests/Os/NAME.elf
# an ELF32 i386 static executable linked with the runtime in guest-tests/rt/
# (compiled once per optimisation level into build/guests/LEVEL/librt.a).
# GUEST_ALL lists them all.  After linking, the disassembly is checked: no
# MMX/SSE instruction anywhere (cdvm has no vector unit), and no x87
# instruction except in the floating-point programs of GUEST_FP, which are
# built without -mno-80387.  The runtime stays integer-only in every
# program (its floating-point printer works on bits): the integer guests
# stay free of x87 code, and what the FP programs print does not depend on
# the unit they test.  build/guests/rtcheck checks that
# printer on the host against glibc before the runtime is archived.

GUEST_CC      ?= clang
GUEST_OBJDUMP ?= llvm-objdump
GUEST_AR      ?= ar
GUEST_HOST_CC ?= gcc
GUEST_LEVELS  := O2 Os
GUEST_TARGET  := -target i386-unknown-linux-gnu -march=i686
GUEST_CFLAGS_FP := $(GUEST_TARGET) -ffreestanding -fno-builtin -nostdlib -static \
  -fno-pic -mno-sse -mno-mmx -fno-stack-protector \
  -fcf-protection=none -fno-asynchronous-unwind-tables -fno-unwind-tables \
  -std=c11 -Wall -Wextra -Werror -Iguest-tests/rt -Iguest-tests/progs -MMD -MP
GUEST_CFLAGS  := $(GUEST_CFLAGS_FP) -mno-80387
GUEST_LDFLAGS := $(GUEST_TARGET) -nostdlib -static -fuse-ld=lld \
  -Wl,--build-id=none -Wl,-z,noexecstack

GUEST_RT_SRC  := $(sort $(wildcard guest-tests/rt/*.c guest-tests/rt/*.S))
GUEST_SRC     := $(sort $(wildcard guest-tests/progs/*.c guest-tests/progs/*.S))
GUEST_NAMES   := $(basename $(notdir $(GUEST_SRC)))
# Workloads also linked with `ld -N` (NAME-N.elf): code, data and bss share
# pages, as in small embedded images; the SMC protection must tell the
# data stores on those pages from code writes (cms.smc_granularity).
GUEST_NMAGIC  := sieve crc32 sort
GUEST_ALL     := $(foreach l,$(GUEST_LEVELS),$(patsubst %,build/guests/$(l)/%.elf,$(GUEST_NAMES)) \
  $(patsubst %,build/guests/$(l)/%-N.elf,$(GUEST_NMAGIC)))

# The floating-point programs: x87 code (float, double, long double),
# still no MMX or SSE.  fp.h is what they share.
GUEST_FP      := fparith fpconv fpcmp fpmath nbody dgemm mandel spectral

# Mnemonics that must not appear: any x87 instruction (they all start with
# 'f' and no integer instruction does) or a use of an MMX/SSE register; in
# a GUEST_FP program only the latter.
GUEST_FORBIDDEN    := '^ *[0-9a-f]+:[^	]*	(f[a-z0-9]+|.*%[xy]?mm[0-9])'
GUEST_FORBIDDEN_FP := '^ *[0-9a-f]+:[^	]*	.*%[xy]?mm[0-9]'
# $(call guest_cflags,NAME) / $(call guest_forbidden,NAME)
guest_cflags    = $(if $(filter $(1),$(GUEST_FP)),$(GUEST_CFLAGS_FP),$(GUEST_CFLAGS))
guest_forbidden = $(if $(filter $(1),$(GUEST_FP)),$(GUEST_FORBIDDEN_FP),$(GUEST_FORBIDDEN))

.PHONY: guests
guests: $(GUEST_ALL)

# $(1) = optimisation level (O2 or Os)
define GUEST_LEVEL_RULES
build/guests/$(1)/rt/%.o: guest-tests/rt/%.c | $$(BOOT)
	@mkdir -p $$(dir $$@)
	$$(GUEST_CC) $$(GUEST_CFLAGS) -$(1) -c $$< -o $$@

build/guests/$(1)/rt/%.o: guest-tests/rt/%.S | $$(BOOT)
	@mkdir -p $$(dir $$@)
	$$(GUEST_CC) $$(GUEST_CFLAGS) -c $$< -o $$@

build/guests/$(1)/librt.a: $$(patsubst guest-tests/rt/%,build/guests/$(1)/rt/%.o,$$(basename $$(GUEST_RT_SRC))) \
		build/guests/rtcheck.ok
	@rm -f $$@
	$$(GUEST_AR) rcs $$@ $$(filter %.o,$$^)

build/guests/$(1)/progs/%.o: guest-tests/progs/%.c | $$(BOOT)
	@mkdir -p $$(dir $$@)
	$$(GUEST_CC) $$(call guest_cflags,$$*) -$(1) -c $$< -o $$@

build/guests/$(1)/progs/%.o: guest-tests/progs/%.S | $$(BOOT)
	@mkdir -p $$(dir $$@)
	$$(GUEST_CC) $$(GUEST_CFLAGS) -c $$< -o $$@

build/guests/$(1)/%.elf: build/guests/$(1)/progs/%.o build/guests/$(1)/librt.a | $$(BOOT)
	$$(GUEST_CC) $$(GUEST_LDFLAGS) $$< build/guests/$(1)/librt.a -o $$@.tmp
	@if $$(GUEST_OBJDUMP) -d --no-show-raw-insn $$@.tmp | grep -E $$(call guest_forbidden,$$*); then \
	  echo "$$@: $$(if $$(filter $$*,$$(GUEST_FP)),MMX/SSE,x87/MMX/SSE) instructions found" >&2; \
	  rm -f $$@.tmp; exit 1; fi
	@mv $$@.tmp $$@

build/guests/$(1)/%-N.elf: build/guests/$(1)/progs/%.o build/guests/$(1)/librt.a | $$(BOOT)
	$$(GUEST_CC) $$(GUEST_LDFLAGS) -Wl,-N $$< build/guests/$(1)/librt.a -o $$@
endef

$(foreach l,$(GUEST_LEVELS),$(eval $(call GUEST_LEVEL_RULES,$(l))))

# The runtime's floating-point printer on the host (gcc -m32: the same
# 80-bit long double) against glibc's printf; the runtime is archived only
# once it passes.
build/guests/rtcheck: guest-tests/rtcheck.c guest-tests/rt/fpfmt.c guest-tests/rt/rt.h | $(BOOT)
	@mkdir -p $(dir $@)
	$(GUEST_HOST_CC) -m32 -O2 -std=c11 -D_DEFAULT_SOURCE -Wall -Wextra -Werror -Iguest-tests/rt \
	  guest-tests/rtcheck.c guest-tests/rt/fpfmt.c -o $@

build/guests/rtcheck.ok: build/guests/rtcheck
	build/guests/rtcheck
	@touch $@

# keep the objects make would otherwise delete as intermediates
.SECONDARY: $(foreach l,$(GUEST_LEVELS),\
  $(patsubst %,build/guests/$(l)/progs/%.o,$(GUEST_NAMES)) \
  $(patsubst guest-tests/rt/%,build/guests/$(l)/rt/%.o,$(basename $(GUEST_RT_SRC))))

-include $(wildcard build/guests/*/rt/*.d build/guests/*/progs/*.d)
