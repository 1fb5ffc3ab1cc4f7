# tests/scripts/lib/kill-after-rows.sh — sourced by the sweep and campaign
# scripts (not a test itself: make test runs tests/scripts/*.sh only).
# kill_after_rows PID CSV N: SIGKILL process PID as soon as CSV holds N
# data rows (mid-run, whatever the machine's speed), or after 10 s; prints
# how many rows it holds then.
kill_after_rows() {
	_n=0
	while [ $_n -lt 200 ] && { [ ! -s "$2" ] || [ "$(tail -n +2 "$2" | wc -l)" -lt "$3" ]; }; do
		sleep 0.05
		_n=$((_n + 1))
	done
	kill -9 "$1" 2> /dev/null
	wait "$1" 2> /dev/null
	tail -n +2 "$2" | wc -l
}
