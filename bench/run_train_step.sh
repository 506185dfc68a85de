#!/usr/bin/env bash
# One unlearning training step (SimNPO, NPO), Lethe vs transformers + torch, in one run.
#   bench/run_train_step.sh [BUILD_DIR]     needs the Python stack: scripts/setup_python.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD="${1:-build}"
PY="${LETHE_PYTHON:-.venv/bin/python}"
OUT=$(mktemp -d /tmp/lethe-bench-train.XXXX)
trap 'rm -rf "$OUT"' EXIT
"$BUILD/bench/bench_train_step" "$OUT"
"$PY" bench/train_step_hf.py "$OUT" 2>&1 | grep -v -i warn
