#!/bin/sh
# The oracle (DESIGN.md contract 6): every guest program of the manifest,
# at both optimisation levels, runs natively and under the interpreter on
# the default and the Crusoe TM5800 chips (sanitizer build); stdout and
# exit status must be identical.
set -u
CDVM=${CDVM:-build/san/cdvm}
status=0
for cfg in configs/default.yaml configs/crusoe-tm5800.yaml; do
	for opt in O2 Os; do
		echo "-- $opt on $cfg, --mode interp"
		sh guest-tests/differential -j 2 "$opt" -- $CDVM run --mode interp -c "$cfg" > /tmp/cdvm-diff.$$ 2>&1
		rc=$?
		grep -v '^ok ' /tmp/cdvm-diff.$$
		[ $rc -eq 0 ] || status=1
	done
done
rm -f /tmp/cdvm-diff.$$
exit $status
