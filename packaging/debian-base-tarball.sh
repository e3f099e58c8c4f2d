#!/usr/bin/env bash
# The Debian 12 base the clean-root install test (tests/packaging/clean_root_install_test.sh)
# starts from: `debootstrap --make-tarball` of the minbase variant plus the runtime libraries
# hearthd links against, downloaded once from the Debian mirror and kept as a tarball. The test
# then builds its root from the tarball with no network at all (debootstrap --unpack-tarball in
# a network namespace).
#
# Why a tarball made beforehand: a Debian root cannot be made with no network from what this
# machine has. Its essential packages (base-files, bash, dpkg, libc6, ... ) came with the
# image and are not in /var/cache/apt/archives, so neither debootstrap nor mmdebstrap finds them
# offline. The mirror is the one network source allowed here; this script is the only step that
# uses it, and it runs once (make test-full calls it; it does nothing when the tarball exists).
#
#   bash packaging/debian-base-tarball.sh [TARBALL]     default /var/cache/hearth/debian-bookworm-base.tgz
set -euo pipefail
tarball="${1:-${HEARTH_DEBIAN_BASE:-/var/cache/hearth/debian-bookworm-base.tgz}}"
mirror="${HEARTH_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
[ -s "$tarball" ] && exit 0
command -v debootstrap >/dev/null || { echo "debian-base-tarball: debootstrap is not installed (install-deps.sh --full)" >&2; exit 1; }

# What hearthd's package Depends on (dpkg-shlibdeps over hearthd and the plugins, plus
# adduser), so the test's apt finds them in the local archive. When the package grows a new
# library dependency, the test says which one is missing; add it here and remove the tarball.
runtime=(adduser libstdc++6 libgcc-s1 libmodbus5 libyaml-cpp0.7 libspdlog1.10 libfmt9
         libsqlite3-0 libsystemd0 libgpiod2 libssl3 libargon2-1)

mkdir -p "$(dirname "$tarball")"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
echo "debian-base-tarball: downloading Debian 12 minbase + ${runtime[*]} from $mirror"
debootstrap --variant=minbase --include="$(IFS=,; echo "${runtime[*]}")" \
  --make-tarball="$scratch/base.tgz" bookworm "$scratch/root" "$mirror" >"$scratch/log" 2>&1 \
  || { tail -20 "$scratch/log" >&2; exit 1; }
mv "$scratch/base.tgz" "$tarball"
echo "debian-base-tarball: $tarball ($(du -h "$tarball" | cut -f1))"
