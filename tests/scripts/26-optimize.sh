#!/bin/sh
# --mode optimize against the native oracle: every guest program with the
# reoptimizer eager (blocks translated at their first entry, regions after
# three), under --verify (every region run checked against the
# interpreter), then on the default, Crusoe TM5800, 8-wide, 1-wide and
# tiny-translation-cache chips (build/cdvm: the sanitizer build takes
# seven times as long; it runs everything after those); speculation that
# must fail (guest spec: alias faults, a hoisted load that faults) is
# rolled back, counted and retranslated away; new regions are watched
# (guest watch) and hot blocks may be found by sampling; faults stay
# precise.
# CDVM_TEST_LONG=1 runs the differential passes with the sanitizer build.
set -u
CDVM=${CDVM:-build/san/cdvm}
FAST=${CDVM_FAST:-build/cdvm}
[ "${CDVM_TEST_LONG:-0}" = 1 ] && FAST=$CDVM
EAGER="--set cms.translate_threshold=1 --set cms.opt.threshold=3"
status=0
run() {
	label=$1
	levels=$2
	bin=$3
	shift 3
	[ "${CDVM_TEST_LONG:-0}" = 1 ] && levels="O2 Os"
	echo "-- optimize: $label"
	for opt in $levels; do
		sh guest-tests/differential -j 2 "$opt" -- $bin run --mode optimize $EAGER "$@" > /tmp/cdvm-op.$$ 2>&1
		rc=$?
		grep -v '^ok ' /tmp/cdvm-op.$$
		[ $rc -eq 0 ] || status=1
	done
}
run "--verify, default chip" O2 "$FAST" --verify
run "default chip" "O2 Os" "$FAST" -c configs/default.yaml
run "crusoe-tm5800" O2 "$FAST" -c configs/crusoe-tm5800.yaml
run "wide8" O2 "$FAST" -c configs/wide8.yaml
run "1-wide chip" O2 "$FAST" --set core.issue_width=1
run "tiny translation cache" O2 "$FAST" -c configs/tiny-tcache.yaml
run "hot blocks found by sampling, --verify" O2 "$FAST" --verify --set cms.opt.trigger=sample \
	--set cms.opt.sample_interval=300 --set cms.opt.sample_threshold=2
if [ "${CDVM_TEST_LONG:-0}" = 1 ]; then
	run "default chip, default thresholds" O2 "$FAST" --set cms.translate_threshold=50 --set cms.opt.threshold=1000
	run "no memory or control speculation, no unrolling" O2 "$FAST" --set cms.opt.reorder_memory=false \
		--set cms.opt.control_speculation=false --set cms.opt.unroll=1 --set cms.opt.follow_calls=false
fi
rm -f /tmp/cdvm-op.$$

# speculation that fails the way it should
j=/tmp/cdvm-opj.$$
guest() {   # guest NAME LABEL PYTHON-CONDITION ARGS...: native output, and the condition on reopt.*
	name=$1
	label=$2
	cond=$3
	shift 3
	want=$(build/guests/O2/$name.elf)
	got=$($CDVM run --mode optimize --set cms.opt.threshold=50 --stats-json $j "$@" build/guests/O2/$name.elf)
	[ "$got" = "$want" ] || { echo "FAIL  $name ($label): output differs"; status=1; }
	python3 - "$j" "$cond" <<'PY' || { echo "FAIL  $name ($label): $cond"; status=1; }
import json, sys
r = json.load(open(sys.argv[1]))["reopt"]
sys.exit(0 if eval(sys.argv[2], {}, r) else 1)
PY
}
spec() { guest spec "$@"; }
spec "alias faults roll back and retranslate" \
	"alias_rollbacks >= 1 and retranslations >= 1 and protected_loads >= 1 and speculation_rollbacks > alias_rollbacks"
spec "no memory speculation: no alias fault" "alias_rollbacks == 0 and protected_loads == 0" \
	--set cms.opt.reorder_memory=false
spec "no speculation at all: no speculation rollback" "speculation_rollbacks == 0" \
	--set cms.opt.reorder_memory=false --set cms.opt.control_speculation=false
spec "one retry" "alias_rollbacks >= 1 and retranslations >= alias_rollbacks" --set cms.opt.spec_retries=1
# if-conversion: short branches computed both ways; a body's load that
# faults where the branch skips it rolls back and is retranslated away
guest hammock "if-converted" "if_converted >= 5 and speculation_rollbacks >= 1 and retranslations >= 1"
guest hammock "if-conversion off" "if_converted == 0" --set cms.opt.if_convert_insns=0
guest hammock "if-conversion under --verify" "if_converted >= 5" --verify
guest hammock "no branch is unbiased enough" "if_converted == 0" --set cms.opt.if_convert_bias=50

# the watch of new regions: a side exit taken far more than the profile
# promised makes the region again, with what the watch saw
guest watch "side exit over its promise" "watches >= 1 and exits_over_promise >= 1 and exit_retranslations >= 1"
guest watch "regions not watched" "watches == 0 and exit_retranslations == 0" --set cms.opt.watch_runs=0
guest watch "watched, never made again" "watches >= 1 and exit_retranslations == 0" --set cms.opt.exit_slack=100
# hot blocks found by sampling the running translation instead of counting entries
guest sieve "sampled" "samples >= 100 and hot_exits >= 1 and regions >= 1" --set cms.opt.trigger=sample
guest sieve "counted" "samples == 0 and hot_exits >= 1 and regions >= 1"

# precise faults: the diagnostic equals the interpreter's
for p in divzero divover segv hiddenmem badop; do
	elf=build/guests/O2/$p.elf
	$CDVM run --mode interp $elf > /dev/null 2> /tmp/cdvm-opi.$$
	$CDVM run --mode optimize $EAGER $elf > /dev/null 2> /tmp/cdvm-opt.$$
	cmp -s /tmp/cdvm-opi.$$ /tmp/cdvm-opt.$$ ||
		{ echo "FAIL  $p: fault diagnostics differ between interp and optimize"; status=1; }
done
# regions are made, and dumped with their side exits
rm -rf /tmp/cdvm-opd.$$
$CDVM run --mode optimize $EAGER --stats-json $j --dump-translations /tmp/cdvm-opd.$$ build/guests/O2/sieve.elf > /dev/null
f=$(ls /tmp/cdvm-opd.$$/region-* 2>/dev/null | head -1)
if [ -z "$f" ] || ! grep -q '^side exits' "$f" || ! grep -q '^IR after passes' "$f"; then
	echo "FAIL  --dump-translations: no region dump with side exits ($f)"; status=1
fi
python3 - "$j" <<'PY' || status=1
import json, sys
d = json.load(open(sys.argv[1]))
r = d["reopt"]
if not (r["regions"] >= 1 and r["loops"] >= 1 and r["unrolled_copies"] >= 1 and d["cycles_by_activity"]["reoptimizer"] > 0):
    sys.exit("FAIL  sieve: no region, loop or unrolling, or no reoptimizer cycles: %s" % r)
PY
rm -rf /tmp/cdvm-opd.$$ /tmp/cdvm-opi.$$ /tmp/cdvm-opt.$$ $j
[ $status -eq 0 ] && echo "26-optimize.sh: regions, speculation failures and precise faults ok"
exit $status
