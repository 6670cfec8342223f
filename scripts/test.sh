#!/usr/bin/env bash
# README command 2: install what is missing, build, and run every test suite:
# GoogleTest and the install/embedding test (CTest), the lit regression tests,
# and the numerical tests (pytest). Ends with "N passed, N failed" summed over
# all suites; exits non-zero if anything failed.
set -uo pipefail
source "$(dirname "$0")/common.sh"
kgen_install_deps || { echo "kgen: could not install dependencies"; exit 1; }
kgen_build || { echo "kgen: build failed"; echo "0 passed, 1 failed"; exit 1; }

log=$(mktemp -d)
passed=0 failed=0

echo "== CTest (unit tests, install and embedding)"
(cd "$KGEN_BUILD" && ctest --output-on-failure -j2) | tee "$log/ctest.txt"
p=$(sed -nE 's/^[0-9]+% tests passed, ([0-9]+) tests failed out of ([0-9]+)$/\2 \1/p' "$log/ctest.txt")
if [[ -n $p ]]; then
  read -r total f <<<"$p"
  # CTest counts a skipped test (e.g. a GPU test on a machine without one)
  # as passed; leave those out of the total.
  skipped=$(grep -c '(Skipped)' "$log/ctest.txt")
  passed=$((passed + total - f - skipped)); failed=$((failed + f))
else
  failed=$((failed + 1))
fi

echo "== lit (regression tests)"
$KGEN_LLVM/bin/lit -sv "$KGEN_BUILD/test" | tee "$log/lit.txt"
lp=$(sed -nE 's/^ *Passed *: *([0-9]+).*/\1/p' "$log/lit.txt" | head -1)
lf=$(sed -nE 's/^ *(Failed|Unresolved|Timed Out) *: *([0-9]+).*/\2/p' "$log/lit.txt" |
  awk '{s += $1} END {print s + 0}')
[[ -z $lp && $lf -eq 0 ]] && lf=1
passed=$((passed + ${lp:-0})); failed=$((failed + lf))

echo "== pytest (numerical tests against PyTorch, frontend, adversarial scheduling)"
KGEN_BUILD=$KGEN_BUILD KGEN_OPT=$KGEN_BUILD/bin/kgen-opt KGEN_RUN=$KGEN_BUILD/bin/kgen-run "$KGEN_VENV_PYTHON" -m pytest -q -p no:cacheprovider \
  "$KGEN_ROOT/test/numerical" "$KGEN_ROOT/test/frontend" "$KGEN_ROOT/test/scheduling" "$KGEN_ROOT/test/benchmarks" "$KGEN_ROOT/test/tune" | tee "$log/pytest.txt"
pp=$(grep -oE '[0-9]+ passed' "$log/pytest.txt" | tail -1 | grep -oE '[0-9]+')
pf=$(grep -oE '[0-9]+ (failed|error|errors)' "$log/pytest.txt" | grep -oE '[0-9]+' |
  awk '{s += $1} END {print s + 0}')
[[ -z $pp && $pf -eq 0 ]] && pf=1
passed=$((passed + ${pp:-0})); failed=$((failed + pf))

rm -rf "$log"
echo
echo "$passed passed, $failed failed"
((failed == 0))
