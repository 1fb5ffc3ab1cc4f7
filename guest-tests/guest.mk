# guest-tests/guest.mk: builds the x86 guest programs; included by the root
# Makefile.  Every guest-tests/progs/NAME.c or NAME.S becomes
#   build/guests/O2/NAME.elf  and  build/guests/Os/NAME.elf
# an ELF32 i386 static executable linked with the runtime in guest-tests/rt/
# (compiled once per optimisation level into build/guests/LEVEL/librt.a).
# GUEST_ALL lists them all.  After linking, the disassembly is checked for
# x87/MMX/SSE instructions: the simulated CPU has no FPU and no vector unit.

GUEST_CC      ?= clang
GUEST_OBJDUMP ?= llvm-objdump
GUEST_AR      ?= ar
GUEST_LEVELS  := O2 Os
GUEST_TARGET  := -target i386-unknown-linux-gnu -march=i686
GUEST_CFLAGS  := $(GUEST_TARGET) -ffreestanding -fno-builtin -nostdlib -static \
  -fno-pic -mno-sse -mno-mmx -mno-80387 -fno-stack-protector \
  -fcf-protection=none -fno-asynchronous-unwind-tables -fno-unwind-tables \
  -std=c11 -Wall -Wextra -Werror -Iguest-tests/rt -Iguest-tests/progs -MMD -MP
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

# Mnemonics that must not appear: any x87 instruction (they all start with
# 'f' and no integer instruction does) or a use of an MMX/SSE register.
GUEST_FORBIDDEN := '^ *[0-9a-f]+:[^	]*	(f[a-z0-9]+|.*%[xy]?mm[0-9])'

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

build/guests/$(1)/librt.a: $$(patsubst guest-tests/rt/%,build/guests/$(1)/rt/%.o,$$(basename $$(GUEST_RT_SRC)))
	@rm -f $$@
	$$(GUEST_AR) rcs $$@ $$^

build/guests/$(1)/progs/%.o: guest-tests/progs/%.c | $$(BOOT)
	@mkdir -p $$(dir $$@)
	$$(GUEST_CC) $$(GUEST_CFLAGS) -$(1) -c $$< -o $$@

build/guests/$(1)/progs/%.o: guest-tests/progs/%.S | $$(BOOT)
	@mkdir -p $$(dir $$@)
	$$(GUEST_CC) $$(GUEST_CFLAGS) -c $$< -o $$@

build/guests/$(1)/%.elf: build/guests/$(1)/progs/%.o build/guests/$(1)/librt.a | $$(BOOT)
	$$(GUEST_CC) $$(GUEST_LDFLAGS) $$< build/guests/$(1)/librt.a -o $$@.tmp
	@if $$(GUEST_OBJDUMP) -d --no-show-raw-insn $$@.tmp | grep -E $$(GUEST_FORBIDDEN); then \
	  echo "$$@: x87/MMX/SSE instructions found" >&2; rm -f $$@.tmp; exit 1; fi
	@mv $$@.tmp $$@

build/guests/$(1)/%-N.elf: build/guests/$(1)/progs/%.o build/guests/$(1)/librt.a | $$(BOOT)
	$$(GUEST_CC) $$(GUEST_LDFLAGS) -Wl,-N $$< build/guests/$(1)/librt.a -o $$@
endef

$(foreach l,$(GUEST_LEVELS),$(eval $(call GUEST_LEVEL_RULES,$(l))))

# keep the objects make would otherwise delete as intermediates
.SECONDARY: $(foreach l,$(GUEST_LEVELS),\
  $(patsubst %,build/guests/$(l)/progs/%.o,$(GUEST_NAMES)) \
  $(patsubst guest-tests/rt/%,build/guests/$(l)/rt/%.o,$(basename $(GUEST_RT_SRC))))

-include $(wildcard build/guests/*/rt/*.d build/guests/*/progs/*.d)
