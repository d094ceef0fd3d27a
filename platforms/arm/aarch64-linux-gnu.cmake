# Cross build for 64-bit ARM Linux (Cortex-A53 and up) with Debian's
# aarch64-linux-gnu-g++, against the sysroot platforms/arm/sysroot.sh makes.
#   cmake -S . -B build-aarch64 -DCMAKE_TOOLCHAIN_FILE=platforms/arm/aarch64-linux-gnu.cmake \
#         -DKITE_ARM_SYSROOT=build-aarch64/sysroot/root
# Tests run under qemu-aarch64 (CMAKE_CROSSCOMPILING_EMULATOR; KITE_QEMU_CPU
# picks the CPU model: max has the dot-product instructions, cortex-a53 none).
set(KITE_ARM_TRIPLET aarch64-linux-gnu)
set(KITE_ARM_QEMU qemu-aarch64)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
include(${CMAKE_CURRENT_LIST_DIR}/linux-common.cmake)
