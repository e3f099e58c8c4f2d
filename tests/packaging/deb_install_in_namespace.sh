#!/usr/bin/env bash
# Installs the built packages with dpkg for real — maintainer scripts included — on a
# copy-on-write view of this machine: a private mount namespace with overlays on /etc, /usr and
# /var, so nothing reaches the real system. Then checks what postinst made, runs the installed
# hearthd as the `hearth` user, and purges. Called by deb_package_test.sh under `unshare -m`.
#
# usage: deb_install_in_namespace.sh DEB_DIR SCRATCH_DIR
set -euo pipefail
debs="$1"
scratch="$2"
here="$(cd "$(dirname "$0")" && pwd)"
fail() { echo "FAIL (dpkg install): $*" >&2; exit 1; }

mount --make-rprivate /
for dir in etc usr var; do
  mkdir -p "$scratch/$dir/upper" "$scratch/$dir/work"
  mount -t overlay overlay \
    -o "lowerdir=/$dir,upperdir=$scratch/$dir/upper,workdir=$scratch/$dir/work" "/$dir"
done
# The maintainer scripts talk to systemd only when /run/systemd/system exists: hide it, so a
# host's systemd never hears of this installation.
[ -d /run/systemd ] && mount -t tmpfs tmpfs /run/systemd

export DEBIAN_FRONTEND=noninteractive
dpkg -i "$debs"/*.deb >"$scratch/dpkg-install.log" 2>&1 \
  || { cat "$scratch/dpkg-install.log" >&2; fail "dpkg -i failed"; }
for package in hearth hearth-sim hearth-plugin-sdk; do
  [ "$(dpkg-query -W -f='${Status}' "$package")" = "install ok installed" ] \
    || fail "$package is not installed"
done

getent passwd hearth >/dev/null || fail "postinst made no hearth user"
[ "$(getent passwd hearth | cut -d: -f7)" = /usr/sbin/nologin ] || fail "hearth has a login shell"
groups_of_hearth=" $(id -nG hearth) "
for group in hearth dialout gpio; do
  case "$groups_of_hearth" in *" $group "*) ;; *) fail "hearth is not in group $group" ;; esac
done
[ "$(stat -c '%U:%G %a' /var/lib/hearth)" = "hearth:hearth 750" ] \
  || fail "/var/lib/hearth is $(stat -c '%U:%G %a' /var/lib/hearth), expected hearth:hearth 750"

runuser -u hearth -- /usr/bin/hearthd --check /etc/hearth/hearth.yaml
runuser -u hearth -- /usr/bin/hearthd --failsafe --state-dir /var/lib/hearth \
  || fail "hearthd --failsafe (the unit's ExecStopPost) fails as the hearth user"
/usr/bin/python3 "$here/sd_notify_test.py" /usr/bin/hearthd --user hearth

# An installer's edit of the configuration survives reinstalling the package (conffile).
echo "# edited by the installer" >>/etc/hearth/hearth.yaml
dpkg -i "$debs"/hearth_*.deb >>"$scratch/dpkg-install.log" 2>&1 || fail "reinstall failed"
grep -q "edited by the installer" /etc/hearth/hearth.yaml || fail "reinstall replaced the edit"

dpkg -P hearth-plugin-sdk hearth-sim hearth >"$scratch/dpkg-purge.log" 2>&1 \
  || { cat "$scratch/dpkg-purge.log" >&2; fail "dpkg -P failed"; }
[ ! -e /usr/bin/hearthd ] || fail "hearthd left after purge"
[ ! -e /var/lib/hearth ] || fail "/var/lib/hearth left after purge"
[ ! -e /etc/hearth/hearth.yaml ] || fail "/etc/hearth/hearth.yaml left after purge"
echo "dpkg: installed, postinst made hearth (groups: $(echo $groups_of_hearth)), ran, purged"
