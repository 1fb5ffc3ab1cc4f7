#!/bin/sh
# Bad input never crashes cdvm: randomly corrupted ELF files, assembly and
# YAML are fed to the sanitizer build.  Every run must end with a status a
# guest or cdvm can legitimately give (never a sanitizer report or a host
# signal), within a cycle budget.  The seed is printed; CDVM_SEED replays.
set -u
CDVM=${CDVM:-build/san/cdvm}
N=${FUZZ_N:-60}
seed=${CDVM_SEED:-$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')}
echo "35-fuzz-inputs.sh: seed $seed (CDVM_SEED=$seed to replay), $N cases per input kind"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
# corrupt FILE OUT K: copy FILE with K random bytes replaced (awk's rand, seeded)
corrupt() {
	awk -v seed="$4" -v k="$3" 'BEGIN {
		srand(seed);
		cmd = "od -An -v -tu1 \"" ARGV[1] "\""; n = 0;
		while ((cmd | getline line) > 0) { m = split(line, f, " "); for (i = 1; i <= m; i++) b[n++] = f[i]; }
		close(cmd);
		for (j = 0; j < k; j++) { p = int(rand() * (rand() < 0.5 ? (n < 256 ? n : 256) : n)); b[p] = int(rand() * 256); }
		for (i = 0; i < n; i++) printf "%c", b[i];
	}' "$1" > "$2"
}
check() {  # status, stderr file, what
	if grep -q "Sanitizer\|runtime error" "$2"; then
		echo "FAIL  $3: sanitizer report"; head -5 "$2"; fail=1
	elif [ "$1" -gt 128 ] && ! grep -q "guest killed by" "$2"; then
		# 128+n without cdvm's own diagnostic: cdvm itself died of signal n
		echo "FAIL  $3: cdvm killed by a signal (status $1)"; head -3 "$2"; fail=1
	fi
}
export LC_ALL=C
i=0
while [ $i -lt $N ]; do
	s=$((seed * 1000 + i))
	corrupt build/guests/O2/sieve.elf "$T/f.elf" $((1 + i % 8)) $s
	for mode in interp translate; do
		$CDVM run --mode $mode --set sim.max_cycles=3000000 --set cms.translate_threshold=2 "$T/f.elf" \
			> /dev/null 2> "$T/err" < /dev/null
		check $? "$T/err" "ELF case $i ($mode)"
	done
	corrupt tests/native/demo.s "$T/f.s" $((1 + i % 4)) $s
	$CDVM exec-native --set sim.max_cycles=200000 "$T/f.s" > /dev/null 2> "$T/err"
	check $? "$T/err" "assembly case $i"
	corrupt configs/crusoe-tm5800.yaml "$T/f.yaml" $((1 + i % 4)) $s
	$CDVM config -c "$T/f.yaml" > /dev/null 2> "$T/err"
	check $? "$T/err" "YAML case $i"
	[ $fail -eq 0 ] || { echo "replay: CDVM_SEED=$seed FUZZ_N=$((i + 1))"; exit 1; }
	i=$((i + 1))
done
echo "35-fuzz-inputs.sh: ok"
