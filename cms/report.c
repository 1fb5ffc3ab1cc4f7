/* cms/report.c — what a run did, for people (--stats) and for scripts
 * (--stats-json, through libjansson).  Cycles are split by firmware
 * activity; the chip's own counters (caches, stalls) follow.  The
 * firmware's statistics are the rows of cms/stats.def: the JSON is written
 * from the table, the text reads the same storage (m->st). */
#include "cms/cms_priv.h"
#include "hw-sim/energy.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static double pct(uint64_t a, uint64_t b) { return b ? 100.0 * (double)a / (double)b : 0.0; }

static uint64_t native_cycles(const struct cms *m)
{
	return chip_cycles(m->chip) - chip_counter(m->chip, CNT_firmware_cycles);
}

static void cache_line(FILE *out, const char *name, uint64_t hits, uint64_t misses, uint64_t evict, uint64_t wb)
{
	fprintf(out, "  %-4s %14" PRIu64 " hits %12" PRIu64 " misses (%5.2f%%) %10" PRIu64 " evictions %10" PRIu64
		" writebacks\n", name, hits, misses, pct(misses, hits + misses), evict, wb);
}

/* The operations the interpreter ran most: in translate mode, what keeps
 * code out of translation (an unsupported form stops a region). */
static void print_top_interpreted(const struct cms *m, FILE *out)
{
	enum { TOP = 8 };
	unsigned top[TOP], n = 0;
	for (unsigned op = 0; op < X86_OP_COUNT; op++) {
		if (!m->st.interp_by_op[op])
			continue;
		unsigned k = n < TOP ? n++ : TOP;
		while (k > 0 && m->st.interp_by_op[top[k - 1]] < m->st.interp_by_op[op]) {
			if (k < TOP)
				top[k] = top[k - 1];
			k--;
		}
		if (k < TOP)
			top[k] = op;
	}
	if (!n)
		return;
	fprintf(out, "interpreted most:");
	for (unsigned i = 0; i < n; i++)
		fprintf(out, "%s %s %" PRIu64 " (%.1f%%)", i ? "," : "", x86_op_name((enum x86_op)top[i]),
			m->st.interp_by_op[top[i]], pct(m->st.interp_by_op[top[i]], m->st.interp_insns));
	fputc('\n', out);
}

static void print_energy(const struct cms *m, FILE *out);

void cms_print_stats(const struct cms *m, FILE *out)
{
	const struct chip *c = m->chip;
	uint64_t cyc = chip_cycles(c);
	fprintf(out, "== cdvm: %s on %s, mode %s\n", m->prog_name, m->cfg.name, cms_mode_name(m->mode));
	uint64_t gi = cms_guest_insns(m);
	fprintf(out, "guest instructions %16" PRIu64 "  (interpreted %" PRIu64 ", translated %" PRIu64
		"; rep iterations %" PRIu64 ", dispatcher entries %" PRIu64 ")\n",
		gi, m->st.interp_insns, gi - m->st.interp_insns, m->st.rep_iterations, m->st.block_entries);
	fprintf(out, "simulated cycles   %16" PRIu64 "  x86 instructions per cycle %.4f, cycles per instruction %.2f\n",
		cyc, cyc ? (double)gi / (double)cyc : 0.0, gi ? (double)cyc / (double)gi : 0.0);
	fprintf(out, "cycles by activity\n");
	fprintf(out, "  interpreter      %16" PRIu64 "  %5.1f%%\n", m->st.act_cycles[ACT_INTERP], pct(m->st.act_cycles[ACT_INTERP], cyc));
	fprintf(out, "  translator       %16" PRIu64 "  %5.1f%%\n", m->st.act_cycles[ACT_TRANSLATE], pct(m->st.act_cycles[ACT_TRANSLATE], cyc));
	if (m->mode == CMS_MODE_OPTIMIZE)
		fprintf(out, "  reoptimizer      %16" PRIu64 "  %5.1f%%\n", m->st.act_cycles[ACT_OPTIMIZE],
			pct(m->st.act_cycles[ACT_OPTIMIZE], cyc));
	if (m->st.act_cycles[ACT_RECOVER])
		fprintf(out, "  fault recovery   %16" PRIu64 "  %5.1f%%\n", m->st.act_cycles[ACT_RECOVER],
			pct(m->st.act_cycles[ACT_RECOVER], cyc));
	if (m->st.act_cycles[ACT_RECONFIG])
		fprintf(out, "  reconfiguration  %16" PRIu64 "  %5.1f%%\n", m->st.act_cycles[ACT_RECONFIG],
			pct(m->st.act_cycles[ACT_RECONFIG], cyc));
	fprintf(out, "  translated code  %16" PRIu64 "  %5.1f%%\n", native_cycles(m), pct(native_cycles(m), cyc));
	uint64_t other = m->st.act_cycles[ACT_DISPATCH] + m->st.act_cycles[ACT_SYSCALL] + m->st.act_cycles[ACT_MEMORY];
	fprintf(out, "  other            %16" PRIu64 "  %5.1f%%  (dispatch+profile %" PRIu64 ", syscalls %" PRIu64
		", memory management %" PRIu64 ")\n",
		other, pct(other, cyc), m->st.act_cycles[ACT_DISPATCH], m->st.act_cycles[ACT_SYSCALL],
		m->st.act_cycles[ACT_MEMORY]);
	const struct cms_stat_desc *cost = cms_stat_desc(CMS_STATROW_insn_by_cost);
	char cls[CMS_STAT_NAME_MAX];
	fprintf(out, "instructions by cost class:");
	for (unsigned i = 0; i < X86_COST_COUNT; i++)
		fprintf(out, " %s %" PRIu64, cms_stat_elem(cost, i, cls), m->st.insn_by_cost[i]);
	fputc('\n', out);
	print_top_interpreted(m, out);
	fprintf(out, "caches\n");
	cache_line(out, "L1I", chip_counter(c, CNT_l1i_hits), chip_counter(c, CNT_l1i_misses),
		   chip_counter(c, CNT_l1i_evictions), 0);
	cache_line(out, "L1D", chip_counter(c, CNT_l1d_hits), chip_counter(c, CNT_l1d_misses),
		   chip_counter(c, CNT_l1d_evictions), chip_counter(c, CNT_l1d_writebacks));
	cache_line(out, "L2", chip_counter(c, CNT_l2_hits), chip_counter(c, CNT_l2_misses),
		   chip_counter(c, CNT_l2_evictions), chip_counter(c, CNT_l2_writebacks));
	uint64_t th = chip_counter(c, CNT_tlb_hits), tm = chip_counter(c, CNT_tlb_misses);
	fprintf(out, "  TLB    %12" PRIu64 " hits %10" PRIu64 " misses (%5.2f%%), page walks %" PRIu64
		" cycles (native stalls %" PRIu64 ")\n",
		th, tm, pct(tm, th + tm), chip_counter(c, CNT_tlb_walk_cycles), chip_counter(c, CNT_stall_tlb));
	fprintf(out, "guest memory: %" PRIu64 " pages faulted in (%" PRIu64 " from translated code without interpreting), %"
		PRIu64 " KiB of guest RAM at most, %" PRIu64 " page tables\n",
		m->st.page_faults, m->st.native_page_ins, m->st.guest_frames_peak * (GUEST_PAGE / 1024), m->st.page_tables);
	uint64_t bundles = chip_counter(c, CNT_bundles), atoms = chip_counter(c, CNT_atoms);
	fprintf(out, "native code: %" PRIu64 " bundles, %" PRIu64 " atoms, slot fill %.1f%% of %lld, %" PRIu64
		" commits; stalls: operand %" PRIu64 ", icache %" PRIu64 ", dcache %" PRIu64 ", tlb %" PRIu64
		", branch %" PRIu64 "\n",
		bundles, atoms, bundles ? 100.0 * (double)atoms / ((double)bundles * (double)m->cfg.issue_width) : 0.0,
		(long long)m->cfg.issue_width, chip_counter(c, CNT_commits), chip_counter(c, CNT_stall_operand),
		chip_counter(c, CNT_stall_icache), chip_counter(c, CNT_stall_dcache), chip_counter(c, CNT_stall_tlb),
		chip_counter(c, CNT_stall_branch));
	fprintf(out, "rollbacks: %" PRIu64 " (memory %" PRIu64 ", divide %" PRIu64 ", alias %" PRIu64
		", store buffer %" PRIu64 ", illegal %" PRIu64 ", protection %" PRIu64 ", fault %" PRIu64 ")\n",
		chip_counter(c, CNT_rollbacks), chip_counter(c, CNT_rb_memory), chip_counter(c, CNT_rb_divide),
		chip_counter(c, CNT_rb_alias), chip_counter(c, CNT_rb_sb_overflow), chip_counter(c, CNT_rb_illegal),
		chip_counter(c, CNT_rb_protection), chip_counter(c, CNT_rb_fault));
	if (m->mode != CMS_MODE_INTERP)
		fprintf(out, "translations: %" PRIu64 " made (%" PRIu64 " x86 instructions, %" PRIu64
			" failed), %" PRIu64 " set aside by stores (%" PRIu64 " revalidated, %" PRIu64
			" invalidated), %" PRIu64 " evicted in %" PRIu64
			" flushes; %" PRIu64 " chains made, %" PRIu64 " undone; native runs %" PRIu64
			", exits to the dispatcher: direct %" PRIu64 ", indirect %" PRIu64 ", native lookup misses %" PRIu64
			"; recoveries by interpretation %" PRIu64 "%s\n",
			m->st.translations, m->st.translated_insns, m->st.failed_translations, m->st.smc_suspended,
			m->st.smc_revalidated, m->st.invalidated,
			m->st.evicted, m->st.flushes, m->st.chains, m->st.unchains, m->st.native_runs,
			m->st.exits_direct, m->st.exits_indirect, m->st.lookup_misses, m->st.recoveries,
			m->verify ? " (--verify: no chaining, no native lookup)" : "");
	if (m->mode == CMS_MODE_OPTIMIZE) {
		const struct cms_stats *t = &m->st;
		fprintf(out, "reoptimizer: %" PRIu64 " hot blocks, %" PRIu64 " regions (%" PRIu64 " x86 instructions, %.1f a "
			"region; %" PRIu64 " side exits; %" PRIu64 " loops, %" PRIu64 " unrolled copies, %" PRIu64 " if-converted branches, %" PRIu64 " operations removed by cse; %" PRIu64
			" protected loads, %" PRIu64 " stores under alarm), %" PRIu64 " failed; %" PRIu64
			" speculation rollbacks (%" PRIu64 " alias), %" PRIu64 " retranslated; %" PRIu64 " watched, %" PRIu64
			" branches over their promise, %" PRIu64 " made again; side exits to the dispatcher %" PRIu64 "\n",
			t->hot_exits, t->regions, t->region_insns,
			t->regions ? (double)t->region_insns / (double)t->regions : 0.0, t->region_sides, t->region_loops,
			t->region_unrolled, t->region_if_converted, t->region_cse_removed, t->region_spec_loads, t->region_spec_stores, t->region_failed,
			t->region_rollbacks, t->region_alias_rollbacks, t->region_retranslations, t->region_watches,
			t->region_over_promise, t->region_rewatched, t->side_exits_taken);
	}
	const struct cms_stats *t = &m->st;
	if (t->fault_injected || t->fault_detections || t->fault_selftests)
		fprintf(out, "faults: %" PRIu64 " injected (first at cycle %" PRIu64 "), %" PRIu64 " detected (first at cycle %"
			PRIu64 "), %" PRIu64 " corrected by ECC; %" PRIu64 " retries, %" PRIu64 " lines scrubbed, %" PRIu64
			" diagnoses, %" PRIu64 " self-tests (%" PRIu64 " cycles); isolated: %" PRIu64 " units, %" PRIu64
			" ways, %" PRIu64 " registers; %" PRIu64 " unrecoverable; recovery %" PRIu64 " cycles\n",
			t->fault_injected, t->fault_first_injection, t->fault_detections, t->fault_first_detection,
			chip_counter(c, CNT_faults_corrected), t->fault_retries, t->fault_scrubs, t->fault_diagnoses,
			t->fault_selftests, t->fault_selftest_cycles, t->fault_isolated_units, t->fault_isolated_ways,
			t->fault_isolated_registers, t->fault_unrecoverable, t->fault_recovery_cycles);
	if (m->verify)
		fprintf(out, "verify: %" PRIu64 " translated blocks checked against the interpreter\n", m->st.verify_blocks);
	fprintf(out, "profile: %" PRIu64 " blocks, %" PRIu64 " reached cms.translate_threshold (%lld)%s\n",
		m->st.profile_blocks, m->st.profile_hot, (long long)m->cfg.translate_threshold,
		m->st.profile_full ? ", table full for some blocks" : "");
	fprintf(out, "syscalls:");
	int any = 0;
	for (unsigned i = 0; i <= MAX_SYSCALL_NR; i++) {
		if (!m->st.syscalls[i])
			continue;
		const char *n = syscall_name(i);
		if (n)
			fprintf(out, " %s %" PRIu64 "%s", n, m->st.syscalls[i], syscall_emulated(i) ? "" : " (ENOSYS)");
		else if (i == MAX_SYSCALL_NR)
			fprintf(out, " nr>=%u %" PRIu64 " (ENOSYS)", MAX_SYSCALL_NR, m->st.syscalls[i]);
		else
			fprintf(out, " #%u %" PRIu64 " (ENOSYS)", i, m->st.syscalls[i]);
		any = 1;
	}
	fprintf(out, "%s\n", any ? "" : " none");
	fprintf(out, "hidden memory: translation cache %u KiB, firmware data %" PRIu64 " of %u KiB in use\n",
		m->hm.tcache.size / 1024, m->hm.fwdata.in_use / 1024, m->hm.fwdata.size / 1024);
	if (m->st.reconfig_intervals || strcmp(m->cfg.reconfig_policy, "off"))
		fprintf(out, "reconfiguration (%s, every %lld cycles): %" PRIu64 " intervals, %" PRIu64
			" mask changes, %" PRIu64 " ways switched off and %" PRIu64 " on, %" PRIu64
			" dirty lines written back; %" PRIu64 " phases, %" PRIu64 " phase changes\n",
			m->cfg.reconfig_policy, (long long)m->cfg.reconfig_interval, m->st.reconfig_intervals,
			m->st.reconfig_changes, m->st.reconfig_ways_off, m->st.reconfig_ways_on, m->st.reconfig_writebacks,
			m->st.reconfig_phases, m->st.reconfig_phase_changes);
	print_energy(m, out);
}

/* ---- energy ------------------------------------------------------------------ */

/* The run's energy and what follows from it at chip.clock_mhz. */
struct energy_view {
	struct chip_energy e;
	double seconds, power_mw, pj_per_insn, edp, ed2p;   /* EDP in J s, ED2P in J s^2 */
	double ways[3];                                     /* average ways on */
};

static void energy_view(const struct cms *m, struct energy_view *v)
{
	chip_energy(m->chip, &v->e);
	uint64_t cyc = chip_cycles(m->chip), gi = cms_guest_insns(m);
	v->seconds = (double)cyc / ((double)m->cfg.clock_mhz * 1e6);
	double joules = v->e.total_pj * 1e-12;
	v->power_mw = v->seconds > 0 ? joules / v->seconds * 1e3 : 0.0;
	v->pj_per_insn = gi ? v->e.total_pj / (double)gi : 0.0;
	v->edp = joules * v->seconds;
	v->ed2p = v->edp * v->seconds;
	for (unsigned i = 0; i < 3; i++)
		v->ways[i] = cyc ? (double)v->e.way_cycles[i] / (double)cyc : 0.0;
}

static void print_energy(const struct cms *m, FILE *out)
{
	struct energy_view v;
	energy_view(m, &v);
	fprintf(out, "energy: %.1f nJ (dynamic %.1f, leakage %.1f; caches %.1f = %.1f%%), %.2f mW average at %lld MHz, "
		"%.1f pJ per x86 instruction, EDP %.4g J s, ED2P %.4g J s^2\n",
		v.e.total_pj / 1e3, v.e.dynamic_pj / 1e3, v.e.static_pj / 1e3, v.e.cache_pj / 1e3,
		pct((uint64_t)v.e.cache_pj, (uint64_t)v.e.total_pj), v.power_mw, (long long)m->cfg.clock_mhz, v.pj_per_insn,
		v.edp, v.ed2p);
	for (unsigned p = 0; p < EP_COUNT; p++)
		fprintf(out, "  %-22s %14.1f nJ  %5.1f%%\n", energy_part_names[p], v.e.pj[p] / 1e3,
			v.e.total_pj > 0 ? 100.0 * v.e.pj[p] / v.e.total_pj : 0.0);
	fprintf(out, "  ways enabled on average: L1I %.2f of %lld, L1D %.2f of %lld, L2 %.2f of %lld\n", v.ways[0],
		(long long)m->cfg.l1i_ways, v.ways[1], (long long)m->cfg.l1d_ways, v.ways[2], (long long)m->cfg.l2_ways);
}

/* ---- --stats-json ---------------------------------------------------------- */

json_t *cms_json_text(const char *s)
{
	json_t *j = json_string(s);
	if (j)
		return j;
	/* not UTF-8 (a file name, say): the bytes that are not ASCII become '?' */
	char *t = strdup(s);
	if (!t)
		return NULL;
	for (char *p = t; *p; p++)
		if ((unsigned char)*p >= 0x80)
			*p = '?';
	j = json_string(t);
	free(t);
	return j;
}

static int set_u64(json_t *obj, const char *key, uint64_t v)
{
	return json_object_set_new(obj, key, json_integer((json_int_t)v));
}

/* obj["a"]["b"] = v for key "a.b" (the objects on the way made as needed). */
static int set_path(json_t *obj, const char *key, json_t *v)
{
	const char *dot = strchr(key, '.');
	if (!dot)
		return json_object_set_new(obj, key, v);
	char head[CMS_STAT_NAME_MAX];
	snprintf(head, sizeof head, "%.*s", (int)(dot - key), key);
	json_t *sub = json_object_get(obj, head);
	if (!sub && json_object_set_new(obj, head, sub = json_object()))
		sub = NULL;
	if (!json_is_object(sub)) {
		json_decref(v);
		return -1;
	}
	return set_path(sub, dot + 1, v);
}

/* syscalls_by_name: the counts of "syscalls" under the names of
 * cms/syscalls.def ("#NR" for a number without a row, "#512+" beyond). */
static int put_syscall_names(const struct cms *m, json_t *o)
{
	json_t *a = json_object();
	int rc = a ? 0 : -1;
	for (unsigned i = 0; a && i <= MAX_SYSCALL_NR; i++) {
		if (!m->st.syscalls[i])
			continue;
		char num[16];
		const char *n = syscall_name(i);
		if (!n)
			snprintf(num, sizeof num, "#%u%s", i, i < MAX_SYSCALL_NR ? "" : "+");
		rc |= set_u64(a, n ? n : num, m->st.syscalls[i]);
	}
	return rc | json_object_set_new(o, "syscalls_by_name", a);
}

/* Every row of cms/stats.def under its key. */
static int put_stats(const struct cms *m, json_t *o)
{
	const uint64_t *const field[CMS_STAT_ROWS] = {
#define CMS_STAT(name, key, unit, doc) &m->st.name,
#define CMS_STAT_ARRAY(name, len, key, column, dense, sweep, unit, doc) m->st.name,
#include "cms/stats.def"
	};
	int rc = 0;
	for (unsigned i = 0; i < CMS_STAT_ROWS; i++) {
		const struct cms_stat_desc *d = cms_stat_desc(i);
		const uint64_t *v = field[i];
		if (!d->len) {
			rc |= set_path(o, d->key, json_integer((json_int_t)*v));
			continue;
		}
		json_t *a = json_object();
		char e[CMS_STAT_NAME_MAX];
		for (unsigned k = 0; a && k < d->len; k++)
			if (d->dense || v[k])
				rc |= set_u64(a, cms_stat_elem(d, k, e), v[k]);
		if (a && i == CMS_STATROW_act_cycles)
			rc |= set_u64(a, "translated_code", native_cycles(m));
		rc |= set_path(o, d->key, a);
	}
	return rc | put_syscall_names(m, o);
}

/* "energy": totals, derived figures, one entry per component, average ways. */
static int put_energy(const struct cms *m, json_t *o)
{
	struct energy_view v;
	energy_view(m, &v);
	json_t *e = json_object(), *parts = json_object(), *ways = json_object();
	int rc = e && parts && ways ? 0 : -1;
	rc |= json_object_set_new(e, "total_nj", json_real(v.e.total_pj / 1e3));
	rc |= json_object_set_new(e, "dynamic_nj", json_real(v.e.dynamic_pj / 1e3));
	rc |= json_object_set_new(e, "static_nj", json_real(v.e.static_pj / 1e3));
	rc |= json_object_set_new(e, "cache_nj", json_real(v.e.cache_pj / 1e3));
	rc |= json_object_set_new(e, "average_power_mw", json_real(v.power_mw));
	rc |= json_object_set_new(e, "per_x86_instruction_pj", json_real(v.pj_per_insn));
	rc |= json_object_set_new(e, "edp_j_s", json_real(v.edp));
	rc |= json_object_set_new(e, "ed2p_j_s2", json_real(v.ed2p));
	for (unsigned p = 0; p < EP_COUNT; p++) {
		char key[64];
		snprintf(key, sizeof key, "%s_nj", energy_part_names[p]);
		rc |= json_object_set_new(parts, key, json_real(v.e.pj[p] / 1e3));
	}
	static const char *const names[3] = {"l1i", "l1d", "l2"};
	for (unsigned i = 0; i < 3; i++)
		rc |= json_object_set_new(ways, names[i], json_real(v.ways[i]));
	rc |= json_object_set_new(e, "components", parts);
	rc |= json_object_set_new(e, "average_ways", ways);
	return rc | json_object_set_new(o, "energy", e);
}

static json_t *stats_json(const struct cms *m, const struct cms_result *res)
{
	const struct chip *c = m->chip;
	json_t *o = json_object(), *cnt = json_object();
	if (!o || !cnt) {
		json_decref(o);
		json_decref(cnt);
		return NULL;
	}
	int rc = json_object_set_new(o, "program", cms_json_text(m->prog_name));
	rc |= json_object_set_new(o, "config", cms_json_text(m->cfg.name));
	rc |= json_object_set_new(o, "mode", json_string(cms_mode_name(m->mode)));
	if (res) {
		static const char *const ends[] = {"exit", "signal", "cycle_limit", "internal", "unrecoverable"};
		rc |= json_object_set_new(o, "end", json_string(ends[res->end]));
		rc |= json_object_set_new(o, "status", json_integer(res->status));
		rc |= json_object_set_new(o, "text", cms_json_text(res->text));
	}
	uint64_t cyc = chip_cycles(c), gi = cms_guest_insns(m);
	rc |= set_u64(o, "guest_instructions", gi);
	rc |= set_u64(o, "cycles", cyc);
	rc |= json_object_set_new(o, "x86_ipc", json_real(cyc ? (double)gi / (double)cyc : 0.0));
	rc |= put_stats(m, o);
	for (int i = 0; i < CNT_COUNT; i++)
		rc |= set_u64(cnt, chip_counter_name((enum counter_id)i), chip_counter(c, (enum counter_id)i));
	rc |= json_object_set_new(o, "counters", cnt);
	rc |= put_energy(m, o);
	if (rc) {
		json_decref(o);
		return NULL;
	}
	return o;
}

int cms_write_stats_json(const struct cms *m, const struct cms_result *res, FILE *out)
{
	json_t *o = stats_json(m, res);
	int rc = o ? json_dumpf(o, out, JSON_INDENT(2) | JSON_REAL_PRECISION(CMS_JSON_REAL_DIGITS)) : -1;
	json_decref(o);
	if (!rc && fputc('\n', out) == EOF)
		rc = -1;
	return rc;
}
