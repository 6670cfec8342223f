# Shared by the README's commands: installs missing Debian packages and
# (re)builds kgen. Sourced, not run. Idempotent and quick when nothing changed.

KGEN_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KGEN_BUILD=${KGEN_BUILD:-$KGEN_ROOT/build}
KGEN_LLVM=/usr/lib/llvm-22
# The Python environment (requirements.txt): torch 2.x, numpy, pytest for the
# importer and the tests. Debian's python3 with python3-venv makes it.
KGEN_VENV=${KGEN_VENV:-$KGEN_ROOT/.venv}
KGEN_VENV_PYTHON=$KGEN_VENV/bin/python

KGEN_PACKAGES=(
  cmake ninja-build g++ python3
  libmlir-22-dev mlir-22-tools llvm-22-dev llvm-22-tools clang-22 lld-22
  libgtest-dev nlohmann-json3-dev libcurl4-openssl-dev
  python3-numpy python3-venv rocm-device-libs
)

kgen_install_deps() {
  kgen_install_debian && kgen_install_venv
}

kgen_install_debian() {
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

# Creates or updates $KGEN_VENV from requirements.txt. A copy of the
# requirements file inside the venv records what it holds: when it matches,
# nothing is done (no pip call, no network). An interrupted install leaves
# no copy, so the next run finishes it.
kgen_install_venv() {
  local req=$KGEN_ROOT/requirements.txt stamp=$KGEN_VENV/kgen-requirements.txt
  if [[ -x $KGEN_VENV_PYTHON && -f $stamp ]] && cmp -s "$req" "$stamp"; then
    return 0
  fi
  echo "kgen: installing the Python environment $KGEN_VENV (requirements.txt)"
  rm -f "$stamp"
  if ! "$KGEN_VENV_PYTHON" -c '' 2>/dev/null; then
    /usr/bin/python3 -m venv --clear "$KGEN_VENV" || return 1
  fi
  "$KGEN_VENV_PYTHON" -m pip install -q --disable-pip-version-check -r "$req" || return 1
  cp "$req" "$stamp"
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
