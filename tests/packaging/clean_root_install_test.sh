#!/usr/bin/env bash
# The hearth package on a clean Debian 12 root, with no network (label "long"):
#   1. cpack builds the packages from this build tree;
#   2. in a network namespace with only loopback (so nothing can be fetched) and a private mount
#      namespace, debootstrap builds a minbase root from the base tarball that
#      packaging/debian-base-tarball.sh downloaded beforehand (see there why it must be
#      downloaded once);
#   3. the root's apt knows only a local archive (the tarball's .debs) and installs hearth's
#      .deb with `apt-get install ./hearth_*.deb`, so its Depends are resolved for real;
#   4. postinst made the `hearth` user; as that user hearthd passes --check on the shipped
#      configuration and on an example site, starts, says READY=1 through NOTIFY_SOCKET, and
#      stops with status 0 on SIGTERM.
# Exits 77 (skipped) without root, namespaces, debootstrap or the base tarball.
#
# usage: clean_root_install_test.sh BUILD_DIR
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
tarball="${HEARTH_DEBIAN_BASE:-/var/cache/hearth/debian-bookworm-base.tgz}"
SKIP=77
skip() { echo "SKIP: $*"; exit $SKIP; }
fail() { echo "FAIL: $*" >&2; exit 1; }

# --- the part inside the namespaces ---------------------------------------------------------
if [ "${1:-}" = "--inside" ]; then
  work="$2"
  root="$work/root"
  mount --make-rprivate /
  # /proc/self/net is this network namespace's view (/sys/class/net would be the host's).
  interfaces="$(awk -F: 'NR > 2 { gsub(/ /, "", $1); print $1 }' /proc/self/net/dev | xargs)"
  [ "$interfaces" = lo ] || fail "the namespace has network interfaces: $interfaces"

  started=$SECONDS
  debootstrap --variant=minbase --unpack-tarball="$tarball" bookworm "$root" \
    >"$work/debootstrap.log" 2>&1 || { tail -30 "$work/debootstrap.log" >&2; fail "debootstrap"; }
  echo "debootstrap (offline, from $(basename "$tarball")): $((SECONDS - started)) s," \
    "$(chroot "$root" dpkg-query -W | wc -l) packages"
  [ ! -e "$root/usr/bin/hearthd" ] || fail "the fresh root already has hearthd"

  # A local archive of the tarball's packages: the only source the root's apt has.
  mkdir -p "$root/srv/archive"
  tar -xzf "$tarball" -C "$work/tarball" 2>/dev/null || true
  cp "$work"/tarball/var/cache/apt/archives/*.deb "$root/srv/archive/"
  (cd "$root/srv/archive" && dpkg-scanpackages --multiversion . >Packages 2>/dev/null)
  rm -f "$root"/etc/apt/sources.list.d/* "$root/etc/apt/sources.list"
  echo "deb [trusted=yes] file:/srv/archive ./" >"$root/etc/apt/sources.list"
  cp "$work"/debs/hearth_*.deb "$root/tmp/"
  mount -t proc proc "$root/proc"
  trap 'umount "$root/proc" 2>/dev/null || true' EXIT
  export DEBIAN_FRONTEND=noninteractive
  chroot "$root" apt-get update -qq >"$work/apt.log" 2>&1 || { cat "$work/apt.log" >&2; fail "apt-get update"; }
  chroot "$root" sh -c 'apt-get install -y --no-install-recommends /tmp/hearth_*.deb' \
    >>"$work/apt.log" 2>&1 || { tail -30 "$work/apt.log" >&2; fail "apt-get install ./hearth_*.deb"; }
  installed="$(chroot "$root" dpkg-query -W -f='${Status} ${Version}' hearth)"
  case "$installed" in "install ok installed "*) ;; *) fail "hearth: $installed" ;; esac
  echo "apt-get installed hearth ${installed##* } and $(grep -c '^Setting up' "$work/apt.log") packages" \
    "in the clean root"

  chroot "$root" getent passwd hearth >/dev/null || fail "postinst made no hearth user"
  as_hearth=(chroot "$root" runuser -u hearth --)
  "${as_hearth[@]}" /usr/bin/hearthd --check /etc/hearth/hearth.yaml \
    || fail "the shipped configuration does not pass --check"
  # The installer's first site: an example shipped with the package, on the sim HAL (a
  # container has no GPIO chips).
  example="$(cd "$root/usr/share/doc/hearth/examples" && ls ./*.yaml | head -1)"
  [ -n "$example" ] || fail "the package ships no example site"
  sed 's/^hal:.*/hal: sim/' "$root/usr/share/doc/hearth/examples/$example" >"$root/etc/hearth/site.yaml"
  "${as_hearth[@]}" /usr/bin/hearthd --check /etc/hearth/site.yaml \
    || fail "the example $example does not pass --check"
  "${as_hearth[@]}" /usr/bin/hearthd --list-plugins --config /etc/hearth/hearth.yaml \
    >"$work/plugins.txt"
  ! grep -q '^refused' "$work/plugins.txt" || { cat "$work/plugins.txt"; fail "a plugin was refused"; }

  # Start it as the service does: the hearth user, NOTIFY_SOCKET, the shipped configuration
  # with the sim HAL (no GPIO chips here), the state in /var/lib/hearth.
  sed 's/^hal:.*/hal: sim/' "$root/etc/hearth/hearth.yaml" >"$root/etc/hearth/run.yaml"
  mkdir -p "$root/run/hearth-test"
  chown "$(chroot "$root" id -u hearth)" "$root/run/hearth-test"
  /usr/bin/python3 "$here/sd_notify_test.py" --chroot "$root" --user hearth \
    --config /etc/hearth/run.yaml --state-dir /var/lib/hearth --socket-dir /run/hearth-test \
    /usr/bin/hearthd
  echo "clean root: hearth installed with apt from a local archive, --check passed, started" \
    "and stopped as hearth"
  exit 0
fi

# --- the part outside: preconditions, packages, then the namespaces --------------------------
build="${1:?usage: clean_root_install_test.sh BUILD_DIR}"
[ "$(id -u)" -eq 0 ] || skip "needs root (debootstrap, chroot, namespaces)"
command -v debootstrap >/dev/null || skip "debootstrap is not installed (install-deps.sh --full)"
[ -s "$tarball" ] || skip "no Debian base tarball at $tarball; make it once with" \
  "'bash packaging/debian-base-tarball.sh' (downloads from the Debian mirror)"
unshare --net --mount true 2>/dev/null || skip "cannot make network and mount namespaces"

work="$(mktemp -d /var/tmp/hearth-clean-root.XXXXXX)"
trap 'rm -rf --one-file-system "$work"' EXIT
chmod 755 "$work"
mkdir -p "$work/tarball"
started=$SECONDS
cpack --config "$build/CPackConfig.cmake" -B "$work/debs" >"$work/cpack.log" 2>&1 \
  || { cat "$work/cpack.log" >&2; fail "cpack failed"; }
echo "cpack: $((SECONDS - started)) s"
unshare --net --mount bash "$0" --inside "$work"
echo "clean root install: passed in $((SECONDS - started)) s"
