/* hw-sim/rtl/rtl_model.h — the Verilated RTL core (cdvm_core.sv) as C sees
 * it: load a state, run one bundle, read what it did.  rtl_model.cpp is the
 * only C++ in the tree; it wraps Verilator's model in these calls, so the
 * lockstep (cosim.c) is C like the rest. */
#ifndef CDVM_HW_SIM_RTL_MODEL_H
#define CDVM_HW_SIM_RTL_MODEL_H

#include <stdbool.h>
#include <stdint.h>

enum { RTL_MAX_BUNDLE = 16, RTL_NREGS = 64, RTL_NSHADOW = 16, RTL_NFREGS = 16, RTL_MAX_ALIAS = 64, RTL_UNITS = 5,
       RTL_MAXU = 16, RTL_FAULT_PORTS = RTL_UNITS * RTL_MAXU };

/* The core's architectural and timing state.  Store-buffer arrays have
 * rtl_model_sb_entries() elements. */
struct rtl_state {
	uint32_t r[RTL_NREGS], shadow[RTL_NSHADOW];
	uint32_t rdy[RTL_NREGS], frdy[RTL_NFREGS];  /* cycles until ready, from now */
	unsigned sb_n;
	uint32_t *sb_addr, *sb_val;
	uint8_t *sb_size;
	uint32_t alias_lo[RTL_MAX_ALIAS], alias_hi[RTL_MAX_ALIAS];
	uint64_t alias_valid;
	uint32_t unit_mask[RTL_UNITS];
	uint32_t uf_flip[RTL_FAULT_PORTS];  /* one-shot flips armed on unit class * RTL_MAXU + unit */
	uint64_t now;
};

/* A bundle and the C model's answers for it (cdvm_core.sv's ports). */
struct rtl_in {
	uint32_t pc;
	uint64_t words[RTL_MAX_BUNDLE];
	unsigned nwords;
	uint32_t fetch_stall;
	uint8_t m_status[RTL_MAX_BUNDLE];  /* RTL_MS_* */
	uint8_t m_n1[RTL_MAX_BUNDLE];
	uint32_t m_pa[RTL_MAX_BUNDLE], m_pa2[RTL_MAX_BUNDLE], m_raw[RTL_MAX_BUNDLE], m_extra[RTL_MAX_BUNDLE];
	uint32_t fpu_v[RTL_MAX_BUNDLE], fpu_flags[RTL_MAX_BUNDLE];
	bool fpu_fault[RTL_MAX_BUNDLE];
	bool faults;                       /* unit faults may be armed: uf_* are valid, uf_flip is read back */
	uint32_t uf_set[RTL_FAULT_PORTS], uf_clr[RTL_FAULT_PORTS];  /* stuck bits of each unit now */
	bool detect_unit;
};
enum { RTL_MS_OK, RTL_MS_FAULT, RTL_MS_PROT };

/* The core's reasons (cdvm_core.sv RS_*) and illegal-bundle causes (IL_*). */
enum rtl_reason { RTL_RS_NONE, RTL_RS_EXIT, RTL_RS_MEMORY, RTL_RS_ALIAS, RTL_RS_SB, RTL_RS_ILLEGAL, RTL_RS_DIVIDE,
		  RTL_RS_PROTECTION, RTL_RS_FPU, RTL_RS_DETECTED };

struct rtl_out {
	unsigned reason, slot, illegal, n;
	uint32_t addr, code, next_pc, issue;
	bool commit;
	uint32_t va[RTL_MAX_BUNDLE], v[RTL_MAX_BUNDLE];
	unsigned rel_n;                  /* stores released (commit), in rel_* (sb-entries long) */
	uint32_t *rel_addr, *rel_val;
	uint8_t *rel_size;
	unsigned clocks;                 /* clocks the bundle took (divides iterate) */
};

/* The -G options the model was verilated with (config --rtl-params). */
const char *rtl_model_params(void);
unsigned rtl_model_width(void);
unsigned rtl_model_sb_entries(void);
unsigned rtl_model_alias_entries(void);
void rtl_model_open(void);
void rtl_model_close(void);
void rtl_model_load(const struct rtl_state *s);
void rtl_model_step(const struct rtl_in *in, struct rtl_out *out, struct rtl_state *after);

#endif
