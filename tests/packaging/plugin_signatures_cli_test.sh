#!/usr/bin/env bash
# hearthd's plugin signature policy end to end, the way a vendor and an installer use it: a
# plugin signed with hearth-sign loads from a third-party directory (--plugin-path) when its key
# is in --trusted-keys; an unsigned or tampered one is refused with the file and the reason while
# the signed one still loads; --plugin-signatures off loads both; HEARTH_PLUGIN_SIGNATURES=all
# refuses the unsigned built-in plugins next to hearthd too.
#
# usage: plugin_signatures_cli_test.sh HEARTHD HEARTH_SIGN PLUGIN_A PLUGIN_B
set -euo pipefail
hearthd="$1" hearth_sign="$2" plugin_a="$3" plugin_b="$4"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; [ -f "$work/out.txt" ] && cat "$work/out.txt" >&2; exit 1; }
a="$(basename "$plugin_a")" b="$(basename "$plugin_b")"

mkdir "$work/trusted" "$work/vendor"
"$hearth_sign" keygen --private "$work/vendor.key.pem" --public "$work/trusted/vendor.pem" >/dev/null
cp "$plugin_a" "$plugin_b" "$work/vendor/"
"$hearth_sign" sign --key "$work/vendor.key.pem" "$work/vendor/$a" >/dev/null

# list <hearthd options...>: --list-plugins with only the vendor directory as third-party input.
list() {
  env -u HEARTH_PLUGIN_SIGNATURES -u HEARTH_PLUGIN_PATH -u HEARTH_TRUSTED_KEYS \
    "$hearthd" --config /nonexistent --plugin-path "$work/vendor" --list-plugins "$@" \
    >"$work/out.txt" 2>&1 || fail "hearthd --list-plugins exited $?"
}
loaded() { grep -q "  $work/vendor/$1\$" "$work/out.txt"; }

# Default policy: third-party directories need a trusted signature.
list --trusted-keys "$work/trusted"
loaded "$a" || fail "the signed $a did not load"
grep -q "refused $work/vendor/$b: unsigned ($work/vendor is a third-party plugin directory): $work/vendor/$b is not signed (no $b.sig next to it)" \
  "$work/out.txt" || fail "the unsigned $b was not refused with its reason"

# Without the vendor's key the signed plugin is refused too, naming the key.
list --trusted-keys "$work/no-such-dir"
grep -q "refused $work/vendor/$a: unknown key" "$work/out.txt" || fail "untrusted key accepted"

# A byte changed after signing.
printf 'X' | dd of="$work/vendor/$a" bs=1 seek=200 conv=notrunc status=none
list --trusted-keys "$work/trusted"
grep -q "refused $work/vendor/$a: bad signature" "$work/out.txt" || fail "tampered $a loaded"

# The development switch loads both (and says checks are off).
list --trusted-keys "$work/trusted" --plugin-signatures off
loaded "$a" && loaded "$b" || fail "--plugin-signatures off did not load both"
grep -q "plugin signatures are not checked" "$work/out.txt" || fail "no warning for mode off"

# Require-all (by environment, as a unit file would set it): the built-in plugins next to
# hearthd are unsigned, so every one is refused.
env HEARTH_PLUGIN_SIGNATURES=all "$hearthd" --config /nonexistent --trusted-keys "$work/trusted" \
  --list-plugins >"$work/out.txt" 2>&1 || fail "hearthd --list-plugins exited $?"
grep -q "(signatures are required for all plugins)" "$work/out.txt" \
  || fail "HEARTH_PLUGIN_SIGNATURES=all did not check the built-in plugins"
grep -q "^  driver " "$work/out.txt" && fail "a driver loaded unsigned with signatures required for all"

"$hearthd" --plugin-signatures sometimes --list-plugins >"$work/out.txt" 2>&1 \
  && fail "an unknown --plugin-signatures mode was accepted"
echo "plugin signature policy: all cases as expected"
