#!/bin/sh
# `cdvm run --trace FILE` on the sanitizer build (docs/trace.md): guests in
# interp, translate and optimize mode (and with the caches reconfigured,
# native code stopped at each interval) write a Chrome trace-event JSON file
# whose spans are well nested on their one track and tile the run, cycle
# for cycle: each activity's spans add up to its cycles_by_activity in
# --stats-json, translated code's to cycles - firmware_cycles, and the last
# counter sample is the run's counters.  The trace changes nothing
# simulated (--stats-json is byte for byte the same without it); a tiny
# --trace-limit truncates it, still valid and still tiled up to the cycle
# it names; bad values and paths are status 2 before the run.
set -u
CDVM=${CDVM:-build/san/cdvm}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "38-trace.sh: FAIL: $*"; exit 1; }

# check TRACE STATS [LIMIT]: the trace against the run's --stats-json
check() {
	python3 - "$@" <<'PY' || fail "trace $1 of: $label"
import json, sys
tr, st = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
limit = int(sys.argv[3]) if len(sys.argv) > 3 else None
od = tr["otherData"]
def bad(why):
    sys.exit("38-trace.sh: %s" % why)
for k in ("program", "config", "mode", "cycles"):
    if od[k] != st[k]:
        bad("otherData.%s is %r, --stats-json says %r" % (k, od[k], st[k]))
mhz = od["clock_mhz"]
acts = st["cycles_by_activity"]
ev = [e for e in tr["traceEvents"] if e["ph"] != "M"]
if od["events"] != len(ev) or len(ev) > od["event_limit"]:
    bad("%d events, otherData says %d of at most %d" % (len(ev), od["events"], od["event_limit"]))
if limit is not None and not (od["truncated"] and od["event_limit"] == limit):
    bad("not truncated at --trace-limit %d: %s" % (limit, od))
end = od["truncated_at_cycle"] if od["truncated"] else st["cycles"]
# spans in cycles: start from ts, length from args.cycles (and dur agrees)
spans = []
for i, e in enumerate(ev):
    if e["ph"] != "X":
        continue
    if (e["pid"], e["tid"]) != (1, 1):
        bad("a span off the track: %s" % e)
    s, n = round(e["ts"] * mhz), e["args"]["cycles"]
    if n <= 0 or abs(e["ts"] * mhz - s) > 1e-3 or abs(e["dur"] * mhz - n) > 1e-3:
        bad("span %s: ts/dur are not cycles / clock_mhz" % e)
    spans.append((s, -n, i, e["name"]))
spans.sort()
# well nested, never overlapping: a stack of open spans; a span comes
# after its parent in the file (viewers nest spans that start together
# in file order)
top, kids, stack = [], {}, []
for s, n, i, name in spans:
    e = s - n
    while stack and stack[-1][1] <= s:
        stack.pop()
    if stack and e > stack[-1][1]:
        bad("%s [%d, %d) overlaps %s [%d, %d)" % (name, s, e, stack[-1][2], stack[-1][0], stack[-1][1]))
    if len(stack) > 1:
        bad("%s [%d, %d) nested two deep" % (name, s, e))
    if stack and i < stack[-1][3]:
        bad("%s [%d, %d) comes before its parent in the file" % (name, s, e))
    (kids.setdefault(stack[-1][0], []) if stack else top).append((s, e, name))
    stack.append((s, e, name, i))
def tiled(row, lo, hi, what):
    at = lo
    for k, (s, e, name) in enumerate(row):
        if s != at:
            bad("%s: a gap or overlap at cycle %d (next span %s at %d)" % (what, at, name, s))
        if k and row[k - 1][2] == name:
            bad("%s: two %s spans side by side at %d (not merged)" % (what, name, s))
        at = e
    if at != hi:
        bad("%s: tiled up to %d, not %d" % (what, at, hi))
tiled(top, 0, end, "the track")
sums = {}
for s, e, name in top:
    if name not in ("firmware", "translated_code"):
        bad("%s at the top level" % name)
    if name == "firmware":
        tiled(kids.get(s, []), s, e, "firmware [%d, %d)" % (s, e))
    elif s in kids:
        bad("spans inside translated code at %d" % s)
    sums[name] = sums.get(name, 0) + e - s
for row in kids.values():
    for s, e, name in row:
        if name not in acts or name == "translated_code":
            bad("%s inside a firmware span: not an activity of cycles_by_activity" % name)
        sums[name] = sums.get(name, 0) + e - s
fw = st["counters"]["firmware_cycles"]
if sum(v for k, v in acts.items() if k != "translated_code") != fw:
    bad("cycles_by_activity does not add up to firmware_cycles %d" % fw)
if acts["translated_code"] != st["cycles"] - fw:
    bad("translated_code %d is not cycles - firmware_cycles" % acts["translated_code"])
for name, want in acts.items():
    got = sums.get(name, 0)
    if (got != want) if limit is None else (got > want):
        bad("%s: spans add up to %d, cycles_by_activity says %d" % (name, got, want))
if limit is None and sums.get("firmware", 0) != fw:
    bad("firmware spans add up to %d, firmware_cycles is %d" % (sums.get("firmware", 0), fw))
# counter tracks: non-decreasing totals, sampled every interval at least
# when firmware runs, the last sample the run's counters
last = {}
for e in ev:
    if e["ph"] != "C":
        continue
    t, v = round(e["ts"] * mhz), e["args"]["total"]
    p = last.get(e["name"])
    if p and (t <= p[0] or v < p[1]):
        bad("counter %s goes back at %d" % (e["name"], t))
    last[e["name"]] = (t, v)
if limit is None:
    want = dict(st["counters"], x86_instructions=st["guest_instructions"])
    if not {"x86_instructions", "bundles", "l1d_misses"} <= set(last):
        bad("counter tracks %s" % sorted(last))
    for name in last:
        if last.get(name) != (st["cycles"], want[name]):
            bad("counter %s ends at %s, the run at (%d, %d)" % (name, last.get(name), st["cycles"], want[name]))
PY
}

# run LABEL STATUS ARGS...: with --trace $TOPTS (checked) and without (the same results)
TOPTS=
run() {
	label=$1
	want=$2
	shift 2
	$CDVM run --stats-json "$T/plain.json" "$@" > "$T/plain.out" 2>&1
	rc=$?
	[ $rc -eq "$want" ] || fail "status $rc without --trace: $label"
	$CDVM run --trace "$T/t.json" $TOPTS --stats-json "$T/s.json" "$@" > "$T/out" 2>&1
	rc=$?
	[ $rc -eq "$want" ] || fail "status $rc: $label"
	cmp -s "$T/out" "$T/plain.out" || fail "--trace changed the output of: $label"
	cmp -s "$T/s.json" "$T/plain.json" || fail "--trace changed --stats-json of: $label"
	check "$T/t.json" "$T/s.json"
}
run "sha256 interp" 0 --mode interp build/guests/O2/sha256.elf 2
run "sha256 translate" 0 --mode translate build/guests/O2/sha256.elf 20
run "sort translate, threshold 1" 0 --mode translate --set cms.translate_threshold=1 build/guests/O2/sort.elf
run "smc translate" 0 --mode translate build/guests/O2/smc.elf
run "segv translate: a fault ends the run" 139 --mode translate --set cms.translate_threshold=1 build/guests/O2/segv.elf
run "phases translate, caches reconfigured by phase" 0 --mode translate --set cms.reconfig.policy=phase \
	--set cms.reconfig.interval=20000 build/guests/O2/phases.elf
python3 -c 'import json, sys; sys.exit(json.load(open(sys.argv[1]))["cycles_by_activity"]["reconfiguration"] == 0)' \
	"$T/s.json" || fail "phases: no reconfiguration cycles to trace"
TOPTS="--trace-interval 5000"
run "sieve optimize" 0 --mode optimize --set cms.translate_threshold=5 --set cms.opt.threshold=20 build/guests/O2/sieve.elf

# the counter tracks are sampled at the first charge at or after each
# multiple of the interval: when an activity starts, the last sample is in
# its interval
python3 - "$T/t.json" 5000 <<'PY' || fail "counter samples of sieve --trace-interval 5000"
import bisect, json, sys
d, n = json.load(open(sys.argv[1])), int(sys.argv[2])
mhz = d["otherData"]["clock_mhz"]
ev = d["traceEvents"]
at = sorted(round(e["ts"] * mhz) for e in ev if e["ph"] == "C" and e["name"] == "bundles")
starts = [round(e["ts"] * mhz) for e in ev if e["ph"] == "X" and e["name"] not in ("firmware", "translated_code")]
for s in starts:
    k = bisect.bisect_right(at, s)
    if s >= at[0] and (k == 0 or at[k - 1] < s // n * n):
        sys.exit("38-trace.sh: an activity at cycle %d, the last sample at %d" % (s, at[k - 1]))
if len(at) < 50:
    sys.exit("38-trace.sh: %d samples" % len(at))
PY

# a tiny --trace-limit: truncated, valid, tiled up to where it stopped
for limit in 1 2 3 40 1000; do
	label="--trace-limit $limit"
	$CDVM run --mode translate --trace-limit $limit --trace "$T/t.json" --stats-json "$T/s.json" \
		build/guests/O2/sha256.elf 20 > /dev/null || fail "status $? with $label"
	check "$T/t.json" "$T/s.json" $limit
done

# errors: status 2 and a message naming the option, before the run
GOOD=build/guests/O2/sieve.elf
expect_error() {
	want=$1
	shift
	$CDVM run "$@" > "$T/out" 2> "$T/err"
	rc=$?
	[ $rc -eq 2 ] || fail "status $rc (want 2) for: $*"
	grep -q -- "$want" "$T/err" || fail "message for '$*' lacks '$want': $(cat "$T/err")"
	[ -s "$T/out" ] && fail "the guest ran for: $*"
	grep -qi 'sanitizer\|runtime error' "$T/err" && fail "sanitizer report for: $*"
	return 0
}
expect_error "cdvm run: --trace $T: is a directory" --trace "$T" $GOOD
expect_error "cdvm run: --trace $T/no/t.json: No such file" --trace "$T/no/t.json" $GOOD
for v in 0 -1 +5 ' 5' 1x 1e3 '' 18446744073709551617 1000000001; do
	expect_error "cdvm run: --trace-limit $v: expected a whole number from 1 to 1000000000" \
		--trace "$T/t.json" --trace-limit "$v" $GOOD
done
for v in 0 -3 abc 1000000000000001; do
	expect_error "cdvm run: --trace-interval $v: expected a whole number from 1 to 1000000000000000" \
		--trace "$T/t.json" --trace-interval "$v" $GOOD
done
expect_error "cdvm run: --trace-interval and --trace-limit need --trace FILE" --trace-limit 10 $GOOD
expect_error "option '--trace' given twice" --trace "$T/a.json" --trace "$T/b.json" $GOOD
[ ! -e "$T/a.json" ] && [ ! -e "$T/b.json" ] || fail "a refused command line left a --trace file"
# a write error is status 2 at the end, not the guest's 0
if [ -w /dev/full ]; then
	$CDVM run --trace /dev/full $GOOD > /dev/null 2> "$T/err"
	rc=$?
	[ $rc -eq 2 ] && grep -q -- "cdvm run: --trace /dev/full: write error" "$T/err" ||
		fail "--trace /dev/full: status $rc, $(cat "$T/err")"
fi
# a run that does not start leaves no new file and an old one untouched
expect_error "cannot open" --trace "$T/never.json" "$T/missing.elf"
[ ! -e "$T/never.json" ] || fail "--trace file left by a run that did not start"
printf 'old trace\n' > "$T/old.json"
expect_error "cannot open" --trace "$T/old.json" "$T/missing.elf"
[ "$(cat "$T/old.json")" = "old trace" ] || fail "a run that did not start changed the old --trace file"

echo "38-trace.sh: spans tile every run, truncated traces stay valid, errors ok"
