#!/usr/bin/env bash
# Makes an arm64 sysroot for cross-building Hearth without installing anything: the arm64 -dev
# packages Hearth builds against (with everything they depend on), the cross compiler and
# qemu-user-static are downloaded with apt-get into a private apt state directory and unpacked
# with dpkg-deb -x. The machine's apt configuration, package lists and dpkg database are not
# touched, so nothing conflicts with what is installed (see below for why that matters).
#
#   bash packaging/arm64-sysroot.sh build/arm64-sysroot
#   cmake -S . -B build/arm64 -G Ninja -DCMAKE_TOOLCHAIN_FILE=packaging/cmake/arm64-toolchain.cmake \
#         -DHEARTH_ARM64_SYSROOT=$PWD/build/arm64-sysroot
#   cmake --build build/arm64 && ctest --test-dir build/arm64     # tests run under qemu
#
# Why not `dpkg --add-architecture arm64` and `apt-get install <lib>-dev:arm64` on Debian 12:
#   - crossbuild-essential-arm64 conflicts with gcc-multilib/g++-multilib (the i386 ABI checks);
#   - libyaml-cpp-dev is not Multi-Arch: same, so the arm64 one removes the amd64 one;
#   - arm64 libraries must have the same version as their amd64 twins, so installing them
#     upgrades the build machine's own libraries (libssl3, libsystemd0, ...).
set -euo pipefail
sysroot="$(realpath -m "${1:?usage: arm64-sysroot.sh DIR}")"
state="$sysroot.apt"
complete="$sysroot/.hearth-sysroot-complete"  # written last: a finished sysroot is kept
if [ -f "$complete" ]; then
  echo "arm64-sysroot: $sysroot is ready"
  exit 0
fi

# The arm64 side: Hearth's build dependencies (packaging/install-deps.sh, libraries and tests).
arm64_packages=(
  libc6-dev libstdc++-12-dev libboost-dev libmodbus-dev libyaml-cpp-dev libspdlog-dev libfmt-dev
  nlohmann-json3-dev libsqlite3-dev libsystemd-dev libcli11-dev libgpiod-dev libssl-dev
  libargon2-dev
  libgtest-dev libgmock-dev
  zlib1g  # a real shared library the signing tests load (Priority: required on every Debian box)
)
# The build machine's side: the cross compiler and binutils, and qemu to run the tests.
cross_packages=(
  binutils-aarch64-linux-gnu cpp-12-aarch64-linux-gnu gcc-12-aarch64-linux-gnu
  g++-12-aarch64-linux-gnu gcc-12-aarch64-linux-gnu-base libgcc-12-dev-arm64-cross
  libstdc++-12-dev-arm64-cross libc6-dev-arm64-cross libc6-arm64-cross linux-libc-dev-arm64-cross
  libgcc-s1-arm64-cross libstdc++6-arm64-cross libasan8-arm64-cross libubsan1-arm64-cross
  libatomic1-arm64-cross libgomp1-arm64-cross libitm1-arm64-cross liblsan0-arm64-cross
  libtsan2-arm64-cross libhwasan0-arm64-cross qemu-user-static
)

mkdir -p "$sysroot" "$state"/{lists/partial,cache/archives/partial,cross}
touch "$state/status"
# A private apt: its own lists and cache, an empty dpkg status (so every dependency is fetched),
# and arm64 as the only architecture. Sources and keys are the machine's.
private_apt=(-o "Dir::State=$state" -o "Dir::State::Lists=$state/lists"
             -o "Dir::State::status=$state/status" -o "Dir::Cache=$state/cache"
             -o "Debug::NoLocking=1" -o "APT::Sandbox::User=root")
echo "arm64-sysroot: package lists (arm64)"
apt-get "${private_apt[@]}" -o APT::Architecture=arm64 -o APT::Architectures::=arm64 update -qq
echo "arm64-sysroot: downloading ${arm64_packages[*]} and their dependencies"
apt-get "${private_apt[@]}" -o APT::Architecture=arm64 -o APT::Architectures::=arm64 \
  install -qq -y --download-only --no-install-recommends "${arm64_packages[@]}" >/dev/null
echo "arm64-sysroot: package lists (amd64) and the cross compiler"
apt-get "${private_apt[@]}" -o APT::Architecture=amd64 -o APT::Architectures::=amd64 update -qq
(cd "$state/cross" && apt-get "${private_apt[@]}" -o APT::Architecture=amd64 \
   -o APT::Architectures::=amd64 download "${cross_packages[@]}" >/dev/null)

for deb in "$state"/cache/archives/*.deb "$state"/cross/*.deb; do
  dpkg-deb -x "$deb" "$sysroot"
done

# binutils' programs need their libbfd/libopcodes from the unpacked tree: wrap every
# aarch64-linux-gnu-* tool in $sysroot/bin so the build runs them without installing anything.
mkdir -p "$sysroot/bin"
for tool in "$sysroot"/usr/bin/aarch64-linux-gnu-*; do
  name="$(basename "$tool")"
  name="${name%-12}"  # gcc-12 -> gcc: the names the toolchain file asks for
  cat >"$sysroot/bin/$name" <<WRAPPER
#!/bin/sh
LD_LIBRARY_PATH="$sysroot/usr/lib/x86_64-linux-gnu\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}" exec "$tool" "\$@"
WRAPPER
  chmod +x "$sysroot/bin/$name"
done
echo "arm64-sysroot: $(find "$state" -name '*.deb' | wc -l) packages unpacked into $sysroot"
touch "$complete"
