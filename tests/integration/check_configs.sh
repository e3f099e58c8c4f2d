#!/bin/sh
# Every site file in configs/ and configs/examples/ passes `hearthd --check`; every file in
# configs/examples/broken/ fails with exactly the errors in its .expected file.
# Usage: check_configs.sh HEARTHD REPO_ROOT (run from anywhere; paths are printed repo-relative).
set -u
hearthd=$1
cd "$2" || exit 2
failed=0
checked=0
for file in configs/*.yaml configs/examples/*.yaml; do
  [ -e "$file" ] || continue
  checked=$((checked + 1))
  if ! output=$("$hearthd" --check "$file" 2>&1); then
    echo "FAIL: $file should pass --check:"
    echo "$output"
    failed=1
  fi
done
for file in configs/examples/broken/*.yaml; do
  [ -e "$file" ] || continue
  checked=$((checked + 1))
  expected="${file%.yaml}.expected"
  # Errors go to stderr; log lines ("[date] [level] ...") are not part of the contract.
  actual=$("$hearthd" --check "$file" 2>&1 >/dev/null | grep -v '^\[')
  if "$hearthd" --check "$file" >/dev/null 2>&1; then
    echo "FAIL: $file should fail --check"
    failed=1
  elif [ "$actual" != "$(cat "$expected")" ]; then
    echo "FAIL: $file: errors differ from $expected"
    echo "--- expected"; cat "$expected"
    echo "--- actual"; echo "$actual"
    failed=1
  fi
done
if [ "$checked" -eq 0 ]; then
  echo "FAIL: no configuration files found"
  exit 1
fi
echo "$checked configuration files checked"
exit $failed
