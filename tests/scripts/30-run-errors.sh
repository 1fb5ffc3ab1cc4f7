#!/bin/sh
# `cdvm run` on bad input: every malformed ELF, configuration, output path
# or command line gets a one-line message naming what is wrong (a command-
# line error adds the usage line) and exit status 2, never a crash (this
# runs on the sanitizer build).
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
	head -1 "$T/err" | grep -q -- "$want" || fail "message for '$*' lacks '$want': $(cat "$T/err")"
	lines=$(wc -l < "$T/err")
	[ "$lines" -eq 1 ] || { [ "$lines" -eq 2 ] && tail -1 "$T/err" | grep -q '^usage: cdvm run '; } ||
		fail "message for '$*' is not one line (plus a usage line): $(cat "$T/err")"
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
# e_type (bytes 16-17) = 1 (ET_REL)
{ head -c 16 $GOOD; printf '\001\000'; tail -c +19 $GOOD; } > "$T/rel.elf"
expect_error "not an executable (e_type 1)" "$T/rel.elf"
# e_entry (bytes 24-27) = 0x10: not in an executable segment
{ head -c 24 $GOOD; printf '\020\000\000\000'; tail -c +29 $GOOD; } > "$T/entry.elf"
expect_error "entry point 0x00000010" "$T/entry.elf"
# segments do not fit guest RAM: the last program header's p_memsz (a
# PT_LOAD of sieve's, its bss) made 2 MiB, with 1 MiB of guest RAM
u32() { od -An -tu4 -j "$2" -N4 "$1" | tr -d ' '; }
u16() { od -An -tu2 -j "$2" -N2 "$1" | tr -d ' '; }
phoff=$(u32 $GOOD 28); phnum=$(u16 $GOOD 44); last=-1; i=0
while [ $i -lt "$phnum" ]; do
	[ "$(u32 $GOOD $((phoff + 32 * i)))" -eq 1 ] && last=$i
	i=$((i + 1))
done
[ $last -ge 0 ] || fail "no PT_LOAD in $GOOD"
at=$((phoff + 32 * last + 20))
{ head -c $at $GOOD; printf '\000\000\040\000'; tail -c +$((at + 5)) $GOOD; } > "$T/big.elf"
expect_error "does not fit in guest RAM (key 'memory.guest_mb', 1 MiB)" --set memory.guest_mb=1 "$T/big.elf"
# command line and configuration
expect_error "expected interp, translate or optimize" --mode fast $GOOD
expect_error "unknown key" --set core.bogus=1 $GOOD
# command line: getopt_long names the option, exit 2 with the usage line
expect_error "cdvm run: unknown option '--frob'" --frob $GOOD
expect_error "cdvm run: unknown option '--frob'" --frob=1 $GOOD
expect_error "cdvm run: unknown option '-q'" -q $GOOD
expect_error "cdvm run: option '--set' needs a value" --set
expect_error "cdvm run: option '--mode' needs a value" --mode
expect_error "cdvm run: option '-c' needs a value" -c
expect_error "cdvm run: option '--stats' takes no value" --stats=yes $GOOD
expect_error "cdvm run: no program to run" --stats
# options that take one value may not be given twice; lists (-c, --set) may
expect_error "option '--mode' given twice" --mode interp --mode translate $GOOD
expect_error "option '--stats-json' given twice" --stats-json "$T/a.json" --stats-json "$T/b.json" $GOOD
expect_error "option '--dump-translations' given twice" --mode translate \
	--dump-translations "$T/d1" --dump-translations "$T/d2" $GOOD
[ ! -e "$T/a.json" ] && [ ! -e "$T/b.json" ] || fail "a refused command line left a --stats-json file"
$CDVM run -c configs/wide8.yaml -c configs/tiny-tcache.yaml --set core.issue_width=2 --set cms.cost.dispatch=7 \
	$GOOD > /dev/null || fail "-c and --set are lists"
# --verify checks translations; interp mode has none
expect_error "--verify checks translations" --verify $GOOD
expect_error "--verify checks translations" --mode interp --verify $GOOD
# output paths are checked before the run: a folder, a missing folder
expect_error "cdvm run: --stats-json $T: is a directory" --stats-json "$T" $GOOD
expect_error "cdvm run: --stats-json $T/no/s.json: No such file" --stats-json "$T/no/s.json" $GOOD
[ ! -s "$T/out" ] || fail "the guest ran although --stats-json could not be written"
# ... and a write error at the end is status 2, not the guest's 0
if [ -w /dev/full ]; then
	expect_error "cdvm run: --stats-json /dev/full: write error" --stats-json /dev/full $GOOD
fi
# a --stats-json file is not left behind by a run that could not start
expect_error "cannot open" --stats-json "$T/never.json" "$T/missing.elf"
[ ! -e "$T/never.json" ] || fail "--stats-json file left by a run that did not start"
# ... nor is an old one truncated; a run that does start replaces it whole
printf 'old results\n%04000d\n' 0 > "$T/old.json"
cp "$T/old.json" "$T/old.copy"
expect_error "cannot open" --stats-json "$T/old.json" "$T/missing.elf"
cmp -s "$T/old.json" "$T/old.copy" || fail "a run that did not start changed the old --stats-json file"
$CDVM run --stats-json "$T/old.json" $GOOD > /dev/null || fail "the good program with an old --stats-json file"
[ "$(tail -c 2 "$T/old.json")" = "}" ] && ! grep -q 'old results' "$T/old.json" ||
	fail "the old --stats-json file was not replaced whole"
# --dump-translations needs a folder (or a path to create one)
: > "$T/plain"
expect_error "cdvm run: --dump-translations $T/plain: exists and is not a directory" --mode translate \
	--dump-translations "$T/plain" $GOOD
expect_error "cdvm run: --dump-translations $T/no/d:" --mode translate --dump-translations "$T/no/d" $GOOD
# inputs: a folder, the firmware tables not fitting hidden memory
expect_error "$T: is a directory" "$T"
expect_error "translation map" --set memory.hidden_mb=1 --set cms.tcache_kb=4 --set cms.profile_entries=1024 $GOOD
$CDVM run > /dev/null 2>&1; [ $? -eq 2 ] || fail "run without a program"
# --help lists every option, on stdout, status 0
$CDVM run --help > "$T/help" 2>&1 || fail "run --help status $?"
for o in "-c, --config FILE" "--set KEY=VALUE" "--mode MODE" "--stats " "--stats-json FILE" "--verify" \
	"--dump-translations DIR" "-h, --help"; do
	grep -q -- "$o" "$T/help" || fail "run --help lacks '$o'"
done
# a valid run still works and passes arguments after the program untouched
$CDVM run $GOOD > /dev/null || fail "the good program fails"
# (echo-args exits with its argc)
$CDVM run --stats-json "$T/ok.json" build/guests/O2/echo-args.elf --stats -c x --mode -- --help > "$T/out"
[ $? -eq 7 ] || fail "echo-args with option-like arguments"
grep -q '^argc 7$' "$T/out" && grep -q 'argv\[1\] (7) "--stats"' "$T/out" && grep -q 'argv\[5\] (2) "--"' "$T/out" ||
	fail "guest arguments were not passed untouched: $(cat "$T/out")"
grep -q '"end": "exit"' "$T/ok.json" || fail "--stats-json of a good run"
$CDVM run -- build/guests/O2/echo-args.elf -h | grep -q 'argv\[1\] (2) "-h"' || fail "-- then the program"
# arguments and environment over a quarter of the stack: refused before the
# run (natively execve says E2BIG), never a guest that starts without room
big=$(head -c 20000 /dev/zero | tr '\0' x)
expect_error "more than a quarter of the 64 KiB guest stack" --set memory.guest_stack_kb=64 \
	build/guests/O2/echo-args.elf "$big"
build/guests/O2/echo-args.elf "$big" > "$T/nat" 2>&1
nat=$?
$CDVM run --set memory.guest_stack_kb=128 build/guests/O2/echo-args.elf "$big" > "$T/big" 2> "$T/big.err"
[ $? -eq $nat ] && cmp -s "$T/nat" "$T/big" && ! grep -q quarter "$T/big.err" ||
	fail "a 20 KB argument in a 128 KiB stack does not run as natively: $(cat "$T/big.err")"

# a guest killed by an invalid instruction: the diagnostic names its bytes
# and what the decoder knows of it, in both modes
for mode in interp translate; do
	$CDVM run --mode $mode --set cms.translate_threshold=1 build/guests/O2/badop.elf > /dev/null 2> "$T/ill"
	rc=$?
	[ $rc -eq 132 ] || fail "badop ($mode): status $rc, want 132"
	grep -q 'SIGILL: invalid or unsupported instruction (bytes 0f 0b: ud2) at EIP 0x' "$T/ill" ||
		fail "badop ($mode): diagnostic lacks the bytes: $(cat "$T/ill")"
done

echo "30-run-errors.sh: ok"
