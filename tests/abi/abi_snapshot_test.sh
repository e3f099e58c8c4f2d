#!/usr/bin/env bash
# The plugin ABI compared with its committed snapshot (abigail-tools; tests/abi/README.md):
#
#   abi_snapshot_test.sh LIBRARY SNAPSHOT                    passes when abidiff finds no change
#   abi_snapshot_test.sh --expect-change LIBRARY SNAPSHOT    passes when abidiff reports moved
#                                                            fields (the self-test)
#   abi_snapshot_test.sh --update LIBRARY SNAPSHOT           writes SNAPSHOT
#
# LIBRARY is libhearth_abi_snapshot.so (snapshot/abi_snapshot.c). Exits 77 (skipped) without
# abidw/abidiff.
set -euo pipefail
mode=check
case "${1:-}" in --expect-change | --update) mode="${1#--}"; shift ;; esac
library="$1" snapshot="$2"
command -v abidw >/dev/null && command -v abidiff >/dev/null \
  || { echo "SKIP: abigail-tools (abidw, abidiff) is not installed"; exit 77; }
fresh="$(mktemp --suffix=.abi)"
report="$(mktemp)"
trap 'rm -f "$fresh" "$report"' EXIT
# No paths and no source locations: the dump is the same from every checkout and build directory.
abidw --no-corpus-path --no-comp-dir-path --no-show-locs "$library" >"$fresh"

if [ "$mode" = update ]; then
  cp "$fresh" "$snapshot"
  echo "abi snapshot: wrote $snapshot"
  exit 0
fi
status=0
abidiff --no-show-locs "$snapshot" "$fresh" >"$report" 2>&1 || status=$?
# abidiff's status is a bit set: 1 error, 2 usage, 4 ABI change, 8 incompatible ABI change.
if [ $((status & 3)) -ne 0 ]; then
  cat "$report" >&2
  echo "FAIL: abidiff could not compare (status $status)" >&2
  exit 1
fi
if [ "$mode" = expect-change ]; then
  # A layout change behind a pointer is status 4 ("ABI change"); 8 is kept for removed symbols.
  if [ $((status & 4)) -ne 0 ] && grep -q "offset changed" "$report"; then
    echo "abi snapshot self-test: abidiff reports the inserted field and the moved offsets"
    exit 0
  fi
  cat "$report"
  echo "FAIL: abidiff did not report the deliberately changed layout (status $status)" >&2
  exit 1
fi
if [ "$status" -ne 0 ]; then
  cat "$report" >&2
  cat >&2 <<MESSAGE
FAIL: plugin.h no longer matches the frozen ABI in $snapshot (abidiff status $status).
Within major version 1 a change may only append: fields at the end of a struct that begins with
struct_size, functions at the end of hearth_host_api (docs/plugin-guide.md, "Versioning").
If this change is such an addition, raise HEARTH_ABI_MINOR and record the new snapshot:
  cmake --build <build dir> --target abi-snapshot
Anything else is a new major version.
MESSAGE
  exit 1
fi
echo "abi snapshot: plugin.h matches $(basename "$snapshot")"
