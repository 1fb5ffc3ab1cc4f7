#!/bin/sh
# The sweep machinery (shared by `cdvm sweep` and `cdvm faults`) against
# what users did to it: a merge into a folder a sweep is still writing
# (refused: it would replace the files the sweep appends to), a sweep
# killed with SIGKILL (its `cdvm run` and native children die with it, even
# over a guest that never ends), and a range with far too many values
# (rejected at once, before any value is made).
set -u
CDVM=${CDVM:-build/san/cdvm}
T=$(mktemp -d)
sweep_pid=
trap '[ -n "$sweep_pid" ] && kill -9 $sweep_pid 2> /dev/null; rm -rf "$T"' EXIT
fail() { echo "51-sweep-robust.sh: FAIL: $*"; exit 1; }
for p in sieve nqueens; do
	[ -f build/guests/O2/$p.elf ] || fail "build/guests/O2/$p.elf not built"
done

# wait_children PID WHAT: the children of PID whose command line has WHAT,
# once there is one (10 s at most)
wait_children() {
	n=0
	while [ $n -lt 200 ]; do
		kids=$(pgrep -P "$1" -f "$2" | tr '\n' ' ')
		[ -n "$kids" ] && { echo "$kids"; return 0; }
		sleep 0.05
		n=$((n + 1))
	done
	return 1
}
# kill_and_check PID CHILDREN WHAT: SIGKILL the sweep; a second later none
# of its children may be left
kill_and_check() {
	kill -9 "$1"
	wait "$1" 2> /dev/null
	sweep_pid=
	sleep 1
	for c in $2; do
		# alive: there and not a zombie (waiting for whoever reaps orphans)
		if [ -n "$(ps -o stat= -p "$c" | grep -v Z)" ]; then
			kill -9 "$c" 2> /dev/null
			fail "$3 $c outlived its sweep killed with SIGKILL"
		fi
	done
}

# ---- 1. sweep-merge into a folder a sweep is writing ---------------------------
# run 0 takes a minute on cdvm (milliseconds natively), run 1 a moment
cat > "$T/spec.yaml" <<'EOF'
workloads:
  - name: slow
    program: build/guests/O2/sieve.elf
    args: ["1000"]
  - program: build/guests/O2/nqueens.elf
EOF
$CDVM sweep "$T/spec.yaml" --shard 1/2 -o "$T/src" 2> "$T/src.err" || fail "shard 1/2: $(cat "$T/src.err")"
$CDVM sweep "$T/spec.yaml" -j 1 -o "$T/run" 2> "$T/run.err" &
sweep_pid=$!
kids=$(wait_children $sweep_pid ' run ') || fail "the sweep started no cdvm run: $(cat "$T/run.err")"
$CDVM sweep-merge "$T/run" "$T/src" 2> "$T/m.err"
rc=$?
[ $rc -eq 2 ] || fail "a merge into a folder in use exited $rc (want 2): $(cat "$T/m.err")"
grep -q "run/.lock: another sweep or merge is using this folder" "$T/m.err" || fail "merge message: $(cat "$T/m.err")"
[ "$(tail -n +2 "$T/run/results.csv" | wc -l)" -eq 0 ] || fail "the merge wrote into the sweep's folder"
# a merge holds the lock too: no sweep starts in a folder being merged into
# (checked through the message of a second merge racing the first is not
# deterministic, so only the sweep's own refusal is: the folder is locked)
$CDVM sweep "$T/spec.yaml" -o "$T/run" 2> "$T/x.err"
[ $? -eq 2 ] && grep -q 'another sweep or merge' "$T/x.err" || fail "second sweep in one folder: $(cat "$T/x.err")"

# ---- 2. SIGKILL: no child outlives the sweep ----------------------------------------
kill_and_check $sweep_pid "$kids" "cdvm run"
# a native run of a program that never ends (the native runs come first)
printf '#!/bin/sh\nwhile :; do :; done\n' > "$T/hang.sh"
chmod +x "$T/hang.sh"
printf 'workloads:\n  - program: %s\n' "$T/hang.sh" > "$T/hang.yaml"
$CDVM sweep "$T/hang.yaml" -o "$T/h" --timeout 600 2> "$T/h.err" &
sweep_pid=$!
kids=$(wait_children $sweep_pid 'hang') || fail "no native run started: $(cat "$T/h.err")"
kill_and_check $sweep_pid "$kids" "the native run"
# and past its --timeout a hanging native run is a clear error, not a wait
$CDVM sweep "$T/hang.yaml" -o "$T/h2" --timeout 0.5 2> "$T/h2.err"
[ $? -eq 2 ] && grep -q 'native run timed out after 0.5 s' "$T/h2.err" || fail "native timeout: $(cat "$T/h2.err")"

# ---- 3. a range of 185,000 values is rejected at once ---------------------------------
printf 'axes:\n  memory.hidden_mb: {from: 1, to: 555997, step: 3}\nworkloads:\n  - program: build/guests/O2/sieve.elf\n' > "$T/big.yaml"
t0=$(date +%s%N)
$CDVM sweep "$T/big.yaml" --dry-run > /dev/null 2> "$T/big.err"
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
[ $rc -eq 2 ] || fail "a range of 185,333 values: exit $rc: $(cat "$T/big.err")"
grep -q "big.yaml:2:21: axis 'memory.hidden_mb': 185333 values, more than 100000" "$T/big.err" || fail "message: $(cat "$T/big.err")"
[ $ms -lt 3000 ] || fail "rejecting a range of 185,333 values took $ms ms"
# the last value of a range is checked like every other
printf 'axes:\n  memory.hidden_mb: {from: 1000, to: 1030, step: 10}\nworkloads:\n  - program: build/guests/O2/sieve.elf\n' > "$T/end.yaml"
$CDVM sweep "$T/end.yaml" --dry-run > /dev/null 2> "$T/end.err"
[ $? -eq 2 ] && grep -q 'range value 1030' "$T/end.err" || fail "range end out of the key's range: $(cat "$T/end.err")"
echo "51-sweep-robust.sh: ok"
