#!/usr/bin/env bash
# docs/config-reference.md from the parameter tables of the plugins hearthd's package ships:
#
#   config-reference.sh HEARTHD FILE PLUGIN_ID...           writes FILE
#   config-reference.sh --check HEARTHD FILE PLUGIN_ID...   fails when FILE is not current
#
# `cmake --build <build dir> --target config-reference` runs the first form with the right
# arguments; ctest's packaging.config_reference_current runs the second.
set -euo pipefail
check=0
if [ "${1:-}" = "--check" ]; then check=1; shift; fi
hearthd="$1" file="$2"; shift 2
ids="$(IFS=,; echo "$*")"
generated="$(mktemp)"
trap 'rm -f "$generated"' EXIT
# Only the plugins next to hearthd: no third-party directories from the environment or a config.
env -u HEARTH_PLUGIN_PATH -u HEARTH_PLUGIN_SIGNATURES "$hearthd" --config /nonexistent \
  --describe "$ids" --markdown >"$generated"
if [ "$check" = 0 ]; then
  cp "$generated" "$file"
  echo "config-reference: wrote $file (${*})"
elif ! diff -u "$file" "$generated"; then
  echo "FAIL: $file is not current with the plugins' parameter tables." >&2
  echo "Regenerate it: cmake --build <build dir> --target config-reference, then commit it." >&2
  exit 1
fi
