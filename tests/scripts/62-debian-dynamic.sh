#!/bin/sh
# Dynamically linked Debian programs (i386 gzip, bzip2 and xz from
# scripts/fetch-debian's sysroot, build/debian/sysroot) compress generated
# text from stdin to stdout and decompress the result.  The oracle runs the
# same binaries natively through the sysroot's own loader (ld-linux.so.2
# --library-path ...); under cdvm they run with `--fs-root` on the sysroot;
# stdout, stderr and exit status must be equal.  For time (2 cores, the
# sanitizer build runs these at a few million x86 instructions a second):
# 32 KiB in translate mode on the default chip with $CDVM (the sanitizer
# build) and on the Crusoe TM5800 with $CDVM_FAST (the optimised build),
# 256 KiB in interp mode on the default chip with $CDVM_FAST.  Skipped, with a message, while
# cdvm cannot run dynamically linked programs.
set -u
CDVM=${CDVM:-build/san/cdvm}
CDVM_FAST=${CDVM_FAST:-build/cdvm}
S=build/debian/sysroot
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
me=62-debian-dynamic.sh
. tests/oracle.sh
ORACLE_LIMIT=300
fail() { echo "$me: FAIL: $*"; exit 1; }
for p in bin/gzip bin/bzip2 usr/bin/xz lib/ld-linux.so.2; do
	[ -e "$S/$p" ] || fail "$S/$p missing: run scripts/fetch-debian (make build/debian/.fetched)"
done
root=$(cd "$S" && pwd)
libs=$root/lib/i386-linux-gnu:$root/usr/lib/i386-linux-gnu

if ! $CDVM run --help 2>&1 | grep -q -- '--fs-root'; then
	echo "$me: skip: cdvm run has no --fs-root yet"
	exit 0
fi
$CDVM run --fs-root "$root" "$root/bin/gzip" --version < /dev/null > "$T/out" 2> "$T/err"
if grep -q 'dynamically linked\|not a static executable' "$T/err"; then
	echo "$me: skip: cdvm does not run dynamically linked programs yet ($(head -n 1 "$T/err"))"
	exit 0
fi

# text that compresses, but not to nothing: 256 KiB and its first 32 KiB
awk 'BEGIN { for (i = 0; i < 9000; i++)
	printf "%06d %08x %s line of the test input\n", (i * 7919) % 100003, i * 2654435761 % 4294967296, (i % 7 ? "a" : "another") }' |
	head -c 262144 > "$T/big"
head -c 32768 "$T/big" > "$T/small"

status=0
# check IN PROG ARGS...: PROG (a path in the sysroot) with stdin IN natively
# and under cdvm in each of $ways ("MODE CHIP CDVM", comma-separated); the
# native output is left in $T/IN.PROGNAME
check() {
	in=$1
	prog=$2
	shift 2
	base=$(basename "$prog")
	oracle_run . "$in" "$root/lib/ld-linux.so.2" --library-path "$libs" "$root/$prog" "$@"
	[ "$(cat "$T/rc")" -eq 0 ] || fail "natively $prog $* exited $(cat "$T/rc"): $(head -c 300 "$T/err")"
	oracle_keep
	saved_ifs=$IFS
	IFS=,
	for way in $ways; do
		IFS=$saved_ifs
		# shellcheck disable=SC2086
		set -- $way "$@"
		mode=$1 cfg=$2 cdvm=$3
		shift 3
		oracle_run . "$in" "$cdvm" run --mode "$mode" -c "configs/$cfg.yaml" --fs-root "$root" "$root/$prog" "$@"
		oracle_same "$prog $* < $(basename "$in"), $mode on $cfg" || status=1
	done
	IFS=$saved_ifs
	cp "$T/n.out" "$in.$base"
}

for size in small big; do
	case $size in
	small) ways="translate default $CDVM,translate crusoe-tm5800 $CDVM_FAST" ;;
	big) ways="interp default $CDVM_FAST" ;;
	esac
	check "$T/$size" bin/gzip -9 -n -c
	check "$T/$size.gzip" bin/gzip -d -c
	check "$T/$size" bin/bzip2 -9 -c
	check "$T/$size.bzip2" bin/bzip2 -d -c
	check "$T/$size" usr/bin/xz -1 -c
	check "$T/$size.xz" usr/bin/xz -d -c
	for p in gzip bzip2 xz; do
		cmp -s "$T/$size.$p.$p" "$T/$size" || fail "$p -d of $p's output is not the input ($size)"
	done
done
[ $status -eq 0 ] || exit 1
echo "$me: ok (gzip, bzip2 and xz both ways on 32 and 256 KiB, natively and under cdvm)"
