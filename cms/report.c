/* cms/report.c — what a run did, for people (--stats) and for scripts
 * (--stats-json).  Cycles are split by firmware activity; the chip's own
 * counters (caches, stalls) follow. */
#include "cms/cms_priv.h"

#include <inttypes.h>
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
		if (!m->interp_by_op[op])
			continue;
		unsigned k = n < TOP ? n++ : TOP;
		while (k > 0 && m->interp_by_op[top[k - 1]] < m->interp_by_op[op]) {
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
			m->interp_by_op[top[i]], pct(m->interp_by_op[top[i]], m->guest_insns));
	fputc('\n', out);
}

void cms_print_stats(const struct cms *m, FILE *out)
{
	const struct chip *c = m->chip;
	uint64_t cyc = chip_cycles(c);
	fprintf(out, "== cdvm: %s on %s, mode %s\n", m->prog_name, m->cfg.name, cms_mode_name(m->mode));
	uint64_t gi = cms_guest_insns(m);
	fprintf(out, "guest instructions %16" PRIu64 "  (interpreted %" PRIu64 ", translated %" PRIu64
		"; rep iterations %" PRIu64 ", dispatcher entries %" PRIu64 ")\n",
		gi, m->guest_insns, gi - m->guest_insns, m->rep_iterations, m->block_entries);
	fprintf(out, "simulated cycles   %16" PRIu64 "  x86 instructions per cycle %.4f, cycles per instruction %.2f\n",
		cyc, cyc ? (double)gi / (double)cyc : 0.0, gi ? (double)cyc / (double)gi : 0.0);
	fprintf(out, "cycles by activity\n");
	fprintf(out, "  interpreter      %16" PRIu64 "  %5.1f%%\n", m->act_cycles[ACT_INTERP], pct(m->act_cycles[ACT_INTERP], cyc));
	fprintf(out, "  translator       %16" PRIu64 "  %5.1f%%\n", m->act_cycles[ACT_TRANSLATE], pct(m->act_cycles[ACT_TRANSLATE], cyc));
	fprintf(out, "  translated code  %16" PRIu64 "  %5.1f%%\n", native_cycles(m), pct(native_cycles(m), cyc));
	uint64_t other = m->act_cycles[ACT_DISPATCH] + m->act_cycles[ACT_SYSCALL];
	fprintf(out, "  other            %16" PRIu64 "  %5.1f%%  (dispatch+profile %" PRIu64 ", syscalls %" PRIu64 ")\n",
		other, pct(other, cyc), m->act_cycles[ACT_DISPATCH], m->act_cycles[ACT_SYSCALL]);
	static const char *const cls[] = {"alu", "mem", "branch", "muldiv", "string", "complex", "syscall"};
	fprintf(out, "instructions by cost class:");
	for (unsigned i = 0; i <= X86_COST_SYSCALL; i++)
		fprintf(out, " %s %" PRIu64, cls[i], m->insn_by_cost[i]);
	fputc('\n', out);
	print_top_interpreted(m, out);
	fprintf(out, "caches\n");
	cache_line(out, "L1I", chip_counter(c, CNT_l1i_hits), chip_counter(c, CNT_l1i_misses),
		   chip_counter(c, CNT_l1i_evictions), 0);
	cache_line(out, "L1D", chip_counter(c, CNT_l1d_hits), chip_counter(c, CNT_l1d_misses),
		   chip_counter(c, CNT_l1d_evictions), chip_counter(c, CNT_l1d_writebacks));
	cache_line(out, "L2", chip_counter(c, CNT_l2_hits), chip_counter(c, CNT_l2_misses),
		   chip_counter(c, CNT_l2_evictions), chip_counter(c, CNT_l2_writebacks));
	uint64_t bundles = chip_counter(c, CNT_bundles), atoms = chip_counter(c, CNT_atoms);
	fprintf(out, "native code: %" PRIu64 " bundles, %" PRIu64 " atoms, slot fill %.1f%% of %lld, %" PRIu64
		" commits; stalls: operand %" PRIu64 ", icache %" PRIu64 ", dcache %" PRIu64 ", branch %" PRIu64 "\n",
		bundles, atoms, bundles ? 100.0 * (double)atoms / ((double)bundles * (double)m->cfg.issue_width) : 0.0,
		(long long)m->cfg.issue_width, chip_counter(c, CNT_commits), chip_counter(c, CNT_stall_operand),
		chip_counter(c, CNT_stall_icache), chip_counter(c, CNT_stall_dcache), chip_counter(c, CNT_stall_branch));
	fprintf(out, "rollbacks: %" PRIu64 " (memory %" PRIu64 ", divide %" PRIu64 ", alias %" PRIu64
		", store buffer %" PRIu64 ", illegal %" PRIu64 ", protection %" PRIu64 ", fault %" PRIu64 ")\n",
		chip_counter(c, CNT_rollbacks), chip_counter(c, CNT_rb_memory), chip_counter(c, CNT_rb_divide),
		chip_counter(c, CNT_rb_alias), chip_counter(c, CNT_rb_sb_overflow), chip_counter(c, CNT_rb_illegal),
		chip_counter(c, CNT_rb_protection), chip_counter(c, CNT_rb_fault));
	if (m->mode != CMS_MODE_INTERP)
		fprintf(out, "translations: %" PRIu64 " made (%" PRIu64 " x86 instructions, %" PRIu64
			" failed), %" PRIu64 " invalidated by stores, %" PRIu64 " evicted in %" PRIu64
			" flushes; %" PRIu64 " chains made, %" PRIu64 " undone; native runs %" PRIu64
			", exits to the dispatcher: direct %" PRIu64 ", indirect %" PRIu64 ", native lookup misses %" PRIu64
			"; recoveries by interpretation %" PRIu64 "%s\n",
			m->st_translations, m->st_translated_insns, m->st_failed_translations, m->st_invalidated,
			m->st_evicted, m->st_flushes, m->st_chains, m->st_unchains, m->st_native_runs,
			m->st_exits_direct, m->st_exits_indirect, m->st_lookup_misses, m->st_recoveries,
			m->verify ? " (--verify: no chaining, no native lookup)" : "");
	if (m->verify)
		fprintf(out, "verify: %" PRIu64 " translated blocks checked against the interpreter\n", m->verify_blocks);
	fprintf(out, "profile: %" PRIu64 " blocks, %" PRIu64 " reached cms.translate_threshold (%lld)%s\n",
		m->profile_blocks, m->profile_hot, (long long)m->cfg.translate_threshold,
		m->profile_full ? ", table full for some blocks" : "");
	fprintf(out, "syscalls:");
	int any = 0;
	for (unsigned i = 0; i <= MAX_SYSCALL_NR; i++) {
		if (!m->syscalls[i])
			continue;
		const char *n = i < MAX_SYSCALL_NR ? syscall_name(i) : NULL;
		if (n)
			fprintf(out, " %s %" PRIu64, n, m->syscalls[i]);
		else if (i == MAX_SYSCALL_NR)
			fprintf(out, " nr>=%u %" PRIu64 " (ENOSYS)", MAX_SYSCALL_NR, m->syscalls[i]);
		else
			fprintf(out, " #%u %" PRIu64 " (ENOSYS)", i, m->syscalls[i]);
		any = 1;
	}
	fprintf(out, "%s\n", any ? "" : " none");
	fprintf(out, "hidden memory: translation cache %u KiB, firmware data %" PRIu64 " of %u KiB in use\n",
		m->hm.tcache.size / 1024, m->hm.fwdata.in_use / 1024, m->hm.fwdata.size / 1024);
}

void cms_json_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			fprintf(out, "\\%c", ch);
		else if (ch < 0x20)
			fprintf(out, "\\u%04x", ch);
		else
			fputc(ch, out);
	}
	fputc('"', out);
}

void cms_write_stats_json(const struct cms *m, const struct cms_result *res, FILE *out)
{
	const struct chip *c = m->chip;
	fputs("{\n  \"program\": ", out);
	cms_json_string(out, m->prog_name);
	fputs(",\n  \"config\": ", out);
	cms_json_string(out, m->cfg.name);
	fprintf(out, ",\n  \"mode\": \"%s\",\n", cms_mode_name(m->mode));
	if (res) {
		static const char *const ends[] = {"exit", "signal", "cycle_limit", "internal"};
		fprintf(out, "  \"end\": \"%s\",\n  \"status\": %d,\n  \"text\": ", ends[res->end], res->status);
		cms_json_string(out, res->text);
		fputs(",\n", out);
	}
	uint64_t cyc = chip_cycles(c);
	uint64_t gi = cms_guest_insns(m);
	fprintf(out, "  \"guest_instructions\": %" PRIu64 ",\n  \"interpreted_instructions\": %" PRIu64
		",\n  \"rep_iterations\": %" PRIu64 ",\n"
		"  \"block_entries\": %" PRIu64 ",\n  \"cycles\": %" PRIu64 ",\n  \"x86_ipc\": %.6f,\n",
		gi, m->guest_insns, m->rep_iterations, m->block_entries, cyc, cyc ? (double)gi / (double)cyc : 0.0);
	fprintf(out, "  \"translations\": %" PRIu64 ",\n  \"translated_instructions\": %" PRIu64
		",\n  \"translations_failed\": %" PRIu64 ",\n  \"translations_invalidated\": %" PRIu64
		",\n  \"translations_evicted\": %" PRIu64 ",\n  \"tcache_flushes\": %" PRIu64
		",\n  \"chains\": %" PRIu64 ",\n  \"unchains\": %" PRIu64 ",\n  \"native_runs\": %" PRIu64
		",\n  \"exits_direct\": %" PRIu64 ",\n  \"exits_indirect\": %" PRIu64 ",\n  \"lookup_misses\": %" PRIu64
		",\n  \"recoveries\": %" PRIu64
		",\n  \"verified_blocks\": %" PRIu64 ",\n",
		m->st_translations, m->st_translated_insns, m->st_failed_translations, m->st_invalidated, m->st_evicted,
		m->st_flushes, m->st_chains, m->st_unchains, m->st_native_runs, m->st_exits_direct, m->st_exits_indirect,
		m->st_lookup_misses, m->st_recoveries, m->verify_blocks);
	fprintf(out, "  \"cycles_by_activity\": {\"interpreter\": %" PRIu64 ", \"translator\": %" PRIu64
		", \"translated_code\": %" PRIu64 ", \"dispatch\": %" PRIu64 ", \"syscalls\": %" PRIu64 "},\n",
		m->act_cycles[ACT_INTERP], m->act_cycles[ACT_TRANSLATE], native_cycles(m), m->act_cycles[ACT_DISPATCH],
		m->act_cycles[ACT_SYSCALL]);
	fprintf(out, "  \"profile\": {\"blocks\": %" PRIu64 ", \"hot\": %" PRIu64 ", \"full\": %" PRIu64 "},\n",
		m->profile_blocks, m->profile_hot, m->profile_full);
	fputs("  \"interpreted_by_op\": {", out);
	int first = 1;
	for (unsigned op = 0; op < X86_OP_COUNT; op++) {
		if (!m->interp_by_op[op])
			continue;
		fprintf(out, "%s\"%s\": %" PRIu64, first ? "" : ", ", x86_op_name((enum x86_op)op), m->interp_by_op[op]);
		first = 0;
	}
	fputs("},\n  \"syscalls\": {", out);
	first = 1;
	for (unsigned i = 0; i <= MAX_SYSCALL_NR; i++) {
		if (!m->syscalls[i])
			continue;
		fprintf(out, "%s\"%u\": %" PRIu64, first ? "" : ", ", i, m->syscalls[i]);
		first = 0;
	}
	fprintf(out, "},\n  \"enosys\": %" PRIu64 ",\n  \"counters\": {\n", m->enosys);
	for (int i = 0; i < CNT_COUNT; i++)
		fprintf(out, "    \"%s\": %" PRIu64 "%s\n", chip_counter_name((enum counter_id)i),
			chip_counter(c, (enum counter_id)i), i + 1 < CNT_COUNT ? "," : "");
	fputs("  }\n}\n", out);
}
