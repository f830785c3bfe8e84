#!/usr/bin/env bash
# Checks src/math/libm.ts against this machine's C library: exp and log bit for bit, and the
# emulated fma against the hardware one. Meaningful on x86-64 with FMA (glibc then runs the same
# __exp_fma/__log_fma code that LightGBM used) or on arm64. Needs a C compiler; not part of npm test.
# Usage: scripts/check-libm.sh [COUNT] [--samples test/fixtures/libm/glibc-samples.json]
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cc -O2 -o "$work/libm-oracle" scripts/libm-oracle.c -lm
npx tsx scripts/check-libm.ts "$work/libm-oracle" "${1:-2000000}" "${@:2}"
