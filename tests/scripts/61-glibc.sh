#!/bin/sh
# C programs linked statically against glibc (tests/glibc/NAME.c, built by
# the Makefile with gcc -m32 -static into build/glibc/NAME.elf): each runs
# natively, then under cdvm in interp and translate mode on the default
# chip and the Crusoe TM5800; stdout, stderr and exit status must equal the
# native run's (DESIGN.md contract 6).  readfile reads a file of the test's
# temp directory through `--fs-root /` and is skipped, with a message, while
# `cdvm run` has no --fs-root.  fpprint, fpenv and libm are the x87: glibc's
# floating-point printf and strtod, <fenv.h>, libm; `fpenv MODE` dies of an
# unmasked exception (SIGFPE): cdvm then says so on stderr in one line of
# its own ("cdvm: guest killed by SIGFPE: ..."), which must name the
# signal of the native status and is left out of the comparison.
set -u
CDVM=${CDVM:-build/san/cdvm}
# the default chip runs the sanitizer build, the Crusoe TM5800 build/cdvm
# (seven times as fast), unless CDVM_TEST_LONG=1
FAST=${CDVM_FAST:-build/cdvm}
[ "${CDVM_TEST_LONG:-0}" = 1 ] && FAST=$CDVM
bin_for() { if [ "$1" = default ]; then echo "$CDVM"; else echo "$FAST"; fi; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
me=61-glibc.sh
. tests/oracle.sh
status=0
runs=0

# killed WHAT: when the native run died of a signal, the last run's stderr
# must hold cdvm's line for that signal, which is then taken out of it;
# otherwise a line "WHAT: ..." and 1
killed() {
	nrc=$(cat "$T/n.rc")
	[ "$nrc" -gt 128 ] && [ "$nrc" -lt 160 ] || return 0
	line="cdvm: guest killed by SIG$(kill -l "$nrc"): "
	if [ "$(grep -c "^$line" "$T/err")" -ne 1 ]; then
		echo "$me: FAIL: $1: no \"$line...\" line on stderr (status $(cat "$T/rc"), native $nrc)"
		head -c 600 "$T/err" | sed 's/^/    /'
		return 1
	fi
	grep -v "^$line" "$T/err" > "$T/err.kept"
	mv "$T/err.kept" "$T/err"
}

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
			oracle_run . /dev/null $(bin_for $cfg) run --mode $mode -c configs/$cfg.yaml $opts "$elf" "$@"
			killed "$name $*, $mode on $cfg" || { status=1; continue; }
			oracle_same "$name $*, $mode on $cfg" || status=1
		done
	done
}

for name in printf-int malloc qsort string setjmp tls; do
	check $name
done
# the status of a program must be what it returned, not just 0
[ "$(cat "$T/n.rc")" -ne 0 ] || { echo "$me: FAIL: tls exited 0 natively: the test cannot see a wrong status"; status=1; }

for name in fpprint fpenv libm; do
	check $name
done
# an exception unmasked, then raised: SIGFPE (136) natively, at the next x87
# instruction; "ok" unmasks one that its operation does not raise.  The
# script's own stderr is dropped there: the shell reports the native run's
# death on it ("Floating point exception"), which is the expected outcome,
# not news (check says what it finds on stdout).
for trap in div inv ovf und ok; do
	check fpenv $trap 2>/dev/null
	want=136
	[ $trap != ok ] || want=0
	[ "$(cat "$T/n.rc")" -eq $want ] ||
		{ echo "$me: FAIL: fpenv $trap exited $(cat "$T/n.rc") natively, not $want"; status=1; }
done

if $CDVM run --help 2>&1 | grep -q -- '--fs-root'; then
	seq 1 500 | sed 's/^/line /' > "$T/input"
	check readfile --fs-root=/ -- "$(cd "$T" && pwd)/input"
else
	echo "$me: skip readfile: cdvm run has no --fs-root yet"
fi

[ $status -eq 0 ] || exit 1
echo "$me: ok ($runs runs under cdvm, each equal to the native run)"
