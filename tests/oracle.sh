# tests/oracle.sh — sourced (`. tests/oracle.sh`) by the end-to-end scripts
# that compare real Linux programs under cdvm with their native runs
# (tests/scripts/6*.sh; DESIGN.md contract 6: the host CPU is the oracle).
# The caller sets T (its temp directory) and me (its name for messages).
#
#   oracle_run DIR FILE CMD...   runs CMD in DIR with stdin from FILE, the
#                                environment reduced to PATH (and the
#                                sanitizers' options), within ORACLE_LIMIT
#                                seconds (default 120): $T/out, $T/err, $T/rc
#   oracle_keep                  keeps that run as the native one ($T/n.*)
#   oracle_same WHAT             0 when the last run equals the native one
#                                in stdout, stderr and status; otherwise a
#                                line "WHAT: differs in ...", the run's
#                                stderr (its start) and 1
#
#   oracle_run "$dir" /dev/null ./prog; oracle_keep
#   oracle_run . /dev/null build/san/cdvm run ./prog; oracle_same prog || status=1

oracle_run() {
	(cd "$1" && oracle_in=$2 && shift 2 &&
		exec timeout "${ORACLE_LIMIT:-120}" env -i PATH=/usr/bin:/bin \
			${ASAN_OPTIONS:+"ASAN_OPTIONS=$ASAN_OPTIONS"} \
			${UBSAN_OPTIONS:+"UBSAN_OPTIONS=$UBSAN_OPTIONS"} \
			"$@" < "$oracle_in" > "$T/out" 2> "$T/err")
	echo $? > "$T/rc"
}

oracle_keep() {
	for oracle_f in out err rc; do
		mv "$T/$oracle_f" "$T/n.$oracle_f"
	done
}

oracle_same() {
	oracle_what=
	cmp -s "$T/out" "$T/n.out" || oracle_what="$oracle_what stdout"
	cmp -s "$T/err" "$T/n.err" || oracle_what="$oracle_what stderr"
	cmp -s "$T/rc" "$T/n.rc" ||
		oracle_what="$oracle_what status ($(cat "$T/n.rc") natively, $(cat "$T/rc"))"
	[ -z "$oracle_what" ] && return 0
	echo "$me: FAIL: $1: differs in$oracle_what"
	head -c 600 "$T/err" | sed 's/^/    /'
	return 1
}
