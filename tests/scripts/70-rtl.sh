#!/bin/sh
# tests/scripts/70-rtl.sh — the RTL core against hw-sim (docs/rtl.md):
# verilator lint of every shipped configuration; the execution units atom
# by atom (make rtl-units-test); the constrained-random lockstep
# (CDVM_COSIM_N bundles, default 100000; seed printed, CDVM_SEED replays);
# guest programs translated and optimized, in lockstep on the default and
# crusoe-tm5800 chips (a subset; CDVM_TEST_LONG=1: every guest at both
# levels); unit faults injected in both; a deliberately broken core that
# must be caught with a readable report; and the errors --cosim gives where
# it cannot run.
set -u
cd "$(dirname "$0")/../.."
MAKE="make -s --no-print-directory"
COSIM=build/cosim/default/cdvm
N=${CDVM_COSIM_N:-100000}
status=0
fail() { echo "70-rtl: $*" >&2; status=1; }

$MAKE rtl-lint rtl-lint-units || exit 1
$MAKE rtl-units-test RTL_UNITS_CASES=1000000 || exit 1
$MAKE cosim cosim-random || exit 1

echo "-- random bundles in lockstep"
build/cosim/default/cosim-random -n "$N" || fail "random lockstep on the default chip"
build/cosim/default/cosim-random -c configs/crusoe-tm5800.yaml -n "$((N / 2))" ||
  fail "random lockstep on crusoe-tm5800"

man=$(mktemp)
trap 'rm -f "$man" /tmp/cdvm-rtl.$$ /tmp/cdvm-rtl-err.$$' EXIT
if [ "${CDVM_TEST_LONG:-0}" = 1 ]; then
  cp guest-tests/manifest "$man"
  levels="O2 Os"
else
  grep -E '^(arith|flags|muldiv|shifts|bitops|moves|sha256|lz|spec|fparith|divzero|segv)( |$)' \
    guest-tests/manifest > "$man"
  levels=O2
fi
# lockstep LABEL CDVM-RUN-ARGS...: every guest of $man at $levels
lockstep() {
  label=$1
  shift
  echo "-- guests in lockstep: $label"
  for opt in $levels; do
    sh guest-tests/differential -m "$man" -j 2 "$opt" -- $COSIM run --cosim "$@" > /tmp/cdvm-rtl.$$ 2>&1 ||
      fail "$label ($opt)"
    grep -v '^ok ' /tmp/cdvm-rtl.$$
  done
}
lockstep "translate, default chip" --mode translate --set cms.translate_threshold=1
[ "${CDVM_TEST_LONG:-0}" = 1 ] || grep -E '^(flags|muldiv|sha256|spec|fparith|segv)( |$)' guest-tests/manifest > "$man"
lockstep "translate, crusoe-tm5800" --mode translate -c configs/crusoe-tm5800.yaml --set cms.translate_threshold=1
lockstep "optimize, default chip" --mode optimize --set cms.translate_threshold=1 --set cms.opt.threshold=20

echo "-- unit faults injected at the same unit of both"
# with detection the firmware diagnoses, self-tests and isolates the unit in
# lockstep, and the guest's output is native's; without, whatever the fault
# does (a crash too) both models must do alike
build/guests/O2/sha256.elf > /tmp/cdvm-rtl.$$ 2>&1
$COSIM run --mode translate --cosim --set faults.detect.unit=true --inject unit=alu:1,kind=stuck,bit=3,at=0 \
  build/guests/O2/sha256.elf 2> /tmp/cdvm-rtl-err.$$ | cmp -s - /tmp/cdvm-rtl.$$ ||
  fail "a stuck ALU with detection: the output differs from native"
grep -q "no difference" /tmp/cdvm-rtl-err.$$ || { fail "a stuck ALU with detection"; cat /tmp/cdvm-rtl-err.$$ >&2; }
for spec in unit=alu:0,kind=flip,bit=5,at=20000 unit=mem:0,kind=stuck0,bit=2,at=0 unit=br:0,kind=flip,bit=4,at=30000 \
    unit=mul:0,kind=intermittent,bit=1,at=10000,period=5000,len=2000 unit=alu:1,kind=stuck,bit=0,at=0; do
  $COSIM run --mode translate --cosim --inject "$spec" build/guests/O2/arith.elf > /dev/null 2> /tmp/cdvm-rtl-err.$$
  rc=$?
  [ $rc -ne 3 ] && grep -q "no difference" /tmp/cdvm-rtl-err.$$ ||
    { fail "--inject $spec: status $rc"; cat /tmp/cdvm-rtl-err.$$ >&2; }
done

echo "-- a broken core is caught"
# (compiled at -O0: it runs a few thousand bundles)
$MAKE cosim COSIM_NAME=default-broken COSIM_RTL_DEFINES=+define+CDVM_RTL_BROKEN_PF COSIM_VOPT=-O0 || exit 1
build/cosim/default-broken/cdvm run --mode translate --cosim --set cms.translate_threshold=1 \
  build/guests/O2/flags.elf > /tmp/cdvm-rtl.$$ 2> /tmp/cdvm-rtl-err.$$
rc=$?
[ $rc -eq 3 ] || fail "the broken core: status $rc, expected 3"
grep -q "^cdvm cosim: hw-sim and the RTL differ at bundle [0-9]* (pc 0x[0-9a-f]*)" /tmp/cdvm-rtl-err.$$ ||
  fail "the broken core: no report header"
grep -q "^  bundle:  [0-9a-f]*:  .*addf" /tmp/cdvm-rtl-err.$$ || fail "the broken core: the report lacks the bundle"
grep -Eq "^  r9 +hw-sim 0x[0-9a-f]{8}, RTL 0x[0-9a-f]{8}$" /tmp/cdvm-rtl-err.$$ ||
  fail "the broken core: the report does not name FLAGS (r9)"
[ $status -eq 0 ] || sed 's/^/    /' /tmp/cdvm-rtl-err.$$

echo "-- where --cosim cannot run"
expect_error() {  # expect_error TEXT CMD...: status 2 and TEXT on stderr
  text=$1
  shift
  "$@" > /dev/null 2> /tmp/cdvm-rtl-err.$$
  rc=$?
  [ $rc -eq 2 ] || fail "$*: status $rc, expected 2"
  grep -q "$text" /tmp/cdvm-rtl-err.$$ || { fail "$*: no '$text' in:"; cat /tmp/cdvm-rtl-err.$$ >&2; }
}
expect_error "make cosim" build/cdvm run --cosim build/guests/O2/arith.elf
expect_error "make cosim" build/cdvm exec-native --cosim tests/native/demo.s
expect_error "verilated for another core configuration" $COSIM run --cosim -c configs/wide8.yaml \
  build/guests/O2/arith.elf
expect_error "only unit faults are co-simulated" $COSIM run --cosim --inject reg=r5,kind=stuck,bit=3,at=0 \
  build/guests/O2/arith.elf
exit $status
