#!/bin/sh
# `cdvm run --trace-syscalls` on the sanitizer build: the guest's stdout and
# status are what they are without it, stderr gets one strace-style line
# per system call (name(args) = result, -1 ERRNO (text) for errors, "= ?"
# for exit_group), in both modes, and nothing without the option; after
# the program it is the guest's argument, not cdvm's.
set -u
CDVM=${CDVM:-build/san/cdvm}
PROG=build/guests/O2/sysproc.elf
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "36-trace-syscalls.sh: FAIL: $*"; exit 1; }
[ -f $PROG ] || fail "$PROG not built"

# has LINE-REGEX: a line of the trace matches (extended regex, anchored)
has() {
	grep -Eq -- "^$1\$" "$T/err" || fail "trace ($mode) lacks a line matching '$1':
$(head -40 "$T/err")"
}

$CDVM run $PROG < /dev/null > "$T/plain.out" 2> "$T/plain.err"
rc=$?
[ $rc -eq 0 ] || fail "status $rc without --trace-syscalls"
[ -s "$T/plain.err" ] && fail "stderr without --trace-syscalls: $(cat "$T/plain.err")"

for mode in interp translate; do
	$CDVM run --mode $mode --trace-syscalls $PROG < /dev/null > "$T/out" 2> "$T/err"
	rc=$?
	[ $rc -eq 0 ] || fail "status $rc with --trace-syscalls ($mode)"
	cmp -s "$T/out" "$T/plain.out" || fail "stdout changed by --trace-syscalls ($mode)"
	grep -qi 'sanitizer\|runtime error' "$T/err" && fail "sanitizer report ($mode)"
	has 'uname\(0x[0-9a-f]+\) = 0'
	has 'uname\(0x10\) = -1 EFAULT \(Bad address\)'
	has 'write\(1, "uname sysname Linux\\n", 20\) = 20'
	has 'getpid\(\) = 1000'
	has 'set_tid_address\(0x[0-9a-f]+\) = 1000'
	has 'ioctl\(1, 0x5401, 0x[0-9a-f]+\) = -1 ENOTTY \(Inappropriate ioctl for device\)'
	has 'writev\(1, 0x[0-9a-f]+, 2\) = 12'
	has 'readv\(0, 0x[0-9a-f]+, 2\) = 0'
	has 'clock_gettime64\(1, 0x[0-9a-f]+\) = 0'
	has 'getrandom\(0x[0-9a-f]+, 16, 0x0\) = 16'
	has 'prlimit64\(0, 3, NULL, 0x[0-9a-f]+\) = 0'
	has 'syscall_500\(0x0, 0x0, 0x0, 0x0, 0x0, 0x0\) = -1 ENOSYS \(Function not implemented\)'
	has 'exit_group\(0\) = \?'
	# one line per call: as many lines as the run made calls
	calls=$($CDVM run --mode $mode --stats $PROG 2>&1 < /dev/null > /dev/null |
		awk '/^syscalls:/ { for (i = 2; i <= NF; i++) if ($i ~ /^[0-9]+$/) n += $i; print n }')
	lines=$(wc -l < "$T/err" | tr -d ' ')
	[ "$lines" -eq "$calls" ] || fail "$lines trace lines for $calls system calls ($mode)"
done

# after the program, the option is the guest's
$CDVM run build/guests/O2/echo-args.elf --trace-syscalls > "$T/out" 2> "$T/err" < /dev/null
grep -q -- '--trace-syscalls' "$T/out" || fail "echo-args did not get --trace-syscalls: $(cat "$T/out")"
[ -s "$T/err" ] && fail "traced although the option was the guest's: $(head -3 "$T/err")"
echo "36-trace-syscalls.sh: ok"
