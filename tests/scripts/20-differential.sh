#!/bin/sh
# The oracle (DESIGN.md contract 6): every guest program of the manifest,
# at both optimisation levels, runs natively and under the interpreter on
# the default (sanitizer build) and the Crusoe TM5800 chips (build/cdvm,
# seven times as fast; the sanitizer build with CDVM_TEST_LONG=1); stdout
# and exit status must be identical.
set -u
CDVM=${CDVM:-build/san/cdvm}
FAST=${CDVM_FAST:-build/cdvm}
[ "${CDVM_TEST_LONG:-0}" = 1 ] && FAST=$CDVM
status=0
for cfg in configs/default.yaml configs/crusoe-tm5800.yaml; do
	bin=$CDVM
	[ "$cfg" = configs/default.yaml ] || bin=$FAST
	for opt in O2 Os; do
		echo "-- $opt on $cfg, --mode interp"
		sh guest-tests/differential -j 2 "$opt" -- $bin run --mode interp -c "$cfg" > /tmp/cdvm-diff.$$ 2>&1
		rc=$?
		grep -v '^ok ' /tmp/cdvm-diff.$$
		[ $rc -eq 0 ] || status=1
	done
done
rm -f /tmp/cdvm-diff.$$
exit $status
