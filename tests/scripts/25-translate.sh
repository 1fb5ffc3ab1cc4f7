#!/bin/sh
# Translated execution against the native oracle: every guest program at
# both optimisation levels under --mode translate, with the default and an
# eager (threshold 1) translation threshold, on the default, Crusoe TM5800,
# 8-wide, 1-wide and tiny-translation-cache chips; and under --verify,
# where every translated block is also checked against the interpreter.
# Only the default chip at threshold 1 runs both levels, and the
# tiny-cache and 1-wide chips only run in make test-long (CDVM_TEST_LONG=1,
# which asks for both levels everywhere).  The --verify pass (which
# translates and runs every block at threshold 1 and checks it) runs the
# sanitizer build, the others build/cdvm (seven times as fast), unless
# CDVM_TEST_LONG=1.
set -u
CDVM=${CDVM:-build/san/cdvm}
FAST=${CDVM_FAST:-build/cdvm}
[ "${CDVM_TEST_LONG:-0}" = 1 ] && FAST=$CDVM
status=0
# run LABEL LEVELS CDVM-RUN-ARGS...: the first level with $CDVM, others with $FAST
run() {
	label=$1
	levels=$2
	shift 2
	[ "${CDVM_TEST_LONG:-0}" = 1 ] && levels="O2 Os"
	echo "-- $label"
	bin=$CDVM
	for opt in $levels; do
		sh guest-tests/differential -j 2 "$opt" -- $bin run --mode translate "$@" > /tmp/cdvm-tr.$$ 2>&1
		rc=$?
		bin=$FAST
		grep -v '^ok ' /tmp/cdvm-tr.$$
		[ $rc -eq 0 ] || status=1
	done
}
CDVM_SAVED=$CDVM
CDVM=$FAST
run "default chip, threshold 1" "O2 Os" -c configs/default.yaml --set cms.translate_threshold=1
run "default chip, default threshold" O2 -c configs/default.yaml
run "crusoe-tm5800, threshold 1" O2 -c configs/crusoe-tm5800.yaml --set cms.translate_threshold=1
run "wide8, threshold 1" O2 -c configs/wide8.yaml --set cms.translate_threshold=1
if [ "${CDVM_TEST_LONG:-0}" = 1 ]; then
	# in make test, 26-optimize.sh runs these chips (its blocks are translated first)
	run "tiny translation cache, threshold 1" O2 -c configs/tiny-tcache.yaml --set cms.translate_threshold=1
	run "1-wide chip, threshold 1" O2 --set core.issue_width=1 --set cms.translate_threshold=1
fi
CDVM=$CDVM_SAVED
run "--verify on the default chip, threshold 1" O2 --verify --set cms.translate_threshold=1
rm -f /tmp/cdvm-tr.$$

# Precise exceptions: a fault inside translated code rolls back and the
# interpreter finds the exact instruction, so the diagnostic (kind, EIP,
# address) must equal the interpreter's, and the fault must really have
# happened in native code first (a rollback was counted).
for p in divzero divover segv hiddenmem badop; do
	for opt in O2 Os; do
		elf=build/guests/$opt/$p.elf
		$CDVM run --mode interp $elf > /dev/null 2> /tmp/cdvm-i.$$
		$CDVM run --mode translate --set cms.translate_threshold=1 --stats-json /tmp/cdvm-j.$$ $elf \
			> /dev/null 2> /tmp/cdvm-t.$$
		if ! cmp -s /tmp/cdvm-i.$$ /tmp/cdvm-t.$$; then
			echo "FAIL  $opt/$p: fault diagnostics differ between interp and translate:"
			cat /tmp/cdvm-i.$$ /tmp/cdvm-t.$$
			status=1
		fi
	done
done
for p in segv divzero divover; do
	$CDVM run --mode translate --set cms.translate_threshold=1 --stats-json /tmp/cdvm-j.$$ build/guests/O2/$p.elf \
		> /dev/null 2>&1
	grep -q '"rollbacks": [1-9]' /tmp/cdvm-j.$$ || { echo "FAIL  $p: the fault did not happen in native code"; status=1; }
done
# self-modifying code: stores into translated code trap and invalidate it
$CDVM run --mode translate --set cms.translate_threshold=1 --stats-json /tmp/cdvm-j.$$ build/guests/O2/smc.elf > /dev/null
grep -q '"translations_invalidated": [1-9]' /tmp/cdvm-j.$$ && grep -q '"rb_protection": [1-9]' /tmp/cdvm-j.$$ ||
	{ echo "FAIL  smc: no translation was invalidated by a store"; status=1; }
# hot code patched again and again: translations chained into the patched
# code are unchained when it is invalidated, and the output stays right
$CDVM run --mode translate --set cms.translate_threshold=1 --set cms.smc_page_limit=100000 \
	--stats-json /tmp/cdvm-j.$$ build/guests/O2/smc.elf > /tmp/cdvm-t.$$
build/guests/O2/smc.elf | cmp -s - /tmp/cdvm-t.$$ || { echo "FAIL  smc (hot patching): output differs"; status=1; }
grep -q '"unchains": [1-9]' /tmp/cdvm-j.$$ || { echo "FAIL  smc (hot patching): nothing was unchained"; status=1; }
# a cycle limit ends a --verify run like any other (status 125)
$CDVM run --mode translate --verify --set sim.max_cycles=200000 build/guests/O2/sieve.elf > /dev/null 2>&1
rc=$?
[ $rc -eq 125 ] || { echo "FAIL  --verify with sim.max_cycles: status $rc, want 125"; status=1; }
# --dump-translations writes x86, IR and bundles side by side
rm -rf /tmp/cdvm-dump.$$
$CDVM run --mode translate --set cms.translate_threshold=1 --dump-translations /tmp/cdvm-dump.$$ \
	build/guests/O2/sieve.elf > /dev/null
n=$(ls /tmp/cdvm-dump.$$ | wc -l)
f=$(ls /tmp/cdvm-dump.$$/xlat-* 2>/dev/null | head -1)
if [ "$n" -lt 5 ] || ! grep -q '^x86:' "$f" || ! grep -q '^IR after passes' "$f" || ! grep -q '^native (' "$f"; then
	echo "FAIL  --dump-translations: $n files, $f"; status=1
fi
rm -rf /tmp/cdvm-dump.$$
# the tiny translation cache really evicts
$CDVM run --mode translate -c configs/tiny-tcache.yaml --set cms.translate_threshold=1 --stats-json /tmp/cdvm-j.$$ \
	build/guests/O2/dhry.elf > /dev/null
grep -q '"tcache_flushes": [1-9]' /tmp/cdvm-j.$$ || { echo "FAIL  tiny-tcache: no eviction"; status=1; }
# what the interpreter ran, by operation, adds up to the interpreted count;
# int64's 64-bit shifts (shld/shrd, flags dead) are translated: only
# warm-up runs them in the interpreter (~440 times; ~70 000 when they were
# not translated)
$CDVM run --mode translate --stats-json /tmp/cdvm-j.$$ build/guests/O2/int64.elf 50 > /dev/null
python3 - /tmp/cdvm-j.$$ <<'PY' || status=1
import json, sys
d = json.load(open(sys.argv[1]))
by_op = d["interpreted_by_op"]
if sum(by_op.values()) != d["interpreted_instructions"]:
    sys.exit("FAIL  interpreted_by_op sums to %d, interpreted_instructions is %d"
             % (sum(by_op.values()), d["interpreted_instructions"]))
for op in ("shld", "shrd"):
    if by_op.get(op, 0) > 2000:
        sys.exit("FAIL  int64: %s interpreted %d times" % (op, by_op[op]))
PY
rm -f /tmp/cdvm-i.$$ /tmp/cdvm-t.$$ /tmp/cdvm-j.$$
[ $status -eq 0 ] && echo "25-translate.sh: precise faults, SMC invalidation and eviction ok"
exit $status
