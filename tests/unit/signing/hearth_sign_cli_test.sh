#!/usr/bin/env bash
# hearth-sign end to end: keygen, sign, verify accepts; a tampered plugin, an untrusted key and
# an existing key file are refused with exit status 1 and a message saying why.
#
# usage: hearth_sign_cli_test.sh [EMULATOR...] HEARTH_SIGN
set -euo pipefail
binary="${*: -1}"      # the hearth-sign binary itself
tool=("$@")            # how to run it (behind qemu in a cross build)
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"

fail() { echo "FAIL: $*" >&2; exit 1; }
# expect_refusal <pattern> <command...>: exit status 1 and <pattern> in stderr.
expect_refusal() {
  local pattern="$1"; shift
  local status=0
  "$@" 2>err.txt >/dev/null || status=$?
  [ "$status" -eq 1 ] || fail "'$*' exited $status, expected 1"
  grep -q -- "$pattern" err.txt || fail "'$*' did not say '$pattern': $(cat err.txt)"
}

mkdir trusted
"${tool[@]}" keygen --private vendor.key.pem --public trusted/vendor.pem | grep -Eq '^key [0-9a-f]{16}:' \
  || fail "keygen did not print the key id"
[ "$(stat -c %a vendor.key.pem)" = 600 ] || fail "private key is not mode 600"

cp "$binary" driver.so
"${tool[@]}" sign --key vendor.key.pem driver.so >/dev/null
[ -f driver.so.sig ] || fail "sign wrote no driver.so.sig"
"${tool[@]}" verify --trusted trusted driver.so | grep -q '^OK: ' || fail "verify did not accept"

printf 'X' | dd of=driver.so bs=1 seek=100 conv=notrunc status=none
expect_refusal 'REFUSED (bad signature)' "${tool[@]}" verify --trusted trusted driver.so

cp "$binary" other.so
"${tool[@]}" keygen --private stranger.key.pem --public stranger.pem >/dev/null
"${tool[@]}" sign --key stranger.key.pem other.so >/dev/null
expect_refusal 'REFUSED (unknown key)' "${tool[@]}" verify --trusted trusted other.so

cp "$binary" plain.so
expect_refusal 'REFUSED (unsigned)' "${tool[@]}" verify --trusted trusted plain.so

expect_refusal 'File exists' "${tool[@]}" keygen --private vendor.key.pem --public new.pem
echo "hearth-sign CLI: all checks passed"
