# Cross build for 32-bit ARM Linux (ARMv7-A, hard float, NEON) with Debian's
# arm-linux-gnueabihf-g++, against the sysroot platforms/arm/sysroot.sh makes.
#   cmake -S . -B build-armv7 -DCMAKE_TOOLCHAIN_FILE=platforms/arm/arm-linux-gnueabihf.cmake \
#         -DKITE_ARM_SYSROOT=build-armv7/sysroot/root
# Tests run under qemu-arm (CMAKE_CROSSCOMPILING_EMULATOR).
set(KITE_ARM_TRIPLET arm-linux-gnueabihf)
set(KITE_ARM_QEMU qemu-arm)
set(CMAKE_SYSTEM_PROCESSOR armv7)
include(${CMAKE_CURRENT_LIST_DIR}/linux-common.cmake)
