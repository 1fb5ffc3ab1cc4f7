// hw-sim/rtl/rtl_model.cpp — Verilator's model of cdvm_core behind the C
// calls of rtl_model.h: ports in, one clock (more while a divider runs),
// ports out.  RTL_PARAMS is defined by the build: the -G options the model
// was verilated with.
#include "Vcdvm_core.h"
#include "verilated.h"

extern "C" {
#include "hw-sim/rtl/rtl_model.h"
}

#ifndef RTL_PARAMS
#error "RTL_PARAMS: the build passes the model's -G options"
#endif

namespace {
VerilatedContext *ctx;
Vcdvm_core *top;

template <typename A> constexpr unsigned count(const A &a) { return sizeof a / sizeof a[0]; }

void tick()
{
	top->clk = 0;
	top->eval();
	top->clk = 1;
	top->eval();
}

void read_state(rtl_state *s, bool faults)
{
	for (unsigned i = 0; i < RTL_NREGS; i++) {
		s->r[i] = top->r[i];
		s->rdy[i] = top->rdy[i];
	}
	for (unsigned i = 0; i < RTL_NSHADOW; i++)
		s->shadow[i] = top->shadow[i];
	for (unsigned i = 0; i < RTL_NFREGS; i++)
		s->frdy[i] = top->frdy[i];
	s->sb_n = top->sb_n;
	for (unsigned e = 0; e < s->sb_n && e < count(top->sb_addr); e++) {
		s->sb_addr[e] = top->sb_addr[e];
		s->sb_val[e] = top->sb_val[e];
		s->sb_size[e] = top->sb_size[e];
	}
	for (unsigned e = 0; e < count(top->alias_lo); e++) {
		s->alias_lo[e] = top->alias_lo[e];
		s->alias_hi[e] = top->alias_hi[e];
	}
	s->alias_valid = top->alias_valid;
	for (unsigned u = 0; u < RTL_UNITS; u++)
		s->unit_mask[u] = top->unit_mask[u];
	for (unsigned k = 0; faults && k < RTL_FAULT_PORTS; k++)
		s->uf_flip[k] = top->uf_flip[k];
	s->now = top->now;
}
}  // namespace

extern "C" const char *rtl_model_params(void) { return RTL_PARAMS; }
extern "C" unsigned rtl_model_width(void) { return count(top->m_status); }
extern "C" unsigned rtl_model_sb_entries(void) { return count(top->sb_addr); }
extern "C" unsigned rtl_model_alias_entries(void) { return count(top->alias_lo); }

extern "C" void rtl_model_open(void)
{
	ctx = new VerilatedContext;
	top = new Vcdvm_core{ctx};
	top->rst_n = 0;
	top->clk = 0;
	top->eval();
	top->rst_n = 1;
	top->eval();
}

extern "C" void rtl_model_close(void)
{
	if (!top)
		return;
	top->final();
	delete top;
	delete ctx;
	top = nullptr;
	ctx = nullptr;
}

extern "C" void rtl_model_load(const rtl_state *s)
{
	for (unsigned i = 0; i < RTL_NREGS; i++) {
		top->ld_r[i] = s->r[i];
		top->ld_rdy[i] = s->rdy[i];
	}
	for (unsigned i = 0; i < RTL_NSHADOW; i++)
		top->ld_shadow[i] = s->shadow[i];
	for (unsigned i = 0; i < RTL_NFREGS; i++)
		top->ld_frdy[i] = s->frdy[i];
	for (unsigned e = 0; e < count(top->ld_sb_addr); e++) {
		bool used = e < s->sb_n;
		top->ld_sb_addr[e] = used ? s->sb_addr[e] : 0;
		top->ld_sb_val[e] = used ? s->sb_val[e] : 0;
		top->ld_sb_size[e] = used ? s->sb_size[e] : 0;
	}
	top->ld_sb_n = s->sb_n;
	for (unsigned e = 0; e < count(top->ld_alias_lo); e++) {
		top->ld_alias_lo[e] = s->alias_lo[e];
		top->ld_alias_hi[e] = s->alias_hi[e];
	}
	top->ld_alias_valid = s->alias_valid;
	for (unsigned u = 0; u < RTL_UNITS; u++)
		top->ld_unit_mask[u] = s->unit_mask[u];
	for (unsigned k = 0; k < RTL_FAULT_PORTS; k++)
		top->ld_uf_flip[k] = s->uf_flip[k];
	top->ld_now = s->now;
	top->load = 1;
	tick();
	top->load = 0;
}

extern "C" void rtl_model_step(const rtl_in *in, rtl_out *out, rtl_state *after)
{
	top->pc = in->pc;
	for (unsigned k = 0; k < RTL_MAX_BUNDLE; k++)
		top->words[k] = in->words[k];
	top->nwords = in->nwords;
	top->fetch_stall = in->fetch_stall;
	for (unsigned i = 0; i < count(top->m_status); i++) {
		top->m_status[i] = in->m_status[i];
		top->m_pa[i] = in->m_pa[i];
		top->m_pa2[i] = in->m_pa2[i];
		top->m_n1[i] = in->m_n1[i];
		top->m_raw[i] = in->m_raw[i];
		top->m_extra[i] = in->m_extra[i];
		top->fpu_v[i] = in->fpu_v[i];
		top->fpu_flags[i] = in->fpu_flags[i];
		top->fpu_fault[i] = in->fpu_fault[i];
	}
	static bool had_faults;  // the ports hold stuck bits: clear them once the faults are gone
	if (in->faults || had_faults)
		for (unsigned k = 0; k < RTL_FAULT_PORTS; k++) {
			top->uf_set[k] = in->faults ? in->uf_set[k] : 0;
			top->uf_clr[k] = in->faults ? in->uf_clr[k] : 0;
		}
	had_faults = in->faults;
	top->detect_unit = in->detect_unit;
	top->start = 1;
	tick();
	top->start = 0;
	out->clocks = 1;
	while (!top->done && out->clocks < 1000) {  // a divider iterates
		tick();
		out->clocks++;
	}
	out->reason = top->done ? top->o_reason : ~0u;
	out->slot = top->o_slot;
	out->illegal = top->o_illegal;
	out->n = top->o_n;
	out->addr = top->o_addr;
	out->code = top->o_code;
	out->next_pc = top->o_next_pc;
	out->issue = top->o_issue;
	out->commit = top->o_commit;
	for (unsigned i = 0; i < RTL_MAX_BUNDLE; i++) {
		out->va[i] = i < count(top->o_va) ? top->o_va[i] : 0;
		out->v[i] = i < count(top->o_v) ? top->o_v[i] : 0;
	}
	out->rel_n = top->o_rel_n;
	for (unsigned e = 0; e < out->rel_n && e < count(top->sb_addr); e++) {  // what the commit released
		out->rel_addr[e] = top->sb_addr[e];
		out->rel_val[e] = top->sb_val[e];
		out->rel_size[e] = top->sb_size[e];
	}
	read_state(after, in->faults);
}
