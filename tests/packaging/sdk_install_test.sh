#!/usr/bin/env bash
# The hearth-plugin-sdk component, installed with `cmake --install --component sdk` into a temp
# prefix, holds the headers, the fake host, hearth-sign and a CMake package that a vendor's
# project finds with find_package(HearthPluginSDK) and builds a plugin and its test with.
#
# usage: sdk_install_test.sh BUILD_DIR [SANITIZERS]
set -euo pipefail
build="$1"
sanitize="${2:-}"
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

cmake --install "$build" --component sdk --prefix "$work/sdk" >/dev/null
for file in include/hearth/plugin.h include/hearth/plugin.hpp \
            include/hearth/testing/fake_host.hpp bin/hearth-sign; do
  [ -f "$work/sdk/$file" ] || fail "$file is not in the installed SDK"
done
# lib/ or lib/<multiarch>/, as GNUInstallDirs decides for the prefix.
[ -n "$(find "$work/sdk" -path '*/lib*/libhearth_fake_host.a')" ] \
  || fail "libhearth_fake_host.a is not in the installed SDK"
[ -n "$(find "$work/sdk" -path '*/cmake/HearthPluginSDK/HearthPluginSDKConfig.cmake')" ] \
  || fail "HearthPluginSDKConfig.cmake is not in the installed SDK"
# Nothing of the daemon leaks into the SDK.
[ ! -e "$work/sdk/bin/hearthd" ] || fail "hearthd is in the SDK component"

bash "$here/build_sdk_consumer.sh" "$work/sdk" "$work/consumer" "$sanitize"
