#!/usr/bin/env bash
# Installs the Debian 12 packages Hearth needs to build, test and demo.
# Idempotent: asks apt only for what is missing, and runs `apt-get update` only then.
# The package list is the single source for `make demo`, `make test` and CI.
set -euo pipefail

packages=(
  # build
  build-essential cmake ninja-build pkg-config ccache
  # libraries (see ../shared/reference/dependencies.md for the job of each)
  libboost-dev libmodbus-dev libyaml-cpp-dev libspdlog-dev libfmt-dev nlohmann-json3-dev
  libsqlite3-dev libsystemd-dev libcli11-dev libgpiod-dev libssl-dev libargon2-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev
  # real peers for tests
  mbpoll python3-pymodbus python3-serial python3-serial-asyncio socat
  # the tz database: TOU windows and deadlines in the site's time zone (core/energy/dispatch)
  tzdata
  # packaging tests: systemd-analyze verify on the unit, dpkg-shlibdeps for CPack
  systemd dpkg-dev
  # ABI layout checks on i386
  gcc-multilib g++-multilib
  # the arm layout asserts (clang --target needs no sysroot)
  clang
  # the ABI 1.0 layout snapshot (abidw/abidiff, tests/abi)
  abigail-tools
)
# make test-full: debootstrap for the clean-root install test. The arm64 cross compiler and
# qemu-user-static are not installed here: crossbuild-essential-arm64 conflicts with
# gcc-multilib (apt would remove it and the i386 ABI checks); packaging/arm64-sysroot.sh unpacks
# both into the sysroot instead.
if [ "${1:-}" = "--full" ]; then
  packages+=(debootstrap)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
