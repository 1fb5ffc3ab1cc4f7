#!/bin/sh
# Cache reconfiguration end to end (docs/energy.md):
#   - every guest of the manifest (O2) under each policy that switches ways
#     (interval, phase, static at one way each), with a short interval so
#     that even short guests reconfigure, in translate mode and (phase) in
#     interp mode: output and status as natively;
#   - the phases guest with --timeline and --timeline-plot: its L1D shrinks
#     and grows back, the CSV has a row per interval, the plot is drawn
#     (when gnuplot is installed);
#   - `off` with a timeline is cycle for cycle the run without: the same
#     --stats-json for several guests;
#   - bad timeline options and reconfiguration keys: exit 2, one message.
set -u
CDVM=${CDVM:-build/san/cdvm}
FAST=${CDVM_FAST:-build/cdvm}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
status=0
fail() { echo "39-reconfig.sh: FAIL: $*"; status=1; }

diffrun() {
	label=$1
	shift
	echo "-- $label"
	sh guest-tests/differential -j 2 O2 -- "$@" > "$T/diff" 2>&1 || status=1
	grep -v '^ok ' "$T/diff"
}
short="--set cms.reconfig.interval=5000"
diffrun "translate, interval policy" $FAST run --mode translate $short --set cms.reconfig.policy=interval
diffrun "translate, phase policy" $FAST run --mode translate $short --set cms.reconfig.policy=phase
diffrun "translate, static one way each" $FAST run --mode translate --set cms.reconfig.policy=static \
	--set cms.reconfig.static.l1i_ways=1 --set cms.reconfig.static.l1d_ways=1 --set cms.reconfig.static.l2_ways=1
diffrun "interp, phase policy" $FAST run --mode interp $short --set cms.reconfig.policy=phase

# the phases guest, under the sanitizer build, with its timeline
echo "-- phases: timeline and plot"
elf=build/guests/O2/phases.elf
$elf > "$T/native" || fail "phases natively"
plot=
command -v gnuplot > /dev/null && plot="--timeline-plot $T/t.png"
$CDVM run --mode translate --set cms.reconfig.policy=interval --set cms.reconfig.interval=20000 \
	--timeline "$T/t.csv" $plot --stats-json "$T/s.json" $elf > "$T/out" 2> "$T/err" || fail "phases: $(cat "$T/err")"
cmp -s "$T/native" "$T/out" || fail "phases: output differs from the native run"
head -1 "$T/t.csv" | grep -q '^cycle,interval_cycles,x86_instructions,x86_ipc,.*,l1d_ways,.*,phase,decision$' ||
	fail "timeline header: $(head -1 "$T/t.csv")"
# rows, and the L1D ways: down to 1 or 2 somewhere, and back up after
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "l1d_ways") c = i; next }
	 { n++; w = $c; if (w < min || n == 1) min = w; if (min < 8 && w > prev && n > 1) up++; prev = w }
	 END { if (n < 20 || min > 2 || up < 1) { printf "rows %d, min L1D ways %d, regrowths %d\n", n, min, up; exit 1 } }' \
	"$T/t.csv" || fail "phases timeline"
rows=$(($(wc -l < "$T/t.csv") - 1))
intervals=$(grep -o '"intervals": [0-9]*' "$T/s.json" | grep -o '[0-9]*$')
[ "$rows" -eq $((intervals + 1)) ] || fail "timeline has $rows rows for $intervals intervals (+ the end)"
[ -z "$plot" ] || [ -s "$T/t.png" ] || fail "no plot drawn"

# observing costs nothing
echo "-- off with and without --timeline"
for p in sieve matmul phases; do
	elf=build/guests/O2/$p.elf
	$FAST run --mode translate --set cms.reconfig.interval=5000 --stats-json "$T/a.json" $elf > /dev/null
	$FAST run --mode translate --set cms.reconfig.interval=5000 --timeline "$T/a.csv" --stats-json "$T/b.json" \
		$elf > /dev/null
	cmp -s "$T/a.json" "$T/b.json" || fail "$p: --timeline changed the statistics"
	[ "$(wc -l < "$T/a.csv")" -gt 2 ] || fail "$p: timeline has no rows"
done

# bad input
echo "-- errors"
expect_error() {
	want=$1
	shift
	$CDVM run "$@" > "$T/out" 2> "$T/err"
	rc=$?
	[ $rc -eq 2 ] || { fail "status $rc (want 2) for: $*"; return; }
	head -1 "$T/err" | grep -q -- "$want" || fail "message for '$*' lacks '$want': $(cat "$T/err")"
}
g=build/guests/O2/sieve.elf
expect_error "give --timeline FILE.csv too" --timeline-plot "$T/x.png" $g
expect_error "timeline" --timeline "$T/no/such/dir/t.csv" $g
expect_error "core.signature_bits" --set core.signature_bits=100 $g
expect_error "signature_bits' is 0" --set core.signature_bits=0 --set cms.reconfig.policy=phase $g
expect_error "cms.reconfig.static.l2_ways" --set cms.reconfig.static.l2_ways=9 $g
expect_error "cms.reconfig.interval" --set cms.reconfig.interval=10 $g
expect_error "cms.reconfig.policy" --set cms.reconfig.policy=sometimes $g
expect_error "energy.vdd" --set energy.vdd=high $g
expect_error "energy.sram.read_pj" --set energy.sram.read_pj=-1 $g
# every key of the energy model and of reconfiguration (as docs/config.md
# lists them): a value that is not one, and one out of range, is refused,
# naming the key
keys=$(grep -o '^| `[a-z0-9_.]*`' docs/config.md | tr -d '|` ' | grep -E '^(energy\.|cms\.reconfig\.|core\.signature_bits$)')
[ "$(echo "$keys" | wc -l)" -ge 30 ] || fail "found only these keys: $keys"
for k in $keys; do
	expect_error "$k" --set "$k=not-a-value" $g
	case $k in cms.reconfig.policy|energy.l2_phased) ;; *) expect_error "$k" --set "$k=-99999999" $g ;; esac
done
exit $status
