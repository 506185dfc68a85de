#!/usr/bin/env bash
# The Python reference stack, used only by tools/ (fixture generators) and bench/ (comparisons).
# Debian's python3-torch (1.13.1) in a venv that sees the system site-packages, with the
# Hugging Face packages from PyPI pinned to versions that accept torch 1.13.
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
if ! dpkg-query -W -f='${Status}' python3-torch 2>/dev/null | grep -q "install ok installed"; then
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q python3-torch python3-venv python3-pip
fi
VENV="${LETHE_VENV:-.venv}"
[ -x "$VENV/bin/python" ] || /usr/bin/python3 -m venv --system-site-packages "$VENV"
"$VENV/bin/pip" install -q -r tools/requirements.txt
echo "setup_python: $VENV ready ($("$VENV/bin/python" -c 'import torch, transformers; print("torch", torch.__version__, "transformers", transformers.__version__)'))"
