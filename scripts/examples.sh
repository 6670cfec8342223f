#!/usr/bin/env bash
# README command 1: install what is missing, build, and compile the bundled
# examples through kgen's default pipeline, printing a short summary per
# kernel; each example is then run on the CPU and checked against PyTorch.
set -euo pipefail
source "$(dirname "$0")/common.sh"
kgen_install_deps
kgen_build >/dev/null
exec "$KGEN_VENV_PYTHON" "$KGEN_ROOT/scripts/kgen_examples.py" --build "$KGEN_BUILD" "$@"
