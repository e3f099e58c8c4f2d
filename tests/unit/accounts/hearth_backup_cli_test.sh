#!/bin/bash
# hearth-backup end to end: public-key, create, verify, restore on a fresh box; a flipped byte and
# a missing trusted key are refused with status 1 and leave the new box empty.
# Usage: hearth_backup_cli_test.sh [emulator...] <hearth-backup>
set -euo pipefail
tool=("$@")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
fail() { echo "FAIL: $*" >&2; exit 1; }

mkdir -p old/var old/etc
printf 'site:\n  name: cli\n' > old/etc/hearth.yaml
/usr/bin/python3 - <<'PY'
import sqlite3
db = sqlite3.connect("old/var/hearth.db")
db.execute("CREATE TABLE history_minute (point TEXT, mean REAL)")
db.execute("INSERT INTO history_minute VALUES ('inverter/power_w', 1234.5)")
db.commit()
PY

"${tool[@]}" public-key --state-dir old/var > box.pem 2> key-id.txt
grep -q "BEGIN PUBLIC KEY" box.pem || fail "public-key printed no PEM"
"${tool[@]}" create --state-dir old/var --config-dir old/etc -o site.hbk > create.txt
grep -q "state/hearth.db" create.txt || fail "create did not list the database"
grep -q "box-signing" create.txt && fail "the box's private key went into the backup"

"${tool[@]}" verify --trust box.pem site.hbk > /dev/null || fail "a good backup did not verify"

# Refusals: status 1, a reason, nothing written.
if "${tool[@]}" restore --state-dir new/var --config-dir new/etc site.hbk 2> refused.txt; then
  fail "restored without a trusted key"
fi
grep -q "does not trust" refused.txt || fail "no reason for the unknown key: $(cat refused.txt)"
/usr/bin/python3 -c '
data = bytearray(open("site.hbk", "rb").read())
data[-200] ^= 0x01  # one bit of one byte, inside the database entry
open("tampered.hbk", "wb").write(data)'
if "${tool[@]}" restore --trust box.pem --state-dir new/var --config-dir new/etc tampered.hbk \
    2> refused.txt; then
  fail "restored a tampered backup"
fi
grep -q "does not match the content" refused.txt || fail "no reason for tampering: $(cat refused.txt)"
[ ! -e new ] || fail "a refused restore left files: $(find new)"

"${tool[@]}" restore --trust box.pem --state-dir new/var --config-dir new/etc site.hbk > /dev/null \
  || fail "a good backup did not restore"
cmp old/etc/hearth.yaml new/etc/hearth.yaml || fail "YAML differs after restore"
/usr/bin/python3 -c '
import sqlite3, sys
rows = sqlite3.connect("new/var/hearth.db").execute("SELECT * FROM history_minute").fetchall()
sys.exit(0 if rows == [("inverter/power_w", 1234.5)] else "history differs: %r" % rows)'
[ ! -e new/var/keys/box-signing.pem ] || fail "the old box's private key reached the new box"
echo "hearth-backup CLI: OK"
