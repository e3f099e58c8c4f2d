#!/usr/bin/env bash
# Builds tests/packaging/sdk_consumer against the SDK installed under PREFIX (nothing from the
# source tree), then runs its fake-host test.
#
# usage: build_sdk_consumer.sh PREFIX WORK_DIR [SANITIZERS]
set -euo pipefail
prefix="$1"
work="$2"
sanitize="${3:-}"
here="$(cd "$(dirname "$0")" && pwd)"

flags=()
if [ -n "$sanitize" ]; then
  # The installed fake host was built with these sanitizers; its users must link their runtime.
  flags+=("-DCMAKE_CXX_FLAGS=-fsanitize=$sanitize" "-DCMAKE_EXE_LINKER_FLAGS=-fsanitize=$sanitize"
          "-DCMAKE_MODULE_LINKER_FLAGS=-fsanitize=$sanitize")
fi
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)

generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
cmake -S "$here/sdk_consumer" -B "$work" "${generator[@]}" "${launcher[@]}" \
  -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF "${flags[@]}" >"$work.configure.log" 2>&1 \
  || { cat "$work.configure.log" >&2; echo "FAIL: the SDK consumer does not configure" >&2; exit 1; }
grep -F "HearthPluginSDK" "$work.configure.log"
case "$(grep -F "HearthPluginSDK" "$work.configure.log")" in
  *"from $prefix"*) ;;
  *) echo "FAIL: HearthPluginSDK was not found under $prefix" >&2; exit 1 ;;
esac
cmake --build "$work" -j2 >"$work.build.log" 2>&1 \
  || { cat "$work.build.log" >&2; echo "FAIL: the SDK consumer does not build" >&2; exit 1; }
"$work/sdk_probe_test"
