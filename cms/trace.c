/* cms/trace.c — `cdvm run --trace FILE`: where simulated time went, as a
 * timeline in the Chrome trace-event JSON Object Format, which Perfetto's
 * UI and chrome://tracing open (docs/trace.md).
 *
 * The timeline is tiled by the firmware's activities and translated code.
 * cms_charge calls trace_charge before the chip's clock moves: the cycles
 * since the last span ended ran native code (the chip executing bundles:
 * "translated_code", as in --stats-json), and [now, now + cycles) is the
 * activity.  Consecutive pieces of one kind make one span; consecutive
 * activities sit inside one "firmware" span, so the one track reads
 *
 *   | firmware                             | translated_code | firmware  ...
 *   | dispatch | interpreter | dispatch |..|                 | dispatch  ...
 *
 * Viewers nest complete ("X") events that start together in file order,
 * so a firmware span is written before the activities inside it: they are
 * held (pend) until it ends.  The counter tracks read the chip's counters
 * directly (an observation, not firmware work) at the first charge at or
 * after each multiple of the interval, at cms_run's start and at the end.
 * At most `limit` events are written; the budget always keeps room to
 * close the open spans, so a truncated trace is still tiled, from its
 * start to the cycle where it stopped.  Nothing here charges cycles or
 * changes the machine: --stats-json is the same with and without --trace.
 *
 *   cms_set_trace_json(m, f, CMS_TRACE_INTERVAL, CMS_TRACE_LIMIT, err, n);
 *   cms_load_elf(m, ...);             // the loader's page faults, in order
 *   cms_run(m, &res);                 // writes from here on
 *   cms_finish_trace_json(m);         // last spans, last sample, otherData
 */
#include "cms/cms_priv.h"

#include <jansson.h>
#include <stdlib.h>

/* A span's kind: an activity (enum cms_activity), native code, the
 * firmware span around activities; or none. */
enum { K_NATIVE = ACT_COUNT, K_FIRMWARE, K_KINDS, K_NONE = K_KINDS };

struct span {
	uint64_t start, end;
	unsigned kind;
};

/* The counter tracks, in the viewer's order: x86 instructions retired
 * (cms_guest_insns: interpreted, and retired by translated code), then
 * chip counters by id. */
#define X86_RETIRED CNT_COUNT
static const enum counter_id tracks[] = {X86_RETIRED, CNT_bundles, CNT_l1i_misses, CNT_l1d_misses,
					 CNT_l2_misses, CNT_tlb_misses, CNT_rollbacks};
enum { NTRACKS = sizeof tracks / sizeof *tracks };

/* An event written many times: made once, its numbers set before each
 * write, so a span costs no allocation.  ts, dur (spans only) and the
 * number in args are ev's. */
struct tmpl {
	json_t *ev, *ts, *dur, *n;
};

struct trace {
	struct cms *m;
	FILE *out;
	double mhz;
	uint64_t interval, limit;
	uint64_t next_sample, sampled_at;
	uint64_t written;       /* events written (the naming events are not counted) */
	uint64_t last;          /* the timeline is tiled up to here */
	unsigned kind;          /* the open span: its kind and start (it ends at last) */
	uint64_t start;
	uint64_t fw_start;      /* the open firmware span's start (kind is an activity) */
	struct span *pend;      /* the closed activities of the open firmware span */
	size_t npend, cappend;
	bool begun, full, err;
	uint64_t stop;          /* full: the cycle where the timeline stopped */
	struct tmpl span[K_KINDS], counter[NTRACKS];
};

static bool is_act(unsigned kind) { return kind < ACT_COUNT; }
static double us(const struct trace *t, uint64_t cycles) { return (double)cycles / t->mhz; }

/* Events written plus those the open spans will need when they close. */
static uint64_t committed(const struct trace *t)
{
	return t->written + t->npend + (t->kind != K_NONE) + is_act(t->kind);
}

/* Room for n more events; else the timeline stops where it is tiled to. */
static bool room(struct trace *t, uint64_t n)
{
	if (!t->full && committed(t) + n <= t->limit)
		return true;
	if (!t->full) {
		t->full = true;
		t->stop = t->last;
	}
	return false;
}

/* ---- writing ---------------------------------------------------------------- */

static void put(struct trace *t, const char *s)
{
	if (fputs(s, t->out) == EOF)
		t->err = true;
}

enum { DUMP_FLAGS = JSON_COMPACT | JSON_REAL_PRECISION(CMS_JSON_REAL_DIGITS) };

/* v (taken) */
static void write_json(struct trace *t, json_t *v)
{
	if (!v || json_dumpf(v, t->out, DUMP_FLAGS))
		t->err = true;
	json_decref(v);
}

static void name_event(struct trace *t, const char *what, const char *name)
{
	write_json(t, json_pack("{s:s, s:s, s:i, s:i, s:{s:o?}}", "name", what, "ph", "M", "pid", 1, "tid", 1,
				"args", "name", cms_json_text(name)));
}

/* The file's head and the naming events: cms_run starts (nothing is
 * written before; native code run before it would start the file too). */
static void begin(struct trace *t)
{
	struct cms *m = t->m;
	char proc[sizeof m->prog_name + 128];
	t->begun = true;
	put(t, "{\"traceEvents\":[\n");
	snprintf(proc, sizeof proc, "cdvm: %s on %s, mode %s", m->prog_name, m->cfg.name, cms_mode_name(m->mode));
	name_event(t, "process_name", proc);
	put(t, ",\n");
	name_event(t, "thread_name", "firmware and translated code");
}

/* One event of the timeline (counted); ev is taken. */
static void emit(struct trace *t, json_t *ev)
{
	if (!t->begun)
		begin(t);
	t->written++;
	put(t, ",\n");   /* after the naming events */
	write_json(t, ev);
}

/* A template's event, its numbers set: one write, after the separator. */
static void emit_tmpl(struct trace *t, const struct tmpl *tp, uint64_t at, uint64_t n)
{
	char buf[256] = ",\n";
	if (!t->begun)
		begin(t);
	t->written++;
	json_real_set(tp->ts, us(t, at));
	json_integer_set(tp->n, (json_int_t)n);
	if (tp->dur)
		json_real_set(tp->dur, us(t, n));
	size_t len = json_dumpb(tp->ev, buf + 2, sizeof buf - 2, DUMP_FLAGS);
	if (len && len <= sizeof buf - 2) {
		if (fwrite(buf, 1, len + 2, t->out) != len + 2)
			t->err = true;
		return;
	}
	put(t, ",\n");
	write_json(t, json_incref(tp->ev));
}

static void write_span(struct trace *t, unsigned kind, uint64_t s, uint64_t e)
{
	emit_tmpl(t, &t->span[kind], s, e - s);
}

/* The open firmware span, ending at e, then the activities inside it. */
static void write_firmware(struct trace *t, uint64_t e)
{
	write_span(t, K_FIRMWARE, t->fw_start, e);
	for (size_t i = 0; i < t->npend; i++)
		write_span(t, t->pend[i].kind, t->pend[i].start, t->pend[i].end);
	t->npend = 0;
}

static void hold(struct trace *t, unsigned kind, uint64_t s, uint64_t e)
{
	if (t->npend == t->cappend) {
		size_t cap = t->cappend ? 2 * t->cappend : 256;
		struct span *p = realloc(t->pend, cap * sizeof *p);
		if (!p) {
			t->err = true;
			return;
		}
		t->pend = p;
		t->cappend = cap;
	}
	t->pend[t->npend++] = (struct span){s, e, kind};
}

/* The open span ends at last: native code is written, an activity held
 * for its firmware span. */
static void close_open(struct trace *t)
{
	if (t->kind == K_NATIVE)
		write_span(t, K_NATIVE, t->start, t->last);
	else if (is_act(t->kind))
		hold(t, t->kind, t->start, t->last);
}

/* [s, e) of kind, s being where the timeline is tiled to. */
static void piece(struct trace *t, unsigned kind, uint64_t s, uint64_t e)
{
	if (t->full || e == s)
		return;
	unsigned old = t->kind;
	if (kind != old) {
		bool opens_firmware = is_act(kind) && !is_act(old);
		if (!room(t, 1 + opens_firmware))
			return;
		close_open(t);
		if (is_act(old) && !is_act(kind))
			write_firmware(t, s);
		if (opens_firmware)
			t->fw_start = s;
		t->kind = kind;
		t->start = s;
	}
	t->last = e;
}

static uint64_t track_value(const struct cms *m, enum counter_id id)
{
	return id == X86_RETIRED ? cms_guest_insns(m) : chip_counter(m->chip, id);
}

static void sample(struct trace *t, uint64_t now)
{
	if (t->sampled_at == now || !room(t, NTRACKS))
		return;
	t->sampled_at = now;
	for (unsigned i = 0; i < NTRACKS; i++)
		emit_tmpl(t, &t->counter[i], now, track_value(t->m, tracks[i]));
}

/* The chip ran native code since the timeline's end; a sample if one is due. */
static void catch_up(struct trace *t, uint64_t now)
{
	piece(t, K_NATIVE, t->last, now);
	if (t->begun && now >= t->next_sample) {
		sample(t, now);
		t->next_sample = (now / t->interval + 1) * t->interval;
	}
}

/* ---- the firmware's side ---------------------------------------------------- */

void trace_charge(struct cms *m, enum cms_activity a, uint64_t cycles)
{
	struct trace *t = m->tr;
	uint64_t now = chip_cycles(m->chip);
	catch_up(t, now);
	piece(t, a, now, now + cycles);
}

void trace_begin(struct cms *m)
{
	struct trace *t = m->tr;
	if (!t)
		return;
	if (!t->begun)
		begin(t);
	sample(t, chip_cycles(m->chip));
}

void trace_instant(struct cms *m, const char *name, const char *detail)
{
	struct trace *t = m->tr;
	if (!t || !t->begun)
		return;
	uint64_t now = chip_cycles(m->chip);
	catch_up(t, now);
	if (!room(t, 1))
		return;
	emit(t, json_pack("{s:s, s:s, s:s, s:f, s:i, s:i, s:{s:o?, s:I}}", "name", name, "ph", "i", "s", "p", "ts",
			  us(t, now), "pid", 1, "tid", 1, "args", "detail", detail ? cms_json_text(detail) : NULL,
			  "cycle", (json_int_t)now));
}

void trace_counters(struct cms *m)
{
	struct trace *t = m->tr;
	if (!t || !t->begun)
		return;
	uint64_t now = chip_cycles(m->chip);
	catch_up(t, now);
	sample(t, now);
}

void trace_free(struct cms *m)
{
	struct trace *t = m->tr;
	if (!t)
		return;
	for (unsigned k = 0; k < K_KINDS; k++)
		json_decref(t->span[k].ev);
	for (unsigned i = 0; i < NTRACKS; i++)
		json_decref(t->counter[i].ev);
	free(t->pend);
	free(t);
	m->tr = NULL;
}

/* ---- the public side -------------------------------------------------------- */

static int make_tmpl(struct tmpl *tp, json_t *ev, const char *arg)
{
	*tp = (struct tmpl){ev, json_object_get(ev, "ts"), json_object_get(ev, "dur"),
			    json_object_get(json_object_get(ev, "args"), arg)};
	return tp->ts && tp->n ? 0 : -1;
}

/* A span of each kind (an activity's name is its --stats-json key in
 * cycles_by_activity; native code is translated_code, as there), and a
 * counter sample of each track. */
static int make_templates(struct trace *t)
{
	const struct cms_stat_desc *acts = cms_stat_desc(CMS_STATROW_act_cycles);
	int rc = 0;
	for (unsigned k = 0; k < K_KINDS; k++) {
		char buf[CMS_STAT_NAME_MAX];
		const char *name = k == K_NATIVE ? "translated_code" : k == K_FIRMWARE ? "firmware"
				 : cms_stat_elem(acts, k, buf);
		rc |= make_tmpl(&t->span[k], json_pack("{s:s, s:s, s:f, s:f, s:i, s:i, s:{s:I}}", "name", name, "ph", "X",
						       "ts", 0.0, "dur", 0.0, "pid", 1, "tid", 1, "args", "cycles",
						       (json_int_t)0), "cycles");
	}
	for (unsigned i = 0; i < NTRACKS; i++) {
		const char *name = tracks[i] == X86_RETIRED ? "x86_instructions" : chip_counter_name(tracks[i]);
		rc |= make_tmpl(&t->counter[i], json_pack("{s:s, s:s, s:f, s:i, s:{s:I}}", "name", name, "ph", "C", "ts",
							  0.0, "pid", 1, "args", "total", (json_int_t)0), "total");
	}
	return rc;
}

int cms_set_trace_json(struct cms *m, FILE *out, uint64_t interval, uint64_t limit, char *err, size_t errlen)
{
	trace_free(m);
	if (!out)
		return 0;
	if (!interval || !limit || interval > CMS_TRACE_MAX_INTERVAL || limit > CMS_TRACE_MAX_LIMIT) {
		snprintf(err, errlen, "trace: interval 1 to %llu cycles and limit 1 to %llu events expected",
			 (unsigned long long)CMS_TRACE_MAX_INTERVAL, (unsigned long long)CMS_TRACE_MAX_LIMIT);
		return -1;
	}
	struct trace *t = calloc(1, sizeof *t);
	if (!t) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	*t = (struct trace){.m = m, .out = out, .mhz = (double)m->cfg.clock_mhz, .interval = interval,
			    .limit = limit, .sampled_at = UINT64_MAX, .kind = K_NONE};
	m->tr = t;
	if (make_templates(t) < 0) {
		trace_free(m);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	/* work charged before (cms_create's: the reconfiguration firmware's
	 * first masks) opens the timeline, an activity at a time in the
	 * table's order, so that it is tiled from cycle 0 */
	for (unsigned a = 0; a < ACT_COUNT; a++)
		piece(t, a, t->last, t->last + m->st.act_cycles[a]);
	piece(t, K_NATIVE, t->last, chip_cycles(m->chip));
	return 0;
}

static json_t *other_data(const struct trace *t)
{
	const struct cms *m = t->m;
	json_t *o = json_pack("{s:o?, s:o?, s:s, s:I, s:s, s:I, s:I, s:I, s:I, s:b}", "program",
			      cms_json_text(m->prog_name), "config", cms_json_text(m->cfg.name), "mode",
			      cms_mode_name(m->mode), "clock_mhz", (json_int_t)m->cfg.clock_mhz, "time_unit",
			      "ts and dur: microseconds of simulated time, cycles / clock_mhz", "cycles",
			      (json_int_t)chip_cycles(m->chip), "counter_interval", (json_int_t)t->interval,
			      "event_limit", (json_int_t)t->limit, "events", (json_int_t)t->written, "truncated",
			      t->full);
	if (o && t->full && json_object_set_new(o, "truncated_at_cycle", json_integer((json_int_t)t->stop))) {
		json_decref(o);
		o = NULL;
	}
	return o;
}

int cms_finish_trace_json(struct cms *m)
{
	struct trace *t = m->tr;
	if (!t)
		return 0;
	uint64_t now = chip_cycles(m->chip);
	catch_up(t, now);
	if (!t->begun)
		begin(t);
	sample(t, now);
	close_open(t);
	if (is_act(t->kind))
		write_firmware(t, t->last);
	put(t, "\n],\n\"displayTimeUnit\":\"ns\",\n\"otherData\":");
	write_json(t, other_data(t));
	put(t, "}\n");
	bool bad = t->err;
	trace_free(m);
	return bad ? -1 : 0;
}
