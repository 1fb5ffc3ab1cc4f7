#!/bin/sh
# `cdvm run` on bad input: every malformed ELF, configuration or command
# line gets a one-line message naming what is wrong and exit status 2,
# never a crash (this runs on the sanitizer build).
set -u
CDVM=${CDVM:-build/san/cdvm}
GOOD=build/guests/O2/sieve.elf
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "30-run-errors.sh: FAIL: $*"; exit 1; }

# expect_error WANTED_TEXT cdvm-args...
expect_error() {
	want=$1
	shift
	$CDVM run "$@" > "$T/out" 2> "$T/err"
	rc=$?
	[ $rc -eq 2 ] || fail "status $rc (want 2) for: $* ($(cat "$T/err"))"
	grep -q -- "$want" "$T/err" || fail "message for '$*' lacks '$want': $(cat "$T/err")"
	[ "$(wc -l < "$T/err")" -eq 1 ] || fail "message for '$*' is not one line"
	grep -qi 'sanitizer\|runtime error' "$T/err" && fail "sanitizer report for: $*"
	return 0
}

[ -f $GOOD ] || fail "$GOOD not built"
expect_error "No such file" "$T/missing.elf"
printf 'hello' > "$T/text.elf"
expect_error "not an ELF file" "$T/text.elf"
head -c 100 $GOOD > "$T/trunc.elf"
expect_error "program headers lie outside the file" "$T/trunc.elf"
size=$(wc -c < $GOOD)
head -c $((size / 2)) $GOOD > "$T/half.elf"
expect_error "outside the file" "$T/half.elf"
# byte 4 (EI_CLASS) = 2: a 64-bit file
{ head -c 4 $GOOD; printf '\002'; tail -c +6 $GOOD; } > "$T/class.elf"
expect_error "not a 32-bit ELF file" "$T/class.elf"
# e_machine (bytes 18-19) = 0x3e (x86-64)
{ head -c 18 $GOOD; printf '\076\000'; tail -c +21 $GOOD; } > "$T/mach.elf"
expect_error "not an i386 executable" "$T/mach.elf"
# e_type (bytes 16-17) = 3 (ET_DYN)
{ head -c 16 $GOOD; printf '\003\000'; tail -c +19 $GOOD; } > "$T/dyn.elf"
expect_error "not a static executable" "$T/dyn.elf"
# e_entry (bytes 24-27) = 0x10: not in an executable segment
{ head -c 24 $GOOD; printf '\020\000\000\000'; tail -c +29 $GOOD; } > "$T/entry.elf"
expect_error "entry point 0x00000010" "$T/entry.elf"
# segments do not fit a 4 MiB guest RAM
expect_error "does not fit in guest RAM" --set memory.guest_mb=4 --set memory.guest_stack_kb=64 $GOOD
# command line and configuration
expect_error "expected interp, translate or optimize" --mode fast $GOOD
expect_error "not available yet" --mode optimize $GOOD
expect_error "unknown key" --set core.bogus=1 $GOOD
expect_error "unexpected option" --frob $GOOD
$CDVM run > /dev/null 2>&1; [ $? -eq 2 ] || fail "run without a program"
# a valid run still works and passes arguments after the program untouched
$CDVM run $GOOD > /dev/null || fail "the good program fails"
echo "30-run-errors.sh: ok"
