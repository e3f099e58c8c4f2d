#!/usr/bin/env bash
# Runs the arm64 build's tests under qemu-user (make test-arm64, part of make test-full).
#
#   bash packaging/arm64-test.sh SYSROOT BUILD_DIR [CTEST ARGUMENTS...]
#
# ctest puts qemu in front of each test program (CMAKE_CROSSCOMPILING_EMULATOR, set by
# packaging/cmake/arm64-toolchain.cmake), but many tests start programs of their own: hearthd,
# hearth-sim, the python peers' clients. So that those arm64 programs run too, qemu is registered
# with binfmt_misc -- in an instance private to a new user namespace (Linux >= 6.7 gives each user
# namespace its own binfmt_misc), so nothing is registered on this machine and nothing outlives
# the run. The user namespace maps every uid and gid to itself, so tests that switch to an
# unprivileged user still can. QEMU_LD_PREFIX points qemu at the sysroot's loader and libraries.
set -euo pipefail
if [ "${1:-}" != --inside ]; then
  sysroot="$(realpath "${1:?usage: arm64-test.sh SYSROOT BUILD_DIR [CTEST ARGUMENTS...]}")"
  build="$(realpath "${2:?usage: arm64-test.sh SYSROOT BUILD_DIR [CTEST ARGUMENTS...]}")"
  shift 2
  # The new namespace waits on a fifo until this (privileged) side has written its identity
  # uid/gid maps (util-linux's --map-users would need newuidmap from the uidmap package).
  fifo="$(mktemp -u)"
  mkfifo "$fifo"
  trap 'rm -f "$fifo"' EXIT
  unshare --user --mount bash -c 'read -r _ <"$1"; shift; exec bash "$@"' _ "$fifo" \
    "$0" --inside "$sysroot" "$build" "$@" &
  inside=$!
  for _ in $(seq 100); do  # until unshare(2) has made the namespace (up to 1 s)
    [ "$(readlink "/proc/$inside/ns/user")" != "$(readlink /proc/self/ns/user)" ] && break
    sleep 0.01
  done
  if [ "$(readlink "/proc/$inside/ns/user")" = "$(readlink /proc/self/ns/user)" ]; then
    kill "$inside"
    echo "arm64-test: cannot make a user namespace" >&2
    exit 1
  fi
  echo "0 0 65536" >"/proc/$inside/uid_map"
  echo "0 0 65536" >"/proc/$inside/gid_map"
  echo go >"$fifo"
  wait "$inside"
  exit $?
fi
sysroot="$2" build="$3"
shift 3
qemu="$sysroot/usr/bin/qemu-aarch64-static"
[ -x "$qemu" ] || { echo "arm64-test: no $qemu (run packaging/arm64-sysroot.sh)" >&2; exit 1; }

binfmt=/proc/sys/fs/binfmt_misc
if mount -t binfmt_misc binfmt_misc "$binfmt" 2>/dev/null; then
  # ELF, 64-bit, little-endian, executable or shared object, machine 0xb7 (aarch64). Flag F:
  # the kernel opens qemu now, so it is found from any mount namespace or chroot later.
  magic='\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xb7\x00'
  mask='\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff'
  printf '%s' ":hearth-aarch64:M::$magic:$mask:$qemu:F" >"$binfmt/register"
  echo "arm64-test: arm64 programs run through $qemu (binfmt_misc private to this run)"
else
  echo "arm64-test: no private binfmt_misc on this kernel ($(uname -r)): only the test" \
       "programs themselves run under qemu; tests that start arm64 programs will fail" >&2
fi
export QEMU_LD_PREFIX="$sysroot"
cd "$build"
exec ctest "$@"
