#!/bin/sh
# `cdvm sweep` end to end on the sanitizer build: a small real sweep (rows,
# statuses, outputs compared with the native runs), failures recorded as
# rows, resume after SIGKILL and after torn writes (no duplicate or corrupt
# rows, every run present, same results as an uninterrupted sweep), three
# shards merged == the unsharded results (ignoring wall_seconds), spec
# errors through the CLI (exit 2, file:line:col), --plot, and the firmware
# statistics (cms/stats.def) as columns a spec can plot.
set -u
CDVM=${CDVM:-build/san/cdvm}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "50-sweep.sh: FAIL: $*"; exit 1; }
. tests/scripts/lib/kill-after-rows.sh
for p in sieve nqueens collatz; do
	[ -f build/guests/O2/$p.elf ] || fail "build/guests/O2/$p.elf not built"
done

# rows(FILE): number of data rows of a results.csv
rows() { tail -n +2 "$1" | wc -l; }
# strip_time DIR: results.csv and results.jsonl without the wall_seconds column
strip_time() {
	awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "wall_seconds") w = i }
		 { s = ""; for (i = 1; i <= NF; i++) if (i != w) s = s (s == "" && i == 1 ? "" : ",") $i; print s }' \
		"$1/results.csv"
	sed 's/"wall_seconds":[0-9.]*,//' "$1/results.jsonl"
}
no_sanitizer() { grep -qi 'sanitizer\|runtime error' "$1" && fail "sanitizer report in $1: $(head -5 "$1")"; return 0; }

cat > "$T/spec.yaml" <<'EOF'
name: small
axes:
  core.issue_width: [2, 4]
  cache.l1d.size_kb: {from: 8, to: 32, times: 4}
workloads:
  - name: sieve
    program: build/guests/O2/sieve.elf
  - name: nqueens
    program: build/guests/O2/nqueens.elf
modes: [interp]
EOF

# ---- 1. a small real sweep ----------------------------------------------
$CDVM sweep "$T/spec.yaml" -j 2 -o "$T/a" 2> "$T/a.err"
rc=$?
no_sanitizer "$T/a.err"
[ $rc -eq 0 ] || fail "sweep exit status $rc: $(cat "$T/a.err")"
[ "$(rows "$T/a/results.csv")" -eq 8 ] || fail "want 8 rows, got $(rows "$T/a/results.csv")"
[ "$(wc -l < "$T/a/results.jsonl")" -eq 8 ] || fail "want 8 JSON rows"
head -1 "$T/a/results.csv" | grep -q '^index,id,point,workload,mode,rep,core.issue_width,cache.l1d.size_kb,status,error,' ||
	fail "header: $(head -1 "$T/a/results.csv")"
head -1 "$T/a/results.csv" | grep -q ',x86_ipc,.*,l1d_miss_rate,.*,l1d_misses,' || fail "header lacks metrics"
# run order: point-major, then workload
[ "$(tail -n +2 "$T/a/results.csv" | cut -d, -f1,3,4,7,8 | tr '\n' ' ')" = \
  "0,0,sieve,2,8 1,0,nqueens,2,8 2,1,sieve,2,32 3,1,nqueens,2,32 4,2,sieve,4,8 5,2,nqueens,4,8 6,3,sieve,4,32 7,3,nqueens,4,32 " ] ||
	fail "rows out of order: $(cut -d, -f1-8 "$T/a/results.csv")"
[ "$(grep -c ',ok,,0,0,true,' "$T/a/results.csv")" -eq 8 ] || fail "not every run is ok and matches native: $(cut -d, -f1-14 "$T/a/results.csv")"
grep -q '"status":"ok","error":null,"exit_status":0,"native_status":0,"output_matches_native":true' "$T/a/results.jsonl" ||
	fail "JSON row fields"
# a bigger L1D never misses more than a smaller one for the same program
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) { if ($i == "l1d_misses") m = i; if ($i == "cycles") c = i } next }
	 { if ($m == "" || $c == "" || $c == 0) exit 1 }' "$T/a/results.csv" || fail "empty metrics"
cmp -s "$T/spec.yaml" "$T/a/spec.yaml" || fail "spec.yaml copy"
# nothing left to do on a rerun
$CDVM sweep "$T/spec.yaml" -j 2 -o "$T/a" 2> "$T/a2.err" || fail "rerun: $(cat "$T/a2.err")"
grep -q '0 run now, 8 done before' "$T/a2.err" || fail "rerun ran something: $(cat "$T/a2.err")"
[ "$(rows "$T/a/results.csv")" -eq 8 ] || fail "rerun added rows"
ls -a "$T/a" | grep -q '^\.tmp-' && fail "temporary folder left behind"

# ---- 2. failures are rows, not crashes ------------------------------------
cat > "$T/fail.yaml" <<'EOF'
axes:
  sim.max_cycles: [0, 20000]
workloads:
  - program: build/guests/O2/collatz.elf
EOF
$CDVM sweep "$T/fail.yaml" -j 2 -o "$T/f" 2> "$T/f.err"
rc=$?
no_sanitizer "$T/f.err"
[ $rc -eq 1 ] || fail "a sweep with a failed run should exit 1, got $rc"
# collatz exits 208 natively: status 208 is ok
grep -q '^0,[0-9a-f]*,0,collatz,interp,0,0,ok,,208,208,true,' "$T/f/results.csv" || fail "collatz row: $(cat "$T/f/results.csv")"
grep -q '^1,[0-9a-f]*,1,collatz,interp,0,20000,failed,sim.max_cycles reached (status 125; native status 208),125,208,false,' \
	"$T/f/results.csv" || fail "cycle-limit row: $(cut -d, -f1-14 "$T/f/results.csv")"
# a run that takes seconds simulated, milliseconds natively: the timeout
# must hit the simulated run, never the native reference (which also has
# to finish within --timeout, so a tiny one failed under load)
cat > "$T/slow.yaml" <<'EOF'
workloads:
  - program: build/guests/O2/sieve.elf
    args: ["40"]
EOF
$CDVM sweep "$T/slow.yaml" -o "$T/f2" --timeout 0.5 2> "$T/f2.err"
grep -q 'failed,timed out after 0.5 s' "$T/f2/results.csv" ||
	fail "timeout row: $(cat "$T/f2.err") $(cut -d, -f1-14 "$T/f2/results.csv")"

# ---- 3. resume after SIGKILL and torn writes ---------------------------------
$CDVM sweep "$T/spec.yaml" -j 2 -o "$T/b" 2> /dev/null &
# kill it as soon as the first row is written
done_before=$(kill_after_rows $! "$T/b/results.csv" 1); echo "50-sweep.sh: killed after $done_before of 8 runs"
# a row that reached results.jsonl but not results.csv, and a torn CSV line
tail -n 1 "$T/a/results.jsonl" >> "$T/b/results.jsonl"
sed -n 4p "$T/a/results.csv" | head -c 40 >> "$T/b/results.csv"
$CDVM sweep "$T/spec.yaml" -j 2 -o "$T/b" 2> "$T/b.err"
rc=$?
no_sanitizer "$T/b.err"
[ $rc -eq 0 ] || fail "resume exit status $rc: $(cat "$T/b.err")"
[ "$(rows "$T/b/results.csv")" -eq 8 ] || fail "after resume: $(rows "$T/b/results.csv") rows (had $done_before)"
[ "$(cut -d, -f2 "$T/b/results.csv" | sort | uniq -d)" = "" ] || fail "duplicate ids after resume"
[ "$(tail -c 1 "$T/b/results.csv" | od -An -c | tr -d ' ')" = '\n' ] || fail "results.csv ends in a partial line"
strip_time "$T/a" > "$T/a.txt"
strip_time "$T/b" > "$T/b.txt"
cmp -s "$T/a.txt" "$T/b.txt" || fail "resumed results differ: $(diff "$T/a.txt" "$T/b.txt" | head -5)"

# ---- 4. three shards merged == the unsharded sweep ---------------------------
for i in 0 1 2; do
	$CDVM sweep "$T/spec.yaml" -j 2 --shard $i/3 -o "$T/s$i" 2> "$T/s$i.err" || fail "shard $i: $(cat "$T/s$i.err")"
	no_sanitizer "$T/s$i.err"
done
[ "$(rows "$T/s0/results.csv")" -eq 3 ] && [ "$(rows "$T/s2/results.csv")" -eq 2 ] || fail "shard sizes"
[ "$(tail -n +2 "$T/s1/results.csv" | cut -d, -f1 | tr '\n' ' ')" = "1 4 7 " ] || fail "shard 1/3 is not runs 1 4 7"
$CDVM sweep-merge "$T/m" "$T/s2" "$T/s0" "$T/s1" "$T/s0" 2> "$T/m.err" || fail "merge: $(cat "$T/m.err")"
no_sanitizer "$T/m.err"
grep -q '8 rows (3 duplicates dropped)' "$T/m.err" || fail "merge summary: $(cat "$T/m.err")"
strip_time "$T/m" > "$T/m.txt"
cmp -s "$T/a.txt" "$T/m.txt" || fail "merged shards differ: $(diff "$T/a.txt" "$T/m.txt" | head -5)"
cmp -s "$T/spec.yaml" "$T/m/spec.yaml" || fail "merged spec copy"
$CDVM sweep-merge "$T/m2" "$T/s0" "$T/s1" 2> "$T/m2.err"
[ $? -eq 1 ] && grep -q '2 of the spec' "$T/m2.err" || fail "an incomplete merge should say so: $(cat "$T/m2.err")"
$CDVM sweep-merge "$T/m3" "$T/s0" "$T/f" 2> "$T/m3.err"
[ $? -eq 2 ] && grep -q 'not shards of one spec' "$T/m3.err" || fail "merge of two specs: $(cat "$T/m3.err")"
# a results folder keeps its spec
$CDVM sweep "$T/fail.yaml" -o "$T/a" 2> "$T/x.err"
[ $? -eq 2 ] && grep -q 'holds results of another spec' "$T/x.err" || fail "spec change in one folder: $(cat "$T/x.err")"

# ---- 5. spec errors through the CLI --------------------------------------------
# expect_spec_error WANTED_TEXT  (spec text on stdin)
expect_spec_error() {
	cat > "$T/bad.yaml"
	$CDVM sweep "$T/bad.yaml" -o "$T/bad" > "$T/out" 2> "$T/err"
	rc=$?
	[ $rc -eq 2 ] || fail "status $rc (want 2) for a spec wanting '$1': $(cat "$T/err")"
	grep -q -- "$1" "$T/err" || fail "message lacks '$1': $(cat "$T/err")"
	[ "$(wc -l < "$T/err")" -eq 1 ] || fail "message is not one line: $(cat "$T/err")"
	no_sanitizer "$T/err"
	[ -e "$T/bad" ] && fail "an invalid spec created its results folder"
	return 0
}
printf 'workloads:\n  - program: build/guests/O2/sieve.elf\nbogus: 1\n' |
	expect_spec_error "bad.yaml:3:1: unknown key 'bogus'"
printf 'axes:\n  core.issue_width: {from: 8, to: 1, step: 1}\nworkloads:\n  - program: build/guests/O2/sieve.elf\n' |
	expect_spec_error "bad.yaml:2:44: axis 'core.issue_width': step 1 never goes"
printf 'axes:\n  core.issue_width: [1, 2]\n' | expect_spec_error "bad.yaml:1:1: missing workloads"
printf 'combine: zip\naxes:\n  core.issue_width: [1, 2]\n  cache.l1d.size_kb: [8]\nworkloads:\n  - program: build/guests/O2/sieve.elf\n' |
	expect_spec_error "bad.yaml:1:10: combine: zip needs axes of equal length"
printf 'axes:\n  cache.l1d.line: [32, 128]\nworkloads:\n  - program: build/guests/O2/sieve.elf\n' |
	expect_spec_error "bad.yaml:2:3: point 1 (cache.l1d.line=128) is not a valid configuration"
printf 'workloads:\n  - program: build/guests/O2/missing.elf\n' | expect_spec_error "bad.yaml:2:14: workload 'missing'"
$CDVM sweep "$T/spec.yaml" --shard 3/3 > /dev/null 2> "$T/err"
[ $? -eq 2 ] && grep -q -- '--shard 3/3' "$T/err" || fail "bad --shard: $(cat "$T/err")"
# an invalid point can be skipped instead: its rows say so
printf 'skip_invalid: true\naxes:\n  cache.l1d.line: [32, 128]\nworkloads:\n  - program: build/guests/O2/nqueens.elf\n' > "$T/skip.yaml"
$CDVM sweep "$T/skip.yaml" -o "$T/k" 2> "$T/k.err" || fail "skip_invalid sweep: $(cat "$T/k.err")"
grep -q '^1,[0-9a-f]*,1,nqueens,interp,0,128,skipped,key .cache.l2.line' "$T/k/results.csv" || fail "skipped row: $(cat "$T/k/results.csv")"

# ---- 6. plots -----------------------------------------------------------------
PATH=/nonexistent $CDVM sweep "$T/spec.yaml" -o "$T/a" --plot 2> "$T/err"
[ $? -eq 2 ] && grep -q 'needs gnuplot' "$T/err" || fail "--plot without gnuplot: $(cat "$T/err")"
if command -v gnuplot > /dev/null 2>&1; then
	$CDVM sweep "$T/spec.yaml" -o "$T/a" --plot 2> "$T/err" || fail "--plot: $(cat "$T/err")"
	for f in core.issue_width-cycles core.issue_width-x86_ipc cache.l1d.size_kb-cycles cache.l1d.size_kb-x86_ipc; do
		[ "$(head -c 4 "$T/a/plot-$f.png" | od -An -c | tr -d ' ')" = '211PNG' ] || fail "plot-$f.png is not a PNG"
	done
	# two values of issue width, two workloads: "x label sieve nqueens"
	[ "$(grep -vc '^#' "$T/a/plot-core.issue_width-cycles.dat")" -eq 2 ] || fail "plot data rows"
	[ "$(grep -v '^#' "$T/a/plot-core.issue_width-cycles.dat" | head -1 | wc -w)" -eq 4 ] || fail "plot data columns"
else
	echo "50-sweep.sh: gnuplot not installed, PNG output not checked"
fi
# ---- 7. firmware statistics are columns a spec can plot --------------------------
cat > "$T/fw.yaml" <<'EOF2'
set:
  cms.translate_threshold: 2
axes:
  core.issue_width: [2, 4]
workloads:
  - program: build/guests/O2/sieve.elf
modes: [translate]
plot: [translations, chains, recoveries, interpreted_alu, cycles_translator]
EOF2
$CDVM sweep "$T/fw.yaml" -o "$T/fw" 2> "$T/fw.err" || fail "firmware-statistics sweep: $(cat "$T/fw.err")"
no_sanitizer "$T/fw.err"
# every firmware statistic's column (docs/stats.md, from cms/stats.def) is in the header
for col in $($CDVM stats-doc | sed -n 's/^| `[a-z_.]*` | [a-z]* | `\([a-z_]*\)` |.*/\1/p'); do
	head -1 "$T/fw/results.csv" | tr ',' '\n' | grep -qx "$col" || fail "no sweep column $col"
done
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) { if ($i == "translations") t = i; if ($i == "chains") c = i } next }
	 { if (!t || !c || $t == "" || $t == 0 || $c == "") exit 1 }' "$T/fw/results.csv" ||
	fail "translate-mode rows without translations: $(head -2 "$T/fw/results.csv")"
if command -v gnuplot > /dev/null 2>&1; then
	$CDVM sweep "$T/fw.yaml" -o "$T/fw" --plot 2> "$T/err" || fail "--plot of firmware statistics: $(cat "$T/err")"
	[ "$(head -c 4 "$T/fw/plot-core.issue_width-translations.png" | od -An -c | tr -d ' ')" = '211PNG' ] ||
		fail "plot of translations"
fi
echo "50-sweep.sh: ok"
