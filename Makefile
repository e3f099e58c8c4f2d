# Hearth: the two set-up commands are `make demo` and `make test` (see README.md).
# Both install what is missing, configure with Ninja (and ccache), build, then run.

JOBS      ?= $(shell nproc)
# ccache keys on paths relative to the checkout, so a fresh clone (CI) reuses earlier objects.
export CCACHE_BASEDIR  := $(CURDIR)
export CCACHE_NOHASHDIR := true
CMAKE_GEN := -G Ninja -DCMAKE_EXPORT_COMPILE_COMMANDS=ON
CTEST     := ctest --output-on-failure --timeout 600 -j $(JOBS)

.PHONY: all deps build build-asan build-tsan demo test test-release test-asan test-full test-arm64 bench format clean

all: build

deps:
	@bash packaging/install-deps.sh

build/release/build.ninja: | deps
	cmake -S . -B build/release $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo

build/asan/build.ninja: | deps
	cmake -S . -B build/asan $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Debug -DHEARTH_SANITIZE=address,undefined -DHEARTH_BUILD_BENCH=OFF

build/tsan/build.ninja: | deps
	cmake -S . -B build/tsan $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHEARTH_SANITIZE=thread -DHEARTH_BUILD_BENCH=OFF

build: deps build/release/build.ninja
	cmake --build build/release -j $(JOBS)

build-asan: deps build/asan/build.ninja
	cmake --build build/asan -j $(JOBS)

build-tsan: deps build/tsan/build.ninja
	cmake --build build/tsan -j $(JOBS)

demo: build
	@bash packaging/demo.sh build/release

# Release build's tests, then the ASan+UBSan build's tests; long tests are left to test-full.
test: test-release test-asan

test-release: build
	cd build/release && $(CTEST) -LE long

test-asan: build-asan
	cd build/asan && HEARTH_SANITIZED=1 $(CTEST) -LE long

# Everything: long runs, TSan, the arm64 build's tests under qemu, and the cross-built ABI checks.
# debian-base-tarball.sh downloads the clean-root install test's Debian base once (the test itself
# runs offline).
test-full: deps
	@bash packaging/install-deps.sh --full
	@bash packaging/debian-base-tarball.sh
	$(MAKE) build build-asan build-tsan
	cd build/release && $(CTEST)
	cd build/asan && HEARTH_SANITIZED=1 $(CTEST)
	cd build/tsan && HEARTH_SANITIZED=1 TSAN_OPTIONS=halt_on_error=1 $(CTEST) -LE long
	$(MAKE) test-arm64

# The arm64 cross build (packaging/cmake/arm64-toolchain.cmake) and its tests under qemu-user.
# packaging/arm64-sysroot.sh unpacks the cross compiler, the arm64 libraries and qemu into
# build/arm64-sysroot once, installing nothing (the multiarch packages conflict with this
# machine's gcc-multilib); packaging/arm64-test.sh runs ctest with qemu registered in a
# binfmt_misc private to the run, so the arm64 programs tests start run too. HEARTH_SANITIZED=1
# widens the tests' timing tolerances: emulated code runs several times slower.
ARM64_SYSROOT := $(CURDIR)/build/arm64-sysroot
test-arm64: deps
	bash packaging/arm64-sysroot.sh $(ARM64_SYSROOT)
	cmake -S . -B build/arm64 $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHEARTH_BUILD_BENCH=OFF \
	  -DCMAKE_TOOLCHAIN_FILE=packaging/cmake/arm64-toolchain.cmake -DHEARTH_ARM64_SYSROOT=$(ARM64_SYSROOT)
	cmake --build build/arm64 -j $(JOBS)
	HEARTH_SANITIZED=1 bash packaging/arm64-test.sh $(ARM64_SYSROOT) build/arm64 \
	  --output-on-failure --timeout 600 -j $(JOBS) -LE long

bench: build
	@bash bench/run.sh build/release

format:
	git ls-files '*.c' '*.h' '*.cpp' '*.hpp' | xargs clang-format -i

clean:
	rm -rf build
