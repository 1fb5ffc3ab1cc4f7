#!/bin/sh
# End-to-end checks of the native bring-up commands on the sanitizer build:
# asm -> disasm -> asm round trip, exec-native results and JSON, and clear
# errors with file:line:column for bad assembly.
set -u
CDVM=${CDVM:-build/san/cdvm}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "05-native.sh: FAIL: $*"; exit 1; }

# round trip through the binary format and the disassembler
$CDVM asm tests/native/demo.s -o "$T/demo.bin" || fail "asm demo.s"
$CDVM disasm "$T/demo.bin" > "$T/demo.dis" || fail "disasm"
sed 's/^[0-9a-f]*:  //' "$T/demo.dis" > "$T/demo2.s"
$CDVM asm "$T/demo2.s" -o "$T/demo2.bin" || fail "re-assemble the disassembly"
cmp -s "$T/demo.bin" "$T/demo2.bin" || fail "asm(disasm(bin)) != bin"

# the demo computes sum(i*i, i < 1000) = 332833500 = 0x13d6a2dc into eax (r1)
$CDVM exec-native --stats-json "$T/demo.json" tests/native/demo.s > "$T/demo.out" || fail "exec-native demo"
grep -q '^exit: exit to firmware with code 0' "$T/demo.out" || fail "demo did not exit to the firmware"
grep -q '^r0  00000000  r1  13d6a2dc' "$T/demo.out" || fail "demo result in r1 is wrong"
grep -q '"reason": "exit to firmware"' "$T/demo.json" || fail "JSON exit reason"
grep -q '"cycles": [1-9]' "$T/demo.json" || fail "JSON cycles"
# a configuration name that needs escaping still makes valid JSON
$CDVM exec-native --set 'name=a"b\c' --stats-json "$T/q.json" tests/native/demo.s > /dev/null || fail "exec-native name=a\"b"
python3 -c 'import json, sys; assert json.load(open(sys.argv[1]))["config"] == "a\"b\\c"' "$T/q.json" ||
	fail "--stats-json with a quote in the name is not valid JSON: $(head -3 "$T/q.json")"
# the binary runs the same as the source
$CDVM exec-native "$T/demo.bin" | grep -q '^r0  00000000  r1  13d6a2dc' || fail "exec-native of the .bin"

# --reg presets registers; a fault exits non-zero with the reason
printf 'ld.32 r20, [r2]\nexit #0\n' > "$T/f.s"
$CDVM exec-native --reg r2=0xfffffff0 "$T/f.s" > "$T/f.out"
[ $? -eq 1 ] || fail "a faulting native program must exit 1"
grep -q '^exit: memory fault at pc .*address 0xfffffff0' "$T/f.out" || fail "memory fault report"

# bad assembly: message names file:line:column, status 2, nothing written
printf 'nop\n  add r1, r2, #1\n  bogus r1\n' > "$T/bad.s"
$CDVM asm "$T/bad.s" -o "$T/bad.bin" 2> "$T/bad.err"
[ $? -eq 2 ] || fail "bad assembly must exit 2"
grep -q "bad.s:3:3: unknown mnemonic 'bogus'" "$T/bad.err" || fail "assembler message: $(cat "$T/bad.err")"
[ ! -e "$T/bad.bin" ] || fail "output written despite the error"
# bad binary size
printf 'abc' > "$T/odd.bin"
$CDVM disasm "$T/odd.bin" 2> "$T/odd.err"
[ $? -eq 2 ] && grep -q 'not a whole number of 8-byte atoms' "$T/odd.err" || fail "odd-sized binary"
# usage errors
$CDVM exec-native 2>/dev/null; [ $? -eq 2 ] || fail "exec-native without a program"
$CDVM exec-native --reg r99=1 tests/native/demo.s 2>/dev/null; [ $? -eq 2 ] || fail "bad --reg"
$CDVM frobnicate 2>/dev/null; [ $? -eq 2 ] || fail "unknown command"
echo "05-native.sh: ok"
