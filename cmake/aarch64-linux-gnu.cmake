# Cross compile libegemma for aarch64 Linux with Debian's gcc-aarch64-linux-gnu; tests run under
# qemu-aarch64 (package qemu-user) with the target's sysroot, e.g.
#   cmake -S native -B native/target/cmake-aarch64 -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake
#   cmake --build native/target/cmake-aarch64 && ctest --test-dir native/target/cmake-aarch64
# native/test/CMakeLists.txt registers every test once per CPU in EGEMMA_QEMU_CPUS: cortex-a72 has no
# dot-product extension (NEON tier only), max has it (NEON dotprod tier).
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)

set(EGEMMA_SYSROOT "/usr/aarch64-linux-gnu" CACHE PATH "aarch64 sysroot for qemu's -L")
set(CMAKE_FIND_ROOT_PATH "${EGEMMA_SYSROOT}")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)

set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64 -L "${EGEMMA_SYSROOT}")
set(EGEMMA_QEMU_CPUS "cortex-a72;max" CACHE STRING "qemu -cpu models each test runs under")
