/* cms/cms.c — firmware boot, the dispatch loop and the interpreter loop.
 *
 * Boot: build the chip from the configuration, carve hidden memory, pick
 * the policy tables (cms/policy/), lay out the firmware's tables there
 * (guest page map, block profile, translation map).  Run: cms_run follows
 * DESIGN.md's data flow — at each block entry the dispatcher looks up EIP;
 * a hit runs native code, whose fault exits go to the recover policy; a
 * miss is profiled and the translate policy decides whether to translate;
 * the interpreter executes guest instructions on the x86 state held in
 * the chip's registers; `int $0x80` goes to the syscall layer; a guest
 * fault ends the run as the native signal would.  Every step is charged
 * simulated cycles from cms.cost. */
#include "cms/cms_priv.h"
#include "cms/translate/translate.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

static const char *const mode_names[] = {"interp", "translate", "optimize"};

const char *cms_mode_name(enum cms_mode mode) { return (unsigned)mode < 3 ? mode_names[mode] : "?"; }

int cms_mode_parse(const char *s, enum cms_mode *mode)
{
	for (unsigned i = 0; i < 3; i++) {
		if (!strcmp(s, mode_names[i])) {
			*mode = (enum cms_mode)i;
			return 0;
		}
	}
	return -1;
}

/* guestmem reports a store into a code page: drop what came from it (its
 * translations, then every cached decode that starts in it or runs into it). */
static void code_page_written(struct cms *m, uint32_t pg)
{
	tc_code_written(m, pg);
	uint32_t lo = pg << GUEST_PAGE_SHIFT, hi = lo + GUEST_PAGE;
	for (unsigned i = 0; i < INSN_CACHE_ENTRIES; i++) {
		struct insn_slot *s = &m->insns[i];
		if (s->eip != INSN_NONE && s->eip < hi && s->eip + s->in.len > lo)
			s->eip = INSN_NONE;
	}
	m->st.insn_cache_flushes++;
}

static int insn_cache_init(struct cms *m, char *err, size_t errlen)
{
	m->insns = malloc(INSN_CACHE_ENTRIES * sizeof *m->insns);
	if (!m->insns) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (unsigned i = 0; i < INSN_CACHE_ENTRIES; i++)
		m->insns[i].eip = INSN_NONE;
	return 0;
}

int cms_create(const struct cdvm_config *cfg, enum cms_mode mode, struct cms **out, char *err, size_t errlen)
{
	*out = NULL;
	struct cms *m = calloc(1, sizeof *m);
	if (!m) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	m->cfg = *cfg;
	m->mode = mode;
	m->fd_in = 0;
	m->fd_out = 1;
	m->fd_err = 2;
	if (chip_create(cfg, &m->chip, err, errlen) < 0) {
		free(m);
		return -1;
	}
	if (hidden_boot(&m->hm, m->chip, err, errlen) < 0) {
		chip_destroy(m->chip);
		free(m);
		return -1;
	}
	m->xr = chip_x86_regs(m->chip);
	gm_install_env(m);
	tls_init(m);
	if (policy_init(&m->pol, cfg, err, errlen) < 0 || gm_init(m, code_page_written, err, errlen) < 0 ||
	    aspace_init(m, err, errlen) < 0 || files_init(m, err, errlen) < 0 || insn_cache_init(m, err, errlen) < 0 || profile_init(m, err, errlen) < 0 || tc_init(m, err, errlen) < 0 || reopt_init(m, err, errlen) < 0 || faults_init(m, err, errlen) < 0 || reconfig_init(m, err, errlen) < 0 ||
	    gm_init_smc(m, err, errlen) < 0) {
		cms_destroy(m);
		return -1;
	}
	*out = m;
	return 0;
}

void cms_destroy(struct cms *m)
{
	if (!m)
		return;
	hidden_shutdown(&m->hm);
	chip_destroy(m->chip);
	trace_free(m);
	reopt_free(m);
	faults_free(m);
	reconfig_free(m);
	tc_free(m);
	profile_free(m);
	files_free(m);
	aspace_free(m);
	gm_free(m);
	policy_free(&m->pol);
	free(m->insns);
	free(m);
}

struct chip *cms_chip(struct cms *m) { return m->chip; }
const struct cdvm_config *cms_config(const struct cms *m) { return &m->cfg; }

void cms_set_trace(struct cms *m, const struct cms_trace_ops *ops)
{
	if (ops)
		m->trace = *ops;
	else
		memset(&m->trace, 0, sizeof m->trace);
}
/* interpreted instructions + those retired by translated code (r15) */
uint64_t cms_guest_insns(const struct cms *m) { return m->st.interp_insns + chip_reg(m->chip, R_RETIRED); }

void cms_set_debug(struct cms *m, const char *dump_dir, int verify)
{
	m->dump_dir = dump_dir;
	m->verify = verify;
}

int cms_set_fs_root(struct cms *m, const char *dir, int writable, char *err, size_t errlen)
{
	return files_set_root(m, dir, writable, err, errlen);
}

void cms_set_stdio(struct cms *m, int in_fd, int out_fd, int err_fd)
{
	m->fd_in = in_fd;
	m->fd_out = out_fd;
	m->fd_err = err_fd;
}

/* Interpretation cost of one instruction of class `c` (cms.cost.*). */
static uint64_t interp_cost(const struct cms *m, const struct x86_step_info *info)
{
	const struct cdvm_config *k = &m->cfg;
	switch (info->cost) {
	case X86_COST_ALU: return (uint64_t)k->cost_interp_alu;
	case X86_COST_MEM: return (uint64_t)k->cost_interp_mem;
	case X86_COST_BRANCH: return (uint64_t)k->cost_interp_branch;
	case X86_COST_MULDIV: return (uint64_t)k->cost_interp_muldiv;
	case X86_COST_STRING:
		return (uint64_t)k->cost_interp_string * (info->iterations ? info->iterations : 1);
	case X86_COST_COMPLEX: return (uint64_t)k->cost_interp_complex;
	case X86_COST_SYSCALL: return (uint64_t)k->cost_interp_branch;
	case X86_COST_FP: return (uint64_t)k->cost_interp_fp;
	case X86_COST_FPTRANS: return (uint64_t)k->cost_interp_fp_trans;
	case X86_COST_COUNT: break;
	}
	return (uint64_t)k->cost_interp_complex;
}

static void end_signal(struct cms_result *res, int sig, const char *what, uint32_t eip, int has_addr, uint32_t addr)
{
	res->end = CMS_END_SIGNAL;
	res->signal = sig;
	res->status = 128 + sig;
	const char *name = sig == SIGFPE ? "SIGFPE" : sig == SIGILL ? "SIGILL" : sig == SIGSEGV ? "SIGSEGV"
			 : sig == SIGTRAP ? "SIGTRAP" : sig == SIGKILL ? "SIGKILL" : "signal";
	if (has_addr)
		snprintf(res->text, sizeof res->text, "guest killed by %s: %s at EIP 0x%08x, address 0x%08x", name, what,
			 eip, addr);
	else
		snprintf(res->text, sizeof res->text, "guest killed by %s: %s at EIP 0x%08x", name, what, eip);
}

/* What cdvm knows of an instruction it does not execute, for the SIGILL
 * diagnostic: its bytes (as many as the decoder sized, else the first
 * four readable ones) and the mnemonic or class the decoder named, e.g.
 * "bytes d9 ee: x87", "bytes 0f 0b: ud2". */
static __attribute__((noinline, cold)) void describe_invalid(struct cms *m, uint32_t eip, char *buf, size_t n)
{
	uint8_t bytes[X86_MAX_INSN_LEN];
	unsigned got = m->env.fetch(m, eip, bytes, sizeof bytes);
	struct x86_insn in;
	memset(&in, 0, sizeof in);
	int st = x86_decode(bytes, got, &in);
	unsigned len = st > 0 ? (unsigned)st : in.len ? in.len : got < 4 ? got : 4;
	if (len == 0) {
		snprintf(buf, n, "invalid or unsupported instruction");
		return;
	}
	int k = snprintf(buf, n, "invalid or unsupported instruction (bytes");
	for (unsigned i = 0; i < len && k > 0 && (size_t)k < n; i++)
		k += snprintf(buf + k, n - (size_t)k, " %02x", bytes[i]);
	if (k > 0 && (size_t)k < n) {
		/* a class name is "(x87)": drop the parentheses */
		const char *name = x86_op_name((enum x86_op)in.op);
		size_t nl = strlen(name);
		if (in.op != X86_OP_NONE && name[0] == '(' && nl > 2)
			snprintf(buf + k, n - (size_t)k, ": %.*s)", (int)(nl - 2), name + 1);
		else if (in.op != X86_OP_NONE)
			snprintf(buf + k, n - (size_t)k, ": %s)", name);
		else
			snprintf(buf + k, n - (size_t)k, ")");
	}
}

/* One guest instruction: decoded form from the cache, or fetch + decode
 * (x86_step handles every failure: short fetch, #UD). */
static enum x86_stop interpret_one(struct cms *m, uint32_t eip, struct x86_step_info *info)
{
	struct insn_slot *slot = &m->insns[(eip ^ (eip >> 13)) & (INSN_CACHE_ENTRIES - 1)];
	memset(info, 0, sizeof *info);
	if (slot->eip != eip) {
		uint8_t buf[X86_MAX_INSN_LEN];
		unsigned n = m->env.fetch(m, eip, buf, sizeof buf);
		if (x86_decode(buf, n, &slot->in) <= 0) {
			slot->eip = INSN_NONE;
			if (m->trace.insn)
				m->trace.insn(m->trace.ctx, eip, NULL, m->xr);
			return x86_step(&m->env, info);
		}
		slot->eip = eip;
		slot->mem_alu = 0;
		for (unsigned i = 0; i < slot->in.nops; i++)
			slot->mem_alu |= slot->in.o[i].kind == X86_OPK_MEM && slot->in.op != X86_OP_LEA &&
					 slot->in.op != X86_OP_NOP;
		gm_mark_code(m, eip, slot->in.len);
	}
	if (m->trace.insn)
		m->trace.insn(m->trace.ctx, eip, &slot->in, m->xr);
	enum x86_stop s = x86_exec(&m->env, &slot->in, info);
	/* an ALU operation on a memory operand costs what a memory access costs */
	if (info->cost == X86_COST_ALU && slot->mem_alu)
		info->cost = X86_COST_MEM;
	return s;
}

int cms_check_cycle_limit(struct cms *m, struct cms_result *res)
{
	const uint64_t limit = m->cfg.max_cycles ? (uint64_t)m->cfg.max_cycles : UINT64_MAX;
	if (chip_cycles(m->chip) < limit)
		return 0;
	res->end = CMS_END_CYCLE_LIMIT;
	res->status = 125;
	snprintf(res->text, sizeof res->text,
		 "stopped: sim.max_cycles (%llu) reached at EIP 0x%08x after %llu guest instructions",
		 (unsigned long long)limit, m->xr[X86_EIP], (unsigned long long)cms_guest_insns(m));
	return 1;
}

/* Interpret from EIP to the end of its basic block (the next control
 * transfer), or just one instruction when `single` (an instruction the
 * translator does not take: what follows it may be translated).  Returns
 * 1 when the run is over (exit, fault, cycle limit). */
static int interp_block(struct cms *m, struct cms_result *res, int single)
{
	struct x86_step_info info;
	uint32_t *r = m->xr;
	for (;;) {
		uint32_t eip = r[X86_EIP];
		/* with faults about, every interpreted instruction is committed
		 * before its time is charged (when a fault may strike): a flipped
		 * working register finds a good copy in its shadow */
		if (m->faulty && faults_check_x86(m, res))
			return 1;
		gm_take_miss_cycles(m);
		enum x86_stop s = interpret_one(m, eip, &info);
		if (m->faulty) {
			if (faults_stopped(m, res))
				return 1;
			chip_commit(m->chip);
		}
		/* the interpreter reads x86 code through the L1D a line at a time:
		 * a new line costs an access, the rest of it is in a register */
		uint32_t lmask = ~(uint32_t)(m->cfg.l1d_line - 1);
		if (info.len && ((eip & lmask) != m->fetch_line || ((eip + info.len - 1) & lmask) != m->fetch_line)) {
			gm_time_access(m, eip, info.len, 0);
			m->fetch_line = (eip + info.len - 1) & lmask;
		}
		cms_charge(m, ACT_INTERP, interp_cost(m, &info) + gm_take_miss_cycles(m));
		if (x86_op_flags((enum x86_op)info.op) & OPF_FPU)
			chip_fpu_written(m->chip);
		if (s == X86_OK || s == X86_SYSCALL) {
			m->st.interp_insns++;
			m->st.insn_by_cost[info.cost]++;
			if (info.op < X86_OP_COUNT)
				m->st.interp_by_op[info.op]++;
			m->st.rep_iterations += info.iterations;
		}
		switch (s) {
		case X86_OK:
			break;
		case X86_SYSCALL:
			syscall_dispatch(m);
			if (m->faulty)
				chip_commit(m->chip);
			cms_charge(m, ACT_SYSCALL, (uint64_t)m->cfg.cost_syscall + gm_take_miss_cycles(m));
			if (m->exited) {
				res->end = CMS_END_EXIT;
				res->status = m->exit_status;
				chip_commit(m->chip);
				return 1;
			}
			break;
		case X86_FAULT_DE:
			end_signal(res, SIGFPE, "divide error", eip, 0, 0);
			return 1;
		case X86_FAULT_MF:
			end_signal(res, SIGFPE, "x87 floating-point error (unmasked exception)", eip, 0, 0);
			return 1;
		case X86_FAULT_UD: {
			char what[128];
			describe_invalid(m, eip, what, sizeof what);
			end_signal(res, SIGILL, what, eip, 0, 0);
			return 1;
		}
		case X86_FAULT_MEM:
			/* no frame left for a page the program may use: what Linux's
			 * out-of-memory killer does (SIGKILL) */
			if (aspace_out_of_memory(m))
				end_signal(res, SIGKILL, aspace_out_of_memory(m), eip, 1, info.fault_addr);
			else
				end_signal(res, SIGSEGV, "bad memory access", eip, 1, info.fault_addr);
			return 1;
		case X86_FAULT_GP:
			end_signal(res, SIGSEGV, "general protection fault", eip, 0, 0);
			return 1;
		case X86_HLT:
			end_signal(res, SIGSEGV, "hlt in user mode (general protection)", eip, 0, 0);
			return 1;
		case X86_TRAP:
			/* Linux delivers #BP as SIGTRAP and #OF (into) as SIGSEGV */
			if (info.trap == 3)
				end_signal(res, SIGTRAP, "breakpoint trap (int3)", eip, 0, 0);
			else
				end_signal(res, SIGSEGV, "overflow trap (into)", eip, 0, 0);
			return 1;
		}
		if (info.ends_block || single)
			return cms_check_cycle_limit(m, res);
	}
}

void policy_speculation_failed(struct cms *m, const struct chip_exit *ex)
{
	if (m->mode == CMS_MODE_OPTIMIZE)
		reopt_rollback(m, ex);
}

int cms_recover_interpret(struct cms *m, struct cms_result *res)
{
	m->st.recoveries++;
	return interp_block(m, res, 0);
}

/* Translated code left through an exit atom: a lookup miss, a bail (an
 * instruction the translator does not take), or the end of a block, whose
 * direct exit is then chained to its successor's translation.  Returns 1
 * when the run is over. */
static int native_exit(struct cms *m, int id, const struct chip_exit *ex, struct vlog *vl, struct cms_result *res)
{
	if (ex->code == TC_LOOKUP_MISS) {
		m->st.lookup_misses++;
		return cms_check_cycle_limit(m, res);
	}
	if (ex->code == TR_BAIL) {
		m->st.bails++;
		return interp_block(m, res, 1);
	}
	if (ex->code % TR_MAX_EXITS == TR_EXIT_HOT) {
		/* the entry counter fired before anything committed: back to
		 * the block's entry, and a region from there */
		chip_rollback(m->chip);
		reopt_hot(m, (int)(ex->code / TR_MAX_EXITS));
		return cms_check_cycle_limit(m, res);
	}
	if (m->verify && verify_check(m, id, ex->code, vl, res))
		return 1;
	/* (--verify checks one translation per run: no chains) */
	if (tc_exit_taken(m, ex->code, !m->verify))
		reopt_watched(m, (int)(ex->code / TR_MAX_EXITS));
	m->after_native = 1;
	return cms_check_cycle_limit(m, res);
}

/* Run translation `id` on the chip until it leaves native code (under
 * --verify: exactly this translation, then the check); a fault exit goes
 * to the recover policy.  Returns 1 when the run is over. */
static int run_native(struct cms *m, int id, struct cms_result *res)
{
	struct chip_exit ex;
	struct vlog vl;
	if (m->faulty && faults_check_x86(m, res))
		return 1;
	chip_commit(m->chip);  /* the interpreter's x86 state becomes the committed state */
	m->st.native_runs++;
	if (m->verify)
		verify_begin(m, &vl);
	/* stopped at each reconfiguration interval and each sample of the
	 * reoptimizer's, and resumed (a sample that makes a region has rolled
	 * the chip back: to the dispatcher) */
	uint32_t pc = tc_get(m, id)->native;
	for (;;) {
		uint64_t rb = reconfig_budget(m), sb = reopt_sample_budget(m);
		chip_run_bounded(m->chip, pc, &ex, rb < sb ? rb : sb);
		int reconfig_due = ex.reason == CHIP_EXIT_CYCLE_LIMIT && !reconfig_budget(m);
		int sample_due = ex.reason == CHIP_EXIT_CYCLE_LIMIT && reopt_sample_due(m);
		if (!reconfig_due && !sample_due)
			break;
		if (reconfig_due)
			reconfig_tick(m);
		if (sample_due && reopt_sample(m, ex.pc)) {
			if (m->verify) {
				verify_end(m, &vl);
				verify_release(&vl);
			}
			return cms_check_cycle_limit(m, res);
		}
		pc = ex.pc;
	}
	if (m->verify)
		verify_end(m, &vl);
	int over = ex.reason == CHIP_EXIT_FIRMWARE ? native_exit(m, id, &ex, &vl, res)
						   : m->pol.recover->on[ex.reason](m, &ex, res);
	if (m->verify)
		verify_release(&vl);
	return over;
}

/* A block without a translation: profile it and ask the translate policy.
 * A translation id, -1 (interpret the block) or -2 (interpret one
 * instruction: the translator does not take the first). */
static int profile_and_translate(struct cms *m, uint32_t eip)
{
	struct translate_region rg;
	cms_charge(m, ACT_DISPATCH, (uint64_t)m->cfg.cost_profile);
	uint32_t count = profile_hit(m, eip);
	/* the reoptimizer's firmware treats code that translated code runs
	 * into as warm: a region cut short, or a side exit, leads there */
	if (m->mode == CMS_MODE_OPTIMIZE && m->after_native && count < (uint32_t)m->cfg.translate_threshold)
		count = (uint32_t)m->cfg.translate_threshold;
	if (!m->pol.translate->on_miss(m, eip, count, &rg))
		return -1;
	int id = tc_translate(m, &rg);
	if (id < 0)
		tc_mark_untranslatable(m, rg.eip);
	if (rg.eip != eip)  /* a region entered elsewhere: this block is interpreted */
		return -1;
	return id < 0 ? -2 : id;
}

/* Where the block at eip runs: a translation id, or -1 / -2 as above. */
static int dispatch(struct cms *m, uint32_t eip)
{
	if (m->mode == CMS_MODE_INTERP) {
		profile_hit(m, eip);
		cms_charge(m, ACT_DISPATCH, (uint64_t)(m->cfg.cost_dispatch + m->cfg.cost_profile));
		return -1;
	}
	cms_charge(m, ACT_DISPATCH, (uint64_t)m->cfg.cost_dispatch);
	int id = tc_lookup(m, eip);
	if (id == -1)
		id = tc_revalidate(m, eip);   /* set aside by a store: unchanged bytes bring it back */
	id = id == -1 ? profile_and_translate(m, eip) : id;
	m->after_native = 0;
	return id;
}

/* DESIGN.md's data flow: look up EIP; hit -> run native code (a fault
 * exit -> the recover policy); miss -> profile, ask the translate policy,
 * interpret.  The periodic policy runs between blocks. */
static void run_loop(struct cms *m, struct cms_result *res)
{
	for (;;) {
		policy_tick(m, chip_cycles(m->chip));
		if (!reconfig_budget(m))
			reconfig_tick(m);
		if (m->faulty && faults_tick(m, res))
			return;
		uint32_t eip = m->xr[X86_EIP];
		m->st.block_entries++;
		int id = dispatch(m, eip);
		if (id < 0 && reconfig_wants_blocks(m))
			reconfig_note_block(m, eip);
		if (id >= 0 ? run_native(m, id, res) : interp_block(m, res, id == -2))
			return;
	}
}

void cms_run(struct cms *m, struct cms_result *res)
{
	memset(res, 0, sizeof *res);
	m->faulty = chip_faults_scheduled(m->chip) || m->cfg.bist_interval;
	trace_begin(m);
	run_loop(m, res);
	reconfig_finish(m);
	m->st.fault_injected = chip_fault_events(m->chip);
	m->st.fault_first_injection = chip_fault_first_cycle(m->chip);
}
