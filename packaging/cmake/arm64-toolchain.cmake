# Cross-build for arm64 (aarch64) boxes with Debian's cross compiler (gcc 12, aarch64-linux-gnu).
#
# Two ways to get the arm64 libraries (see packaging/arm64-sysroot.sh for why the second exists):
#  1. A sysroot made by packaging/arm64-sysroot.sh (nothing installed on the build machine):
#       bash packaging/arm64-sysroot.sh build/arm64-sysroot
#       cmake -S . -B build/arm64 -G Ninja -DCMAKE_TOOLCHAIN_FILE=packaging/cmake/arm64-toolchain.cmake \
#             -DHEARTH_ARM64_SYSROOT=$PWD/build/arm64-sysroot
#  2. Installed multiarch packages: apt-get install crossbuild-essential-arm64 qemu-user-static
#     and, after dpkg --add-architecture arm64, the <lib>-dev:arm64 packages; then the same cmake
#     line without HEARTH_ARM64_SYSROOT.
# Test binaries run through qemu-user: CMAKE_CROSSCOMPILING_EMULATOR makes ctest and
# gtest_discover_tests use it.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)

set(HEARTH_ARM64_SYSROOT "" CACHE PATH "arm64 sysroot made by packaging/arm64-sysroot.sh")
# try_compile() projects configure with this toolchain too; hand the setting on to them.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES HEARTH_ARM64_SYSROOT)

if(HEARTH_ARM64_SYSROOT)
  set(CMAKE_SYSROOT ${HEARTH_ARM64_SYSROOT})
  # The cross tools unpacked in the sysroot, behind wrappers that find their own libraries.
  set(CMAKE_C_COMPILER ${HEARTH_ARM64_SYSROOT}/bin/aarch64-linux-gnu-gcc)
  set(CMAKE_CXX_COMPILER ${HEARTH_ARM64_SYSROOT}/bin/aarch64-linux-gnu-g++)
  set(CMAKE_FIND_ROOT_PATH ${HEARTH_ARM64_SYSROOT})
  set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
  set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
  set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
  set(ENV{PKG_CONFIG_SYSROOT_DIR} ${HEARTH_ARM64_SYSROOT})
  set(ENV{PKG_CONFIG_LIBDIR}
      "${HEARTH_ARM64_SYSROOT}/usr/lib/aarch64-linux-gnu/pkgconfig:${HEARTH_ARM64_SYSROOT}/usr/share/pkgconfig")
  set(hearth_qemu_hints ${HEARTH_ARM64_SYSROOT}/usr/bin)
  # qemu finds the arm64 dynamic loader and libraries in the sysroot.
  set(hearth_qemu_root ${HEARTH_ARM64_SYSROOT})
else()
  set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
  set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
  # Debian's multiarch layout: arm64 libraries in /usr/lib/aarch64-linux-gnu of the build
  # machine's own root, the cross toolchain's C library in /usr/aarch64-linux-gnu.
  set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
  set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY BOTH)
  set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
  set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)
  set(ENV{PKG_CONFIG_LIBDIR} "/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig")
  set(hearth_qemu_hints "")
  set(hearth_qemu_root /usr/aarch64-linux-gnu)
endif()
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)  # build tools are the build machine's
set(ENV{PKG_CONFIG_PATH} "")

find_program(HEARTH_QEMU_AARCH64 NAMES qemu-aarch64-static qemu-aarch64 HINTS ${hearth_qemu_hints})
if(HEARTH_QEMU_AARCH64)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${HEARTH_QEMU_AARCH64} -L ${hearth_qemu_root})
endif()
