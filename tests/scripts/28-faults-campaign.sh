#!/bin/sh
# `cdvm faults` end to end: campaign errors through the CLI on the
# sanitizer build (exit 2, FILE:LINE:COL), then real campaigns on build/cdvm:
# golden rows, classification that can fail (register and unit faults with
# detection off must corrupt something: sdc or hang; with detection on,
# never detected_corrupted), seeded reproducibility (twice, and two shards
# merged with faults-merge, give the same rows but for wall_seconds, and
# the same summary), a campaign killed with SIGKILL resumes without losing
# or doubling rows, and the summary and plots.
set -u
SAN=${SAN:-build/san/cdvm}
CDVM=${CDVM:-build/cdvm}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "28-faults-campaign.sh: FAIL: $*"; exit 1; }
. tests/scripts/lib/kill-after-rows.sh
for p in sieve nqueens; do
	[ -f build/guests/O2/$p.elf ] || fail "build/guests/O2/$p.elf not built"
done
rows() { tail -n +2 "$1" | wc -l; }
# col FILE NAME: the values of column NAME of a results.csv (no quoted commas before it)
col() { awk -F, -v n="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == n) c = i; next } { print $c }' "$1"; }
strip_time() {
	awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "wall_seconds") w = i }
		 { s = ""; for (i = 1; i <= NF; i++) if (i != w) s = s (i == 1 ? "" : ",") $i; print s }' "$1/results.csv"
	sed 's/"wall_seconds":[0-9.]*,//' "$1/results.jsonl"
}
no_sanitizer() { grep -qi 'sanitizer\|runtime error' "$1" && fail "sanitizer report in $1: $(head -5 "$1")"; return 0; }

# ---- 1. campaign errors ------------------------------------------------------------
WL='workloads:\n  - program: build/guests/O2/sieve.elf\n'
# expect_error WANTED TEXT (printf format; a function, not a pipeline's
# subshell, so that fail ends the script)
expect_error() {
	printf "$2" > "$T/bad.yaml"
	$SAN faults "$T/bad.yaml" -o "$T/bad" > /dev/null 2> "$T/err"
	rc=$?
	[ $rc -eq 2 ] || fail "status $rc (want 2) for a campaign wanting '$1': $(cat "$T/err")"
	grep -qF -- "$1" "$T/err" || fail "message lacks '$1': $(cat "$T/err")"
	[ "$(wc -l < "$T/err")" -eq 1 ] || fail "message is not one line: $(cat "$T/err")"
	no_sanitizer "$T/err"
	[ -e "$T/bad" ] && fail "an invalid campaign created its results folder"
	return 0
}
expect_error "bad.yaml:6:3: faults: unknown key 'bogus'" \
	"$WL"'faults:\n  seed: 1\n  injections: 10\n  bogus: 3\n  models:\n    - {target: reg}\n'
expect_error "bad.yaml:6:35: faults: model kinds: unknown 'melt' (expected flip, stuck, stuck0 or intermittent)" \
	"$WL"'faults:\n  injections: 10\n  models:\n    - {target: reg, kinds: [flip, melt]}\n'
expect_error "bad.yaml:4:11: faults: margin: 0.7 is out of range" \
	"$WL"'faults:\n  margin: 0.7\n  models:\n    - {target: reg}\n'
expect_error "bad.yaml:5:3: faults: give injections or margin (with confidence), not both" \
	"$WL"'faults:\n  injections: 10\n  margin: 0.05\n  models:\n    - {target: reg}\n'
expect_error "bad.yaml:7:16: faults: model target: unknown 'cpu'" \
	"$WL"'faults:\n  margin: 0.05\n  confidence: 0.9\n  models:\n    - {target: cpu}\n'
expect_error "bad.yaml:5:15: faults: confidence: expected 0.90, 0.95 or 0.99" \
	"$WL"'faults:\n  margin: 0.05\n  confidence: 0.8\n  models:\n    - {target: reg}\n'
expect_error "bad.yaml:6:29: faults: model: caches: only for the targets cache, tag and way" \
	"$WL"'faults:\n  injections: 10\n  models:\n    - {target: reg, caches: [l1d]}\n'
expect_error "bad.yaml:1:1: missing faults:" "$WL"
expect_error "bad.yaml:3:1: repetitions: not in a campaign" \
	"$WL"'repetitions: 2\nfaults:\n  injections: 1\n  models:\n    - {target: reg}\n'
expect_error "bad.yaml:2:23: axis 'faults.per_run': 99 is out of range 1..32" \
	'axes:\n  faults.per_run: [1, 99]\n'"$WL"'faults:\n  injections: 1\n  models:\n    - {target: reg}\n'
expect_error "bad.yaml:3:1: unknown key 'fault' (expected name, base, set, axes, combine, skip_invalid, workloads, modes, faults)" "$WL"'fault:\n  injections: 1\n'

# ---- 2. a campaign with detection off: faults corrupt ------------------------------
cat > "$T/c.yaml" <<'EOF'
name: off
workloads:
  - program: build/guests/O2/sieve.elf
  - program: build/guests/O2/nqueens.elf
modes: [translate]
faults:
  seed: 7
  injections: 12
  models:
    - {target: reg, kinds: [flip, stuck]}
    - {target: unit, kinds: [stuck]}
EOF
$CDVM faults "$T/c.yaml" -j 2 -o "$T/a" 2> "$T/a.err"
rc=$?
[ $rc -eq 0 ] || fail "campaign exit status $rc: $(cat "$T/a.err")"
[ "$(rows "$T/a/results.csv")" -eq 26 ] || fail "want 26 rows (2 golden + 24), got $(rows "$T/a/results.csv")"
[ "$(col "$T/a/results.csv" status | sort -u)" = ok ] || fail "rows not ok: $(grep -v ',ok,' "$T/a/results.csv" | cut -d, -f1-8 | head -3)"
[ "$(col "$T/a/results.csv" outcome | grep -c '^golden$')" -eq 2 ] || fail "want 2 golden rows"
[ "$(col "$T/a/results.csv" rep | head -1)" = 0 ] || fail "the first row is not a golden run (rep 0)"
bad=$(col "$T/a/results.csv" outcome | grep -vx 'golden\|masked\|detected_recovered\|detected_unrecoverable\|detected_corrupted\|sdc\|hang')
[ -z "$bad" ] || fail "unknown outcomes: $bad"
corrupt=$(col "$T/a/results.csv" outcome | grep -c '^sdc$\|^hang$')
[ "$corrupt" -gt 0 ] || fail "24 register and unit faults with detection off corrupted nothing: $(col "$T/a/results.csv" outcome | sort | uniq -c)"
[ "$(col "$T/a/results.csv" outcome | grep -c '^detected')" -eq 0 ] || fail "detections with every detector off"
grep -q ',"reg=r[0-9]*,kind=\(flip\|stuck\),bit=[0-9]*,at=[0-9]*",' "$T/a/results.csv" || fail "no inject column for a register fault"
# a hang ran into its limit: hang_factor x the golden cycles
if grep -q ',hang,' "$T/a/results.csv"; then
	grep ',hang,' "$T/a/results.csv" | head -1 | grep -q ',cycle_limit,hang,' || fail "a hang row without end cycle_limit"
fi
# summary: the "all" rows count every classified run
[ -s "$T/a/summary.csv" ] && [ -s "$T/a/summary.txt" ] || fail "no summary"
head -1 "$T/a/summary.csv" | grep -q '^point,mode,target,kind,runs,failed,masked,masked_share,masked_lo,masked_hi,' ||
	fail "summary.csv header: $(head -1 "$T/a/summary.csv")"
[ "$(awk -F, '$3 == "all" { n += $5 } END { print n }' "$T/a/summary.csv")" -eq 24 ] || fail "summary does not count 24 runs"
grep -q '^sdc \|  sdc  ' "$T/a/summary.txt" || fail "summary.txt: $(head -8 "$T/a/summary.txt")"
$CDVM faults "$T/c.yaml" --dry-run > "$T/dry" || fail "--dry-run"
[ "$(grep -vc '^#' "$T/dry")" -eq 26 ] || fail "dry run lists $(grep -vc '^#' "$T/dry") runs"

# ---- 3. seeded: the same campaign again, and in two shards merged --------------------
$CDVM faults "$T/c.yaml" -j 2 -o "$T/b" 2> "$T/b.err" || fail "second campaign: $(cat "$T/b.err")"
strip_time "$T/a" > "$T/a.txt"
strip_time "$T/b" > "$T/b.txt"
cmp -s "$T/a.txt" "$T/b.txt" || fail "the same campaign twice differs: $(diff "$T/a.txt" "$T/b.txt" | head -5)"
for i in 0 1; do
	$CDVM faults "$T/c.yaml" -j 2 --shard $i/2 -o "$T/s$i" 2> "$T/s$i.err" || fail "shard $i: $(cat "$T/s$i.err")"
done
# every shard runs every golden run (the injections need their cycles)
[ "$(col "$T/s1/results.csv" outcome | grep -c '^golden$')" -eq 2 ] || fail "shard 1/2 lacks golden runs"
$SAN faults-merge "$T/m" "$T/s1" "$T/s0" 2> "$T/m.err" || fail "faults-merge: $(cat "$T/m.err")"
no_sanitizer "$T/m.err"
strip_time "$T/m" > "$T/m.txt"
cmp -s "$T/a.txt" "$T/m.txt" || fail "merged shards differ: $(diff "$T/a.txt" "$T/m.txt" | head -5)"
cmp -s "$T/a/summary.csv" "$T/m/summary.csv" || fail "merged summary differs: $(diff "$T/a/summary.csv" "$T/m/summary.csv" | head -5)"
$SAN faults-merge "$T/m2" "$T/s0" 2> "$T/m2.err"
[ $? -eq 1 ] && grep -q 'of the spec.s 26 runs are missing' "$T/m2.err" || fail "an incomplete merge should say so: $(cat "$T/m2.err")"

# ---- 4. killed with SIGKILL mid-way, then resumed ---------------------------------------
$CDVM faults "$T/c.yaml" -j 2 -o "$T/k" 2> /dev/null &
before=$(kill_after_rows $! "$T/k/results.csv" 6); echo "28-faults-campaign.sh: killed after $before of 26 runs"
$CDVM faults "$T/c.yaml" -j 2 -o "$T/k" 2> "$T/k.err" || fail "resume: $(cat "$T/k.err")"
[ "$(cut -d, -f2 "$T/k/results.csv" | sort | uniq -d)" = "" ] || fail "duplicate ids after resume"
strip_time "$T/k" > "$T/k.txt"
cmp -s "$T/a.txt" "$T/k.txt" || fail "resumed campaign differs: $(diff "$T/a.txt" "$T/k.txt" | head -5)"

# ---- 5. detection on: what is detected is recovered or stops the guest -------------------
cat > "$T/on.yaml" <<'EOF'
set:
  faults.detect.unit: true
  faults.detect.register: true
  faults.detect.cache: true
workloads:
  - program: build/guests/O2/sieve.elf
modes: [translate]
faults:
  seed: 3
  injections: 16
  models:
    - {target: unit, kinds: [flip, stuck]}
    - {target: reg, kinds: [flip]}
    - {target: cache, caches: [l1d], kinds: [flip]}
EOF
plot=
command -v gnuplot > /dev/null 2>&1 && plot=--plot
$CDVM faults "$T/on.yaml" -j 2 -o "$T/on" $plot 2> "$T/on.err" || fail "detection-on campaign: $(cat "$T/on.err")"
[ "$(col "$T/on/results.csv" outcome | grep -c '^detected_')" -gt 0 ] || fail "nothing detected with the detectors on"
[ "$(col "$T/on/results.csv" outcome | grep -c '^detected_corrupted$')" -eq 0 ] || fail "a detected fault corrupted the output"
[ "$(col "$T/on/results.csv" outcome | grep -c '^detected_recovered$')" -gt 0 ] || fail "no detected fault was recovered"
if [ -n "$plot" ]; then
	for f in outcomes recovery; do
		[ "$(head -c 4 "$T/on/plot-$f.png" | od -An -c | tr -d ' ')" = '211PNG' ] || fail "plot-$f.png is not a PNG"
	done
else
	echo "28-faults-campaign.sh: gnuplot not installed, plots not checked"
fi
echo "28-faults-campaign.sh: ok"
