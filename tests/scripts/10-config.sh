#!/bin/sh
# tests/scripts/10-config.sh — `cdvm config` end to end: layering of the
# default, -c files and --set, the committed default.yaml and docs/config.md,
# and errors (exit status 2, "file:line:col" and the key on stderr).
# Run from the repo root; CDVM=path overrides the binary under test.
set -u
CDVM=${CDVM:-build/san/cdvm}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/cdvm-config.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
fails=0

fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}

# run NAME ARGS...: run cdvm, stdout -> $tmp/NAME.out, stderr -> $tmp/NAME.err,
# exit status -> $rc
run() {
	name=$1
	shift
	"$CDVM" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"
	rc=$?
}

expect_ok() {
	[ "$rc" -eq 0 ] || fail "$1: exit status $rc, stderr: $(cat "$tmp/$1.err")"
}

# expect_error NAME TEXT...: exit status 2, nothing on stdout, each TEXT on stderr
expect_error() {
	name=$1
	shift
	[ "$rc" -eq 2 ] || fail "$name: exit status $rc, want 2"
	[ -s "$tmp/$name.out" ] && fail "$name: printed to stdout on error"
	for want in "$@"; do
		grep -qF -- "$want" "$tmp/$name.err" || fail "$name: stderr lacks '$want': $(cat "$tmp/$name.err")"
	done
}

has() { # has NAME TEXT: stdout of NAME contains the line-fragment TEXT
	grep -qF -- "$2" "$tmp/$1.out" || fail "$1: output lacks '$2'"
}

# --- layering ---------------------------------------------------------------
run crusoe config -c configs/crusoe-tm5800.yaml --set core.issue_width=8
expect_ok crusoe
has crusoe "name: crusoe-tm5800"
has crusoe "  issue_width: 8 "
grep -q "^    ways: 16 " "$tmp/crusoe.out" || fail "crusoe: L1D 16-way missing"

run layers config --config=configs/wide8.yaml -c configs/tiny-tcache.yaml --set=cms.cost.dispatch=7
expect_ok layers
has layers "name: tiny-tcache"
has layers "  issue_width: 8 "
has layers "  tcache_kb: 4 "
has layers "    dispatch: 7 "

# --set comes after every file, whatever the order on the command line
run order config --set core.issue_width=2 -c configs/wide8.yaml
expect_ok order
has order "  issue_width: 2 "

# --- committed files equal the generators -----------------------------------
run default config
expect_ok default
cmp -s "$tmp/default.out" configs/default.yaml || fail "configs/default.yaml differs from 'cdvm config'"
run doc config --doc
expect_ok doc
cmp -s "$tmp/doc.out" docs/config.md || fail "docs/config.md differs from 'cdvm config --doc'"

# the output is a config file that reproduces itself
cp "$tmp/crusoe.out" "$tmp/saved.yaml"
run again config -c "$tmp/saved.yaml"
expect_ok again
cmp -s "$tmp/again.out" "$tmp/crusoe.out" || fail "printed config does not reload to itself"

# --- errors -------------------------------------------------------------------
printf 'core:\n  issue_widht: 4\n' >"$tmp/bad-key.yaml"
run badkey config -c "$tmp/bad-key.yaml"
expect_error badkey "$tmp/bad-key.yaml:2:3:" "core.issue_widht" "unknown key"

printf 'cache:\n  l1d:\n    ways: many\n' >"$tmp/bad-type.yaml"
run badtype config -c "$tmp/bad-type.yaml"
expect_error badtype "$tmp/bad-type.yaml:3:11:" "cache.l1d.ways" "expected an integer"

printf 'core:\n  units:\n    alu: 2\n   mem: 1\n' >"$tmp/bad-syntax.yaml"
run badsyntax config -c "$tmp/bad-syntax.yaml"
expect_error badsyntax "$tmp/bad-syntax.yaml:4:4:" "malformed YAML"

run badset config --set core.issue_width=99
expect_error badset "cdvm config: --set core.issue_width=99:" "out of range [1, 16]"

run cross config -c configs/crusoe-tm5800.yaml --set cms.tcache_kb=16384
expect_error cross "configs/crusoe-tm5800.yaml" "cms.tcache_kb" "memory.hidden_mb"

run missing config -c "$tmp/no-such.yaml"
expect_error missing "$tmp/no-such.yaml" "cannot open"

run noarg config -c
expect_error noarg "cdvm config: option '-c' needs a value" "usage: cdvm config"
run noarg2 config --set
expect_error noarg2 "cdvm config: option '--set' needs a value"

run extra config --frobnicate
expect_error extra "cdvm config: unknown option '--frobnicate'" "usage: cdvm config"
run extra2 config --frobnicate=1
expect_error extra2 "cdvm config: unknown option '--frobnicate'"
run operand config configs/wide8.yaml
expect_error operand "cdvm config: unexpected argument 'configs/wide8.yaml'"
run flagvalue config --doc=yes
expect_error flagvalue "cdvm config: option '--doc' takes no value"

# --help lists every option, on stdout, exit 0
run help config --help
expect_ok help
for o in "-c, --config FILE" "--set KEY=VALUE" "--doc" "-h, --help"; do
	has help "$o"
done

# a configuration whose fixed firmware tables do not fit hidden memory is
# refused here, naming the keys, exactly as `run` refuses it
tight="--set memory.hidden_mb=1 --set cms.tcache_kb=4 --set cms.profile_entries=1024"
run tight config $tight
expect_error tight "'memory.hidden_mb'" "'cms.tcache_kb'" "'cms.profile_entries'" "translation map"
grep "invalid configuration" "$tmp/tight.err" | sed 's/^cdvm config: //' > "$tmp/tight.msg"
run tightrun run $tight build/guests/O2/sieve.elf
expect_error tightrun "invalid configuration"
grep "invalid configuration" "$tmp/tightrun.err" | sed 's/^cdvm run: //' | cmp -s - "$tmp/tight.msg" ||
	fail "run and config word the hidden-memory error differently: $(cat "$tmp/tightrun.err")"
# at the edge: 2048 KiB - 508 KiB of translation cache leaves exactly the
# page directory (4 KiB), the profile (512 KiB) and the translation map
# (1 MiB) when whole pages are protected (no code-chunk bitmap), and one
# KiB more is refused (3 KiB lost to the directory's alignment); a guest
# also needs room for its page tables (4 KiB each, allocated as it maps
# memory): 12 KiB more run sieve, and without them the run says so
edge="--set memory.hidden_mb=2 --set cms.profile_entries=65536 --set cms.smc_granularity=4096"
run fits config $edge --set cms.tcache_kb=508
expect_ok fits
run over config $edge --set cms.tcache_kb=509
expect_error over "'cms.tcache_kb' (509 KiB)" "leave 1539 KiB" "(1543 KiB)"
run fitsrun run $edge --set cms.tcache_kb=496 build/guests/O2/sieve.elf
expect_ok fitsrun
run notables run $edge --set cms.tcache_kb=508 build/guests/O2/sieve.elf
expect_error notables "page tables" "'memory.hidden_mb'"

if [ "$fails" -ne 0 ]; then
	echo "10-config.sh: $fails failure(s)" >&2
	exit 1
fi
echo "10-config.sh: ok"
