# Cross-build for arm64 (aarch64) boxes with Debian's crossbuild-essential-arm64:
#   cmake -S . -B build/arm64 -G Ninja -DCMAKE_TOOLCHAIN_FILE=packaging/cmake/arm64-toolchain.cmake
# The arm64 -dev packages of the libraries must be installed (dpkg --add-architecture arm64;
# apt-get install libmodbus-dev:arm64 ...). Test binaries run through qemu-user-static:
# CMAKE_CROSSCOMPILING_EMULATOR makes ctest and gtest_discover_tests use it.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)

set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)

# Debian's multiarch layout: arm64 libraries live in /usr/lib/aarch64-linux-gnu of the build
# machine's own root, headers in /usr/include (shared) and /usr/include/aarch64-linux-gnu.
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)    # build tools are the build machine's
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY BOTH)     # the root above, then multiarch /usr/lib/<arch>
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)

# pkg-config (libmodbus, libsystemd, libgpiod) must see the arm64 .pc files only.
set(ENV{PKG_CONFIG_LIBDIR} "/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")

find_program(HEARTH_QEMU_AARCH64 NAMES qemu-aarch64-static qemu-aarch64)
if(HEARTH_QEMU_AARCH64)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${HEARTH_QEMU_AARCH64} -L /usr/aarch64-linux-gnu)
endif()

