# tests/risu/risu.mk — the risu differential tester for cdvm's x86
# semantics; included from the root Makefile (after guest-tests/guest.mk).
#
#   build/risu/runner.elf   the native i386 runner (clang, freestanding, lld)
#   build/san/risu          the host-side tester (ASan+UBSan, libcdvm)
#   make risu-long          1,000,000 cases of every family, then 1,000,000 of
#                           the x87 family alone and 1,000,000 of it with the
#                           integer families it meets
#                           (CDVM_SEED=... to replay a seed)
# tests/scripts/40-risu.sh runs a bounded number of cases in `make test`.

RISU_CC ?= clang
RISU_TARGET_FLAGS := -target i386-unknown-linux-gnu -ffreestanding -fno-builtin -nostdlib \
  -static -fno-pic -fno-stack-protector -fuse-ld=lld -O2
RISU_HOST_SRC := tests/risu/risu.c tests/risu/gen.c
RISU_HOST_S := $(patsubst %.c,build/san/%.o,$(RISU_HOST_SRC))
RISU_LONG_N ?= 1000000
# the x87 run: x87 instructions among the integer ones that feed them
# memory and read what they leave in EFLAGS and AX (40-risu.sh too)
RISU_X87_FAMILIES := x87,mov,alu,setcc,cmov,branch,pushpop

build/risu/runner.elf: tests/risu/runner.c tests/risu/runner.S tests/risu/risu_proto.h | $(BOOT)
	@mkdir -p $(dir $@)
	$(RISU_CC) $(RISU_TARGET_FLAGS) -std=c11 $(WARN) -I. tests/risu/runner.c tests/risu/runner.S -o $@

build/san/risu: $(RISU_HOST_S) build/san/libcdvm.a build/risu/.other-cc-ok
	$(CC) $(SAN_FLAGS) -o $@ $(RISU_HOST_S) build/san/libcdvm.a $(LIBS)

# warning-free under the other compiler too (OTHER_CC: root Makefile)
build/risu/.other-cc-ok: $(RISU_HOST_SRC) tests/risu/gen.h tests/risu/risu_proto.h | $(BOOT)
	@mkdir -p $(dir $@)
	@for f in $(RISU_HOST_SRC); do \
	  $(OTHER_CC) $(CSTD) $(WARN) -I. -fsyntax-only $$f || exit 1; done
	@touch $@

.PHONY: risu-long
risu-long: build/san/risu build/risu/runner.elf
	build/san/risu -n $(RISU_LONG_N) --show 20
	build/san/risu -n $(RISU_LONG_N) --families x87 --show 20
	build/san/risu -n $(RISU_LONG_N) --families $(RISU_X87_FAMILIES) --show 20

GUEST_ALL += build/risu/runner.elf build/san/risu

-include $(RISU_HOST_S:.o=.d)
