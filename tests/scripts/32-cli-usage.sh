#!/bin/sh
# Every command's command line and inputs on the sanitizer build: --help
# and -h list every option (stdout, status 0); an unknown option, a missing
# value or a one-value option given twice is named, with the usage line,
# status 2; input files are refused with "FILE: is a directory", "FILE:
# larger than N bytes", "FILE: empty program"; output files are checked
# before the work and a write error is status 2.  `cdvm run` has its own
# cases in 30-run-errors.sh.
set -u
CDVM=${CDVM:-build/san/cdvm}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "32-cli-usage.sh: FAIL: $*"; exit 1; }
DEMO=tests/native/demo.s

# expect STATUS WANTED_TEXT cdvm-args...: status, the text on stderr's first
# line, no sanitizer report
expect() {
	st=$1 want=$2
	shift 2
	$CDVM "$@" > "$T/out" 2> "$T/err" < /dev/null
	rc=$?
	[ $rc -eq "$st" ] || fail "status $rc (want $st) for: $* ($(cat "$T/err"))"
	head -1 "$T/err" | grep -qF -- "$want" || fail "message for '$*' lacks '$want': $(cat "$T/err")"
	grep -qi 'sanitizer\|runtime error' "$T/err" && fail "sanitizer report for: $*"
	return 0
}
# usage_error WANTED_TEXT CMD args...: status 2, the text, then the usage line
usage_error() {
	want=$1 cmd=$2
	shift 1
	expect 2 "cdvm $cmd: $want" "$@"
	[ "$(wc -l < "$T/err")" -eq 2 ] && tail -1 "$T/err" | grep -q "^usage: cdvm $cmd " ||
		fail "no usage line after the error for: $* ($(cat "$T/err"))"
}
# help CMD OPTION...: --help and -h print each OPTION on stdout, status 0
help() {
	cmd=$1
	shift
	for h in --help -h; do
		$CDVM $cmd $h > "$T/help" 2> "$T/err" || fail "$cmd $h: status $?"
		[ -s "$T/err" ] && fail "$cmd $h wrote to stderr"
		grep -q "^usage: cdvm $cmd " "$T/help" || fail "$cmd $h: no usage line"
		for o in "-h, --help" "$@"; do
			grep -qF -- "$o" "$T/help" || fail "$cmd $h lacks '$o'"
		done
	done
}

# ---- --help -------------------------------------------------------------------
$CDVM --help > "$T/top" || fail "cdvm --help: status $?"
for c in run limit config sweep sweep-merge exec-native asm disasm isa-doc x86-doc; do
	grep -q "^  $c " "$T/top" || fail "cdvm --help does not list $c"
done
$CDVM -h | cmp -s - "$T/top" || fail "cdvm -h differs from cdvm --help"
$CDVM help | cmp -s - "$T/top" || fail "cdvm help differs from cdvm --help"
$CDVM help asm | grep -q '^usage: cdvm asm ' || fail "cdvm help asm"
help run "-c, --config FILE" "--set KEY=VALUE" "--mode MODE" "--stats-json FILE" "--verify" "--dump-translations DIR"
help limit "-c, --config FILE" "--set KEY=VALUE" "--json" "--show-output"
help config "-c, --config FILE" "--set KEY=VALUE" "--doc"
help sweep "-j N" "-o DIR" "--shard I/N" "--timeout SECS" "--plot" "--dry-run"
help sweep-merge
help exec-native "-c, --config FILE" "--set KEY=VALUE" "--reg rN=VALUE" "--stats " "--stats-json FILE"
help asm "-o FILE"
help disasm "--base ADDR"
help isa-doc
help x86-doc
expect 2 "cdvm: unknown option '--bogus'" --bogus
expect 2 "cdvm: no command given" 
expect 2 "cdvm: unknown command 'frobnicate'" frobnicate

# ---- unknown options, missing values, repeated values ------------------------------
for c in run limit config sweep sweep-merge exec-native asm disasm isa-doc x86-doc; do
	usage_error "unknown option '--bogus'" $c --bogus
done
usage_error "option '-o' needs a value" asm $DEMO -o
usage_error "option '--base' needs a value" disasm $DEMO --base
usage_error "option '--reg' needs a value" exec-native $DEMO --reg
usage_error "option '--stats-json' needs a value" exec-native $DEMO --stats-json
usage_error "option '-j' needs a value" sweep spec.yaml -j
usage_error "option '--shard' needs a value" sweep spec.yaml --shard
usage_error "option '--set' needs a value" limit --set
usage_error "option '-o' given twice" asm $DEMO -o "$T/a.bin" -o "$T/b.bin"
[ ! -e "$T/a.bin" ] && [ ! -e "$T/b.bin" ] || fail "asm wrote despite the usage error"
usage_error "option '--base' given twice" disasm $DEMO --base 0 --base 8
usage_error "option '--stats-json' given twice" exec-native --stats-json "$T/a" --stats-json "$T/b" $DEMO
usage_error "option '-j' given twice" sweep spec.yaml -j 1 -j 2
usage_error "option '-o' given twice" sweep spec.yaml -o "$T/s1" -o "$T/s2"
usage_error "option '--timeout' given twice" sweep spec.yaml --timeout 1 --timeout 2
usage_error "option '--plot' takes no value" sweep spec.yaml --plot=yes
usage_error "unexpected argument 'extra'" x86-doc extra
usage_error "unexpected argument 'b.s'" asm a.s b.s -o "$T/x.bin"
usage_error "no input file" disasm
# --reg is a list; its options attach with '=' or the next argument
$CDVM exec-native --reg r1=1 --reg=r2=2 -c configs/wide8.yaml --set=cms.cost.dispatch=7 $DEMO > /dev/null ||
	fail "exec-native with --reg twice and -c/--set"
$CDVM asm -o "$T/demo.bin" $DEMO || fail "asm -o before the input"
$CDVM disasm --base=0x100 "$T/demo.bin" | grep -q '^00000100:' || fail "disasm --base=ADDR"

# ---- input files --------------------------------------------------------------------
for c in disasm exec-native; do
	expect 2 "cdvm $c: $T: is a directory" $c "$T"
	expect 2 "cdvm $c: /dev/zero: larger than 16777216 bytes" $c /dev/zero
done
expect 2 "cdvm asm: $T: is a directory" asm "$T" -o "$T/x.bin"
expect 2 "cdvm asm: /dev/zero: larger than 16777216 bytes" asm /dev/zero -o "$T/x.bin"
expect 2 "cdvm sweep: /dev/zero: larger than 16777216 bytes" sweep /dev/zero --dry-run
expect 2 "cdvm sweep: $T: is a directory" sweep "$T" --dry-run
expect 2 "cdvm config: /dev/zero: larger than 16777216 bytes" config -c /dev/zero
expect 2 "cdvm config: $T: is a directory" config -c "$T"
: > "$T/empty.bin"
expect 2 "cdvm exec-native: $T/empty.bin: empty program" exec-native "$T/empty.bin"
: > "$T/empty.s"
expect 2 "cdvm exec-native: $T/empty.s: empty program" exec-native "$T/empty.s"

# ---- output files -------------------------------------------------------------------
expect 2 "cdvm exec-native: --stats-json $T: is a directory" exec-native --stats-json "$T" $DEMO
[ -s "$T/out" ] && fail "exec-native ran although --stats-json could not be written"
expect 2 "cdvm exec-native: --stats-json $T/no/x.json: No such file" exec-native --stats-json "$T/no/x.json" $DEMO
expect 2 "cdvm asm: -o $T: is a directory" asm $DEMO -o "$T"
expect 2 "cdvm asm: -o $T/no/x.bin: No such file" asm $DEMO -o "$T/no/x.bin"
if [ -w /dev/full ]; then
	expect 2 "cdvm exec-native: --stats-json /dev/full: write error" exec-native --stats-json /dev/full $DEMO
	expect 2 "cdvm asm: -o /dev/full: write error" asm $DEMO -o /dev/full
fi

# ---- a sweep point whose firmware tables do not fit hidden memory --------------
cat > "$T/tight.yaml" <<'EOF'
set:
  memory.hidden_mb: 1
  cms.tcache_kb: 4
axes:
  cms.profile_entries: [1024]
workloads:
  - program: build/guests/O2/sieve.elf
EOF
expect 2 "is not a valid configuration" sweep "$T/tight.yaml" --dry-run
grep -q "'memory.hidden_mb'.*'cms.tcache_kb'.*translation map" "$T/err" || fail "sweep: keys not named: $(cat "$T/err")"
echo "32-cli-usage.sh: ok"
