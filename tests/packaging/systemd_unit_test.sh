#!/usr/bin/env bash
# `systemd-analyze verify` on packaging/systemd/hearthd.service, with /usr/bin/hearthd pointed at
# the built binary (verify checks that ExecStart= commands exist and are executable). Any output
# counts as a failure: verify reports unknown keys and unparsable values as warnings and still
# exits 0. A deliberately broken copy must be reported, so this test cannot pass by not looking.
# Also keeps the hardening from regressing: `systemd-analyze security` exposure at most 2.5.
#
# usage: systemd_unit_test.sh UNIT_FILE HEARTHD_BINARY
set -euo pipefail
unit="$1"
hearthd="$2"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
command -v systemd-analyze >/dev/null || fail "systemd-analyze not found (apt-get install systemd)"
[ -x "$hearthd" ] || fail "$hearthd is not an executable"

# verify_quietly FILE: exit status 0 and not a line of output.
verify_quietly() {
  local status=0
  (cd "$work" && systemd-analyze verify "$1") >"$work/verify.out" 2>&1 || status=$?
  [ "$status" -eq 0 ] && [ ! -s "$work/verify.out" ]
}

sed "s|/usr/bin/hearthd|$hearthd|g" "$unit" >"$work/hearthd.service"
grep -q "^ExecStart=$hearthd --config" "$work/hearthd.service" || fail "ExecStart not rewritten"
if ! verify_quietly "$work/hearthd.service"; then
  cat "$work/verify.out" >&2
  fail "systemd-analyze verify found problems in $unit"
fi

# The directives the fail-safe design rests on (architecture.md "Fail-safe"); a typo in any of
# them would be a warning above, this catches their removal.
for directive in '^Type=notify$' '^WatchdogSec=' '^ExecStopPost=.* --failsafe' '^Restart=on-failure$' \
                 '^StartLimitBurst=' '^User=hearth$' '^StateDirectory=hearth$'; do
  grep -Eq "$directive" "$unit" || fail "$unit lacks $directive"
done

sed 's|^WatchdogSec=.*|WatchdogSec=soon|' "$work/hearthd.service" >"$work/broken.service"
verify_quietly "$work/broken.service" && fail "verify did not report a broken WatchdogSec="

exposure_limit=25  # tenths: "2.5" in systemd-analyze's 0-10 scale
if ! (cd "$work" && systemd-analyze security --offline=yes --threshold=$exposure_limit \
        "$work/hearthd.service") >"$work/security.out" 2>&1; then
  grep -E 'Overall exposure|✗' "$work/security.out" >&2 || cat "$work/security.out" >&2
  fail "exposure above 2.5"
fi
grep -o 'Overall exposure level.*' "$work/security.out"
echo "hearthd.service: verify clean, exposure within limit"
