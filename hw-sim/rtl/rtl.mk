# hw-sim/rtl/rtl.mk — the RTL core, its lint and the co-simulation build
# (docs/rtl.md).  Included by the top Makefile.
#
#   make rtl-lint                      verilator --lint-only -Wall, every shipped core configuration
#   make cosim                         build/cosim/default/cdvm: cdvm with the Verilated core
#   make cosim COSIM_CONFIG=configs/wide8.yaml     ... for another core (build/cosim/wide8/cdvm)
#
# The ordinary build/cdvm never links Verilator: the co-simulation binary is
# the same tree compiled with -DCDVM_COSIM (hw-sim/cosim.h's hooks) into
# build/cosim/obj, plus hw-sim/rtl/cosim.c, rtl_model.cpp and the model
# Verilator makes from the SystemVerilog with the configuration's parameters
# (cdvm config --rtl-params).

include hw-sim/rtl/units.mk

COSIM_CONFIG ?= configs/default.yaml
# COSIM_RTL_DEFINES=+define+CDVM_RTL_BROKEN_PF builds a deliberately broken
# core (its own COSIM_NAME), for the test that the lockstep catches it
COSIM_RTL_DEFINES ?=
COSIM_NAME   ?= $(basename $(notdir $(COSIM_CONFIG)))
COSIM_DIR    := build/cosim/$(COSIM_NAME)
RTL_PKG      := $(RTL_ISA_PKG)
# packages first: Verilator reads them in order
RTL_SRC      := $(RTL_UNITS_SV) hw-sim/rtl/cdvm_core.sv
VL_INC       := $(shell $(VERILATOR) --getenv VERILATOR_ROOT 2>/dev/null)/include
# only the files that use the hooks are compiled again; the rest is build/o's
COSIM_C      := $(shell grep -l -e CDVM_COSIM -e 'hw-sim/cosim\.h' $(LIB_SRC) $(CLI_SRC))
COSIM_OBJ    := $(patsubst %.c,build/cosim/obj/%.o,$(COSIM_C) hw-sim/rtl/cosim.c) \
		$(filter-out $(patsubst %.c,build/o/%.o,$(COSIM_C)),$(OBJ_O) $(CLI_O))
# the same without the command line (test programs with their own main)
COSIM_LIB_OBJ := $(filter-out build/cosim/obj/cli/% build/o/cli/%,$(COSIM_OBJ))
COSIM_CXX    ?= g++
# the Verilated C++: -O2 runs the lockstep 15 % faster than -O1 for a few seconds more build
COSIM_VOPT   ?= -O2

.PHONY: cosim rtl-lint
cosim: $(COSIM_DIR)/cdvm

build/cosim/obj/%.o: %.c | $(BOOT)
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) $(WARN) $(OPT_FLAGS) -DCDVM_COSIM $(CPPFLAGS_ALL) -c $< -o $@

# the parameters, rewritten only when they change (so is the model)
$(COSIM_DIR)/params: build/cdvm FORCE
	@mkdir -p $(dir $@)
	@build/cdvm config -c $(COSIM_CONFIG) --rtl-params > $@.tmp
	@cmp -s $@.tmp $@ && rm $@.tmp || mv $@.tmp $@

$(COSIM_DIR)/v/Vcdvm_core__ALL.a: $(RTL_PKG) $(RTL_SRC) $(COSIM_DIR)/params
	@rm -rf $(COSIM_DIR)/v
	$(VERILATOR) --cc --build -j 2 -Wall -Wno-fatal --top-module cdvm_core --Mdir $(COSIM_DIR)/v \
	  -CFLAGS "$(COSIM_VOPT)" $$(cat $(COSIM_DIR)/params) $(COSIM_RTL_DEFINES) $(RTL_PKG) $(RTL_SRC) \
	  -MAKEFLAGS "OPT_FAST=$(COSIM_VOPT) OPT_SLOW=$(COSIM_VOPT) OPT_GLOBAL=$(COSIM_VOPT)" >$(COSIM_DIR)/verilate.log 2>&1 \
	  || { cat $(COSIM_DIR)/verilate.log; exit 1; }

$(COSIM_DIR)/rtl_model.o: hw-sim/rtl/rtl_model.cpp hw-sim/rtl/rtl_model.h $(COSIM_DIR)/v/Vcdvm_core__ALL.a
	$(COSIM_CXX) -std=c++17 -O2 -g -Wall -Wextra -Werror -I. -isystem $(COSIM_DIR)/v -isystem $(VL_INC) \
	  -DRTL_PARAMS="\"$$(cat $(COSIM_DIR)/params)\"" -c $< -o $@

# Verilator's run-time library, from its sources (Debian ships no archive of it)
VL_RT := build/cosim/verilated.o build/cosim/verilated_threads.o
build/cosim/%.o: $(VL_INC)/%.cpp | $(BOOT)
	@mkdir -p $(dir $@)
	$(COSIM_CXX) -std=c++17 -O2 -w -isystem $(VL_INC) -c $< -o $@

$(COSIM_DIR)/cdvm: $(COSIM_OBJ) $(COSIM_DIR)/rtl_model.o $(COSIM_DIR)/v/Vcdvm_core__ALL.a $(VL_RT)
	$(COSIM_CXX) -o $@ $(COSIM_OBJ) $(COSIM_DIR)/rtl_model.o $(COSIM_DIR)/v/Vcdvm_core__ALL.a $(VL_RT) \
	  $(LIBS) -pthread

# lint: clean under -Wall for every shipped configuration's parameters
rtl-lint: $(RTL_PKG) build/cdvm
	@for c in configs/*.yaml; do \
	  echo "== verilator --lint-only -Wall ($$c)"; \
	  $(VERILATOR) --lint-only -Wall --top-module cdvm_core $$(build/cdvm config -c $$c --rtl-params) \
	    $(RTL_PKG) $(RTL_SRC) || exit 1; \
	done

.PHONY: FORCE
FORCE:

-include $(filter build/cosim/%,$(COSIM_OBJ:.o=.d))

# the constrained-random lockstep (tests/rtl/cosim_random.c): compiled like
# the cosim objects (the pattern rule above), linked like the cdvm above
# without the command line: COSIM_LIB_OBJ also leaves out build/o/cli/*
# (cli/main.o's main would clash with the test's own)
COSIM_RANDOM_O := build/cosim/obj/tests/rtl/cosim_random.o
$(COSIM_DIR)/cosim-random: $(COSIM_RANDOM_O) $(COSIM_LIB_OBJ) $(COSIM_DIR)/rtl_model.o \
		$(COSIM_DIR)/v/Vcdvm_core__ALL.a $(VL_RT)
	$(COSIM_CXX) -o $@ $(COSIM_RANDOM_O) $(COSIM_LIB_OBJ) $(COSIM_DIR)/rtl_model.o \
	  $(COSIM_DIR)/v/Vcdvm_core__ALL.a $(VL_RT) $(LIBS) -pthread

.PHONY: cosim-random
cosim-random: $(COSIM_DIR)/cosim-random

-include $(COSIM_RANDOM_O:.o=.d)

# long lockstep campaigns: every guest at both levels in lockstep, five
# million random bundles, and the 8-wide core (its own model)
.PHONY: cosim-long
cosim-long:
	CDVM_TEST_LONG=1 CDVM_COSIM_N=5000000 sh tests/scripts/70-rtl.sh
	$(MAKE) cosim cosim-random COSIM_CONFIG=configs/wide8.yaml
	build/cosim/wide8/cosim-random -c configs/wide8.yaml -n 2000000
	sh guest-tests/differential -j 2 O2 -- build/cosim/wide8/cdvm run --cosim -c configs/wide8.yaml \
	  --mode optimize --set cms.translate_threshold=1 --set cms.opt.threshold=20
