#!/bin/sh
# tests/scripts/37-memory.sh — the guest's virtual memory from the outside
# (the sanitizer build): guest RAM is a frame pool, not an address limit
# (programs run with a few MiB of it; one that touches more than there is
# dies as Linux's OOM killer kills, status 137, with cdvm's message); the
# TLB's counters answer its geometry (one entry misses more than 64); the
# statistics of demand paging add up; dynamically linked programs need
# --fs-root, and the file-system options are checked.
set -u
CDVM=${CDVM:-build/san/cdvm}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "37-memory.sh: FAIL: $*"; exit 1; }

# key FILE KEY: an integer of a --stats-json file (first match)
key() { sed -n "s/^ *\"$2\": \([0-9]*\),*$/\1/p" "$1" | head -1; }

VMEM=build/guests/O2/vmem.elf
SIEVE=build/guests/O2/sieve.elf
[ -f $VMEM ] && [ -f $SIEVE ] || fail "guests not built"
$VMEM > "$T/native" 2>&1 || fail "vmem fails natively"

# 4 MiB of guest RAM hold vmem (its 1 MiB mapping, 1 MiB of stack, the rest)
$CDVM run --set memory.guest_mb=4 --stats-json "$T/j" $VMEM > "$T/out" 2> "$T/err"
rc=$?
[ $rc -eq 0 ] && cmp -s "$T/native" "$T/out" || fail "vmem with 4 MiB of guest RAM: status $rc $(cat "$T/err")"
pf=$(key "$T/j" page_faults); peak=$(key "$T/j" frames_peak)
[ "$pf" -ge 256 ] || fail "vmem touched its 1 MiB mapping with only $pf pages faulted in"
[ "$peak" -le 1024 ] || fail "vmem holds $peak frames, more than 4 MiB"
# ... 1 MiB do not: killed, status 137, and cdvm says why
$CDVM run --set memory.guest_mb=1 $VMEM > "$T/out" 2> "$T/err"
rc=$?
[ $rc -eq 137 ] || fail "vmem with 1 MiB of guest RAM: status $rc, want 137"
grep -q "SIGKILL: guest RAM exhausted (key 'memory.guest_mb')" "$T/err" || fail "no OOM message: $(cat "$T/err")"
grep -qi 'sanitizer\|runtime error' "$T/err" && fail "sanitizer report"

# the TLB: one entry misses far more than the default 64, same result
for g in "64 4" "1 1"; do
	set -- $g
	$CDVM run --mode translate --set mmu.tlb.entries=$1 --set mmu.tlb.ways=$2 --stats-json "$T/t$1" $SIEVE > "$T/o$1" 2>&1 ||
		fail "sieve with a TLB of $1 entries"
done
cmp -s "$T/o64" "$T/o1" || fail "the TLB's size changed the output"
m64=$(key "$T/t64" tlb_misses); m1=$(key "$T/t1" tlb_misses)
w64=$(key "$T/t64" tlb_walk_cycles); w1=$(key "$T/t1" tlb_walk_cycles)
[ "$m64" -gt 0 ] && [ "$m1" -gt $((10 * m64)) ] || fail "TLB misses: $m64 with 64 entries, $m1 with 1"
[ "$w1" -gt "$w64" ] || fail "walk cycles: $w64 with 64 entries, $w1 with 1"
$CDVM config --set mmu.tlb.entries=48 --set mmu.tlb.ways=4 > /dev/null 2> "$T/err" &&
	fail "48 entries in 4 ways (12 sets) accepted"
grep -q "mmu.tlb.entries" "$T/err" || fail "the TLB geometry error does not name the key: $(cat "$T/err")"

# dynamically linked programs need their file system
# (gcc-multilib, which scripts/bootstrap installs, gives the host an i386
# loader and libc)
printf 'int main(void){return 0;}\n' > "$T/d.c"
gcc -m32 -O2 "$T/d.c" -o "$T/dyn" || fail "gcc -m32 cannot build a dynamic i386 program"
$CDVM run "$T/dyn" > /dev/null 2> "$T/err"
rc=$?
[ $rc -eq 2 ] || fail "a dynamic program without --fs-root: status $rc"
grep -q "dynamically linked (its loader is /lib/ld-linux.so.2): give its file system with --fs-root" "$T/err" ||
	fail "no --fs-root hint: $(cat "$T/err")"
# the host's own i386 loader and libc as the file system
$CDVM run --fs-root / "$T/dyn" > /dev/null 2> "$T/err" || fail "dynamic program on --fs-root /: $(cat "$T/err")"
$CDVM run --fs-writable $SIEVE > /dev/null 2> "$T/err" && fail "--fs-writable without --fs-root accepted"
grep -q -- "--fs-writable needs --fs-root" "$T/err" || fail "--fs-writable message: $(cat "$T/err")"
$CDVM run --fs-root "$T/nonexistent" $SIEVE > /dev/null 2> "$T/err"
[ $? -eq 2 ] || fail "--fs-root of a missing directory not refused"
grep -q "fs-root $T/nonexistent: No such file or directory" "$T/err" || fail "--fs-root message: $(cat "$T/err")"
echo "37-memory.sh: ok"
