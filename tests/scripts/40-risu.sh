#!/bin/sh
# tests/scripts/40-risu.sh — the risu differential test of cdvm's x86
# semantics in `make test`: first the native runner's known-answer
# self-test, then CDVM_RISU_N (default 50000, ~5 s with ASan) random
# sequences of every family, then as many of the x87 family alone and as
# many of it among the integer families that feed it (each case starts
# from a random x87 state: the whole FPU state is compared), all run natively
# and through cms/x86, compared register by register, flag by flag and
# byte by byte.  The seed is printed; CDVM_SEED=... replays it;
# CDVM_RISU_FAMILIES=alu,shift runs only those families; `make risu-long`
# runs a million of each.
set -e
cd "$(dirname "$0")/../.."
RISU=build/san/risu
RUNNER=build/risu/runner.elf
N=${CDVM_RISU_N:-50000}
for f in "$RISU" "$RUNNER"; do
  if [ ! -x "$f" ]; then
    echo "40-risu: $f is missing (make $f)" >&2
    exit 1
  fi
done
"$RISU" --runner "$RUNNER" --selftest
if [ -n "$CDVM_RISU_FAMILIES" ]; then
  exec "$RISU" --runner "$RUNNER" -n "$N" --families "$CDVM_RISU_FAMILIES"
fi
"$RISU" --runner "$RUNNER" -n "$N"
"$RISU" --runner "$RUNNER" -n "$N" --families x87
# the same list as RISU_X87_FAMILIES in tests/risu/risu.mk
exec "$RISU" --runner "$RUNNER" -n "$N" --families x87,mov,alu,setcc,cmov,branch,pushpop
