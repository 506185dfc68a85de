#!/usr/bin/env bash
# The test command: set up and build (scripts/setup.sh), then run the default, hermetic tests.
#   scripts/test.sh              default tests (no Python, no network)
#   LETHE_SLOW=1 scripts/test.sh also the slow, opt-in tests (label "slow": real model, e2e)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cd build
if [ "${LETHE_SLOW:-0}" = "1" ]; then
  ctest --output-on-failure -j 2
else
  ctest --output-on-failure -j 2 -LE slow
fi
