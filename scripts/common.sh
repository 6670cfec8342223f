# Shared by the README's commands: installs missing Debian packages and
# (re)builds kgen. Sourced, not run. Idempotent and quick when nothing changed.

KGEN_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KGEN_BUILD=${KGEN_BUILD:-$KGEN_ROOT/build}
KGEN_LLVM=/usr/lib/llvm-22

KGEN_PACKAGES=(
  cmake ninja-build g++ python3
  libmlir-22-dev mlir-22-tools llvm-22-dev llvm-22-tools clang-22 lld-22
  libgtest-dev nlohmann-json3-dev libcurl4-openssl-dev
  python3-numpy python3-torch python3-pytest rocm-device-libs
)

kgen_install_deps() {
  local missing=()
  for p in "${KGEN_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
      missing+=("$p")
  done
  ((${#missing[@]} == 0)) && return 0
  echo "kgen: installing ${missing[*]}"
  local sudo=
  [[ $(id -u) -ne 0 ]] && sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

kgen_build() {
  if [[ ! -f $KGEN_BUILD/build.ninja ]]; then
    cmake -S "$KGEN_ROOT" -B "$KGEN_BUILD" -G Ninja \
      -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_C_COMPILER=$KGEN_LLVM/bin/clang -DCMAKE_CXX_COMPILER=$KGEN_LLVM/bin/clang++ \
      -DMLIR_DIR=$KGEN_LLVM/lib/cmake/mlir \
      -DLLVM_EXTERNAL_LIT=$KGEN_LLVM/bin/lit >/dev/null
  fi
  cmake --build "$KGEN_BUILD" -j "${KGEN_JOBS:-2}"
}
