#!/bin/sh
# tests/scripts/40-risu.sh — the risu differential test of cdvm's x86
# semantics in `make test`: first the native runner's known-answer
# self-test, then CDVM_RISU_N (default 50000, ~5 s with ASan) random
# sequences run natively and through cms/x86, compared register by
# register, flag by flag and byte by byte.  The seed is printed;
# CDVM_SEED=... replays it; CDVM_RISU_FAMILIES=alu,shift narrows the
# families; `make risu-long` runs a million.
set -e
cd "$(dirname "$0")/../.."
RISU=build/san/risu
RUNNER=build/risu/runner.elf
for f in "$RISU" "$RUNNER"; do
  if [ ! -x "$f" ]; then
    echo "40-risu: $f is missing (make $f)" >&2
    exit 1
  fi
done
"$RISU" --runner "$RUNNER" --selftest
if [ -n "$CDVM_RISU_FAMILIES" ]; then
  exec "$RISU" --runner "$RUNNER" -n "${CDVM_RISU_N:-50000}" --families "$CDVM_RISU_FAMILIES"
fi
exec "$RISU" --runner "$RUNNER" -n "${CDVM_RISU_N:-50000}"
