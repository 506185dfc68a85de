#!/usr/bin/env bash
# Forward and generation throughput, Lethe vs transformers, in one run (same machine state).
#   bench/run_forward.sh [BUILD_DIR]     needs the Python stack: scripts/setup_python.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD="${1:-build}"
PY="${LETHE_PYTHON:-.venv/bin/python}"
OUT=$(mktemp -d /tmp/lethe-bench-forward.XXXX)
trap 'rm -rf "$OUT"' EXIT
"$BUILD/bench/bench_forward" "$OUT"
"$PY" bench/forward_hf.py "$OUT" 2>&1 | grep -v -i warn
