#!/bin/sh
# C programs linked statically against glibc (tests/glibc/NAME.c, built by
# the Makefile with gcc -m32 -static into build/glibc/NAME.elf): each runs
# natively, then under cdvm in interp and translate mode on the default
# chip and the Crusoe TM5800; stdout, stderr and exit status must equal the
# native run's (DESIGN.md contract 6).  readfile reads a file of the test's
# temp directory through `--fs-root /` and is skipped, with a message, while
# `cdvm run` has no --fs-root.  fpprint and libm are the x87: glibc's
# floating-point printf and strtod, libm.
set -u
CDVM=${CDVM:-build/san/cdvm}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
me=61-glibc.sh
. tests/oracle.sh
status=0
runs=0

# check NAME [CDVM-OPTIONS --] ARGS...: the program natively with ARGS, then
# under cdvm (with CDVM-OPTIONS) in each mode on each chip
check() {
	name=$1
	shift
	elf=build/glibc/$name.elf
	opts=
	if [ "${2:-}" = -- ]; then
		opts=$1
		shift 2
	fi
	[ -f "$elf" ] || { echo "$me: FAIL: $elf not built (make $elf)"; status=1; return; }
	oracle_run . /dev/null "$elf" "$@"
	oracle_keep
	for cfg in default crusoe-tm5800; do
		for mode in interp translate; do
			runs=$((runs + 1))
			# shellcheck disable=SC2086
			oracle_run . /dev/null $CDVM run --mode $mode -c configs/$cfg.yaml $opts "$elf" "$@"
			oracle_same "$name $*, $mode on $cfg" || status=1
		done
	done
}

for name in printf-int malloc qsort string setjmp tls; do
	check $name
done
# the status of a program must be what it returned, not just 0
[ "$(cat "$T/n.rc")" -ne 0 ] || { echo "$me: FAIL: tls exited 0 natively: the test cannot see a wrong status"; status=1; }

for name in fpprint libm; do
	check $name
done

if $CDVM run --help 2>&1 | grep -q -- '--fs-root'; then
	seq 1 500 | sed 's/^/line /' > "$T/input"
	check readfile --fs-root=/ -- "$(cd "$T" && pwd)/input"
else
	echo "$me: skip readfile: cdvm run has no --fs-root yet"
fi

[ $status -eq 0 ] || exit 1
echo "$me: ok ($runs runs under cdvm, each equal to the native run)"
