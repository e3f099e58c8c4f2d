#!/usr/bin/env bash
# The three Debian packages, built with CPack from this build tree (slow: label "long"):
#   - each holds what it should (dpkg-deb -c) and nothing of the others;
#   - hearth's control data: Depends from dpkg-shlibdeps, the maintainer scripts, conffiles;
#   - unpacked into a fresh root, hearthd from it checks the shipped default configuration,
#     loads the shipped plugins, and starts under a test service manager (READY, WATCHDOG);
#   - the shipped unit passes systemd-analyze verify against the shipped binary;
#   - a vendor project builds against the unpacked hearth-plugin-sdk;
#   - as root: dpkg installs them for real (postinst makes the user) on a copy-on-write view of
#     this machine (deb_install_in_namespace.sh), hearthd runs as `hearth`, dpkg purges them.
# The fresh root is made with dpkg-deb -x (no network, no root needed); a clean Debian root would
# need debootstrap and a mirror.
#
# usage: deb_package_test.sh BUILD_DIR PACKAGED_PLUGINS_FILE [SANITIZERS]
set -euo pipefail
build="$1"
plugins_file="$2"
sanitize="${3:-}"
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

started=$SECONDS
cpack --config "$build/CPackConfig.cmake" -B "$work/out" >"$work/cpack.log" 2>&1 \
  || { cat "$work/cpack.log" >&2; fail "cpack failed"; }
echo "cpack: $((SECONDS - started)) s"

deb_of() {
  local found=("$work"/out/"$1"_*.deb)
  [ -f "${found[0]}" ] || fail "no $1 package among: $(ls "$work/out")"
  echo "${found[0]}"
}
hearth_deb="$(deb_of hearth)"
sim_deb="$(deb_of hearth-sim)"
sdk_deb="$(deb_of hearth-plugin-sdk)"
[ "$(ls "$work"/out/*.deb | wc -l)" -eq 3 ] || fail "expected 3 packages: $(ls "$work/out")"

# The paths in a package, one a line ("./usr/bin/hearthd"), in a file (grep -q on a pipe from
# dpkg-deb would break the pipe and fail under pipefail).
contents_of() {
  dpkg-deb -c "$1" | awk '{print $6}' | sed 's|/$||' >"$work/contents"
  echo "$work/contents"
}
# expect_files DEB PATH...: every PATH is in DEB.
expect_files() {
  local deb="$1"; shift
  local list
  list="$(contents_of "$deb")"
  for path in "$@"; do
    grep -qxF "./$path" "$list" || fail "$(basename "$deb") lacks /$path"
  done
}
# expect_match DEB PATTERN: some path of DEB matches PATTERN.
expect_match() {
  grep -qE "$2" "$(contents_of "$1")" || fail "$(basename "$1") has no file matching $2"
}
# refuse_files DEB PATTERN: no path of DEB matches PATTERN.
refuse_files() {
  if grep -E "$2" "$(contents_of "$1")"; then
    fail "$(basename "$1") holds files matching $2"
  fi
}

plugin_paths=()
while read -r plugin; do
  [ -n "$plugin" ] && plugin_paths+=("usr/lib/hearth/plugins/$plugin")
done <"$plugins_file"
expect_files "$hearth_deb" usr/bin/hearthd etc/hearth/hearth.yaml etc/hearth/trusted-keys \
  usr/lib/systemd/system/hearthd.service usr/lib/udev/rules.d/60-hearth-gpio.rules \
  usr/share/doc/hearth/README.md "${plugin_paths[@]}"
refuse_files "$hearth_deb" 'hearth-sim$|include/|\.a$'
expect_files "$sim_deb" usr/bin/hearth-sim
refuse_files "$sim_deb" 'hearthd|/etc/'
expect_files "$sdk_deb" usr/include/hearth/plugin.h usr/include/hearth/plugin.hpp \
  usr/include/hearth/testing/fake_host.hpp usr/bin/hearth-sign
expect_match "$sdk_deb" 'libhearth_fake_host\.a$'
expect_match "$sdk_deb" 'cmake/HearthPluginSDK/HearthPluginSDKConfig\.cmake$'
refuse_files "$sdk_deb" 'hearthd|/etc/'
echo "contents: OK ($(wc -l <"$(contents_of "$hearth_deb")") entries in hearth)"

depends="$(dpkg-deb -f "$hearth_deb" Depends)"
echo "hearth Depends: $depends"
case "$depends" in *adduser*) ;; *) fail "hearth does not depend on adduser" ;; esac
case "$depends" in *libc6*) ;; *) fail "no dpkg-shlibdeps dependencies in hearth: $depends" ;; esac
case "$(dpkg-deb -f "$sdk_deb" Depends)" in *libssl3*) ;;
  *) fail "hearth-plugin-sdk (hearth-sign) does not depend on libssl3" ;; esac
dpkg-deb -e "$hearth_deb" "$work/control"
for script in postinst prerm postrm; do
  [ -x "$work/control/$script" ] || fail "$script missing or not executable"
  sh -n "$work/control/$script" || fail "$script has a syntax error"
done
grep -qxF /etc/hearth/hearth.yaml "$work/control/conffiles" || fail "hearth.yaml is no conffile"

root="$work/root"
for deb in "$hearth_deb" "$sim_deb" "$sdk_deb"; do dpkg-deb -x "$deb" "$root"; done
hearthd="$root/usr/bin/hearthd"
state="$work/state"
"$hearthd" --check "$root/etc/hearth/hearth.yaml" --state-dir "$state" \
  || fail "the shipped /etc/hearth/hearth.yaml does not pass --check"
"$hearthd" --list-plugins --config "$root/etc/hearth/hearth.yaml" >"$work/plugins.txt"
cat "$work/plugins.txt"
while read -r plugin; do
  [ -z "$plugin" ] && continue
  # hearthd names it by the path it searched: <exe_dir>/../lib/hearth/plugins.
  grep -Eq "  $root/usr/(bin/\.\./)?lib/hearth/plugins/$plugin\$" "$work/plugins.txt" \
    || fail "hearthd from the package did not load $plugin from its lib/hearth/plugins"
done <"$plugins_file"
! grep -q '^refused' "$work/plugins.txt" || fail "a shipped plugin is refused"

chmod 755 "$work"  # mktemp's 0700 would keep the unprivileged user from the unpacked binary
/usr/bin/python3 "$here/sd_notify_test.py" "$hearthd" --user nobody
bash "$here/systemd_unit_test.sh" "$root/usr/lib/systemd/system/hearthd.service" "$hearthd" \
  | tail -1
bash "$here/build_sdk_consumer.sh" "$root/usr" "$work/consumer" "$sanitize"
if [ "$(id -u)" -eq 0 ] && unshare -m true 2>/dev/null; then
  unshare -m bash "$here/deb_install_in_namespace.sh" "$work/out" "$work/namespace"
else
  echo "note: not root or no mount namespaces here: the dpkg installation stage was skipped"
fi
echo "deb packages: all checks passed in $((SECONDS - started)) s"
