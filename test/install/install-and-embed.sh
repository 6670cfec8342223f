#!/usr/bin/env bash
# Installs the kgen build into a temporary prefix, builds a separate MLIR tool
# against the installed package (find_package(KGen)), and runs a kgen pass
# with it.  Usage: install-and-embed.sh <kgen-build-dir> <work-dir>
set -euo pipefail
build=$1
work=$2
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$work"
mkdir -p "$work"
cmake --install "$build" --prefix "$work/prefix" > "$work/install.log"
cmake -S "$here/external-tool" -B "$work/build" -G Ninja \
  -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_CXX_COMPILER="$(grep -m1 '^CMAKE_CXX_COMPILER:' "$build/CMakeCache.txt" | cut -d= -f2)" \
  -DKGen_DIR="$work/prefix/lib/cmake/kgen" > "$work/configure.log"
cmake --build "$work/build" -j2 > "$work/build.log"
"$work/build/external-opt" "$here/external-tool/input.mlir" -kgen-to-linalg |
  /usr/lib/llvm-22/bin/FileCheck "$here/external-tool/input.mlir"
echo "external tool built against the installed kgen and ran kgen-to-linalg"
