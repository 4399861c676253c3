#!/usr/bin/env bash
# Runs every benchmark pinned to one core when taskset exists, so the figures
# mean "per core" on any machine.
set -euo pipefail
cd "$(dirname "$0")/../.."
pin=()
if command -v taskset >/dev/null 2>&1; then
  pin=(taskset -c 0)
fi
for bench in tools/bench/*.bench.ts; do
  "${pin[@]}" node --conditions=@kubeguard/source --import tsx "$bench"
done
