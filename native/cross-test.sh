#!/usr/bin/env bash
# Cross-compiles libegemma for aarch64 Linux and runs its CTest under qemu-aarch64, once on a CPU without the
# dot-product extension (cortex-a72: NEON tier) and once on one with it (max: NEON dotprod tier); see
# cmake/aarch64-linux-gnu.cmake. Run by `./mvnw verify` (native module, test phase) on Linux x86_64.
# Without the cross compiler or qemu it skips with the reason, except in CI (CI=true), where it fails.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build="${1:-$here/target/cmake-aarch64}"
sysroot=/usr/aarch64-linux-gnu

missing=()
command -v aarch64-linux-gnu-gcc >/dev/null 2>&1 || missing+=("aarch64-linux-gnu-gcc (apt-get install gcc-aarch64-linux-gnu)")
command -v qemu-aarch64 >/dev/null 2>&1 || missing+=("qemu-aarch64 (apt-get install qemu-user)")
[ -f "$sysroot/include/stdio.h" ] || missing+=("$sysroot headers and libc (apt-get install libc6-dev-arm64-cross)")
if [ ${#missing[@]} -gt 0 ]; then
  if [ "${CI:-}" = "true" ]; then
    echo "egemma aarch64 tests: FAILED, CI=true and missing: ${missing[*]}" >&2
    exit 1
  fi
  echo "egemma aarch64 tests: SKIPPED, missing: ${missing[*]}"
  exit 0
fi

cmake -S "$here" -B "$build" -DCMAKE_TOOLCHAIN_FILE="$here/../cmake/aarch64-linux-gnu.cmake" \
  -DCMAKE_BUILD_TYPE=Release -DEGEMMA_SYSROOT="$sysroot" >/dev/null
cmake --build "$build" --parallel 2
ctest --test-dir "$build" --output-on-failure
