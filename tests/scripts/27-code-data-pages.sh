#!/bin/sh
# tests/scripts/27-code-data-pages.sh — programs linked with `ld -N` keep
# code, data and bss on the same pages.  The chip protects translated code
# in cms.smc_granularity chunks (control registers SMCMAP, SMC_SHIFT), so
# the data stores beside the code invalidate nothing and the program runs
# translated; with whole-page protection (4096) the same stores set the
# page's translations aside, and self-revalidation brings them back (their
# x86 bytes did not change): nothing is retranslated or invalidated.
# Outputs are compared with the native run.
set -u
CDVM=${CDVM:-build/san/cdvm}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "27-code-data-pages.sh: FAIL: $*"; exit 1; }

# key FILE KEY: an integer of a --stats-json file
key() { sed -n "s/^ *\"$2\": \([0-9]*\),*$/\1/p" "$1" | head -1; }

for p in sieve crc32 sort; do
	elf=build/guests/O2/$p-N.elf
	[ -f "$elf" ] || fail "$elf not built"
	"$elf" > "$T/native" 2>&1; want=$?
	$CDVM run --mode translate --stats-json "$T/j" "$elf" > "$T/out" 2>&1; got=$?
	[ $got -eq $want ] && cmp -s "$T/native" "$T/out" || fail "$p-N: differs from the native run"
	gi=$(key "$T/j" guest_instructions); ii=$(key "$T/j" interpreted_instructions)
	inv=$(key "$T/j" translations_invalidated); data=$(key "$T/j" smc_data_stores)
	[ -n "$gi" ] && [ -n "$ii" ] || fail "$p-N: no instruction counts in --stats-json"
	# at least 95% of the instructions run translated, none invalidated
	[ $((100 * (gi - ii))) -ge $((95 * gi)) ] || fail "$p-N: only $((100 * (gi - ii) / gi))% translated"
	[ "$inv" -eq 0 ] || fail "$p-N: $inv translations invalidated by data stores"
	[ "$data" -gt 0 ] || fail "$p-N: no data store beside code was counted"
	[ "$(key "$T/j" smc_suspended)" -eq 0 ] || fail "$p-N: translations set aside by stores beside them"
	# whole pages: the data stores set translations aside, every one comes
	# back (crc32 and sort write their data next to code that is translated)
	if [ $p != sieve ]; then
		$CDVM run --mode translate --set cms.smc_granularity=4096 --stats-json "$T/j4" "$elf" > "$T/out4" 2>&1
		cmp -s "$T/native" "$T/out4" || fail "$p-N: whole-page protection changed the output"
		sus4=$(key "$T/j4" smc_suspended); rev4=$(key "$T/j4" smc_revalidated)
		inv4=$(key "$T/j4" translations_invalidated)
		[ "$sus4" -gt 0 ] || fail "$p-N: whole-page protection set nothing aside (the test lost its point)"
		[ "$rev4" -gt 0 ] && [ "$inv4" -eq 0 ] ||
			fail "$p-N: of $sus4 set aside, $rev4 revalidated and $inv4 invalidated (the bytes never change)"
		gi4=$(key "$T/j4" guest_instructions); ii4=$(key "$T/j4" interpreted_instructions)
		[ $((100 * (gi4 - ii4))) -ge $((90 * gi4)) ] || fail "$p-N: whole pages: only $((100 * (gi4 - ii4) / gi4))% translated"
	fi
done
echo "27-code-data-pages.sh: ok"
