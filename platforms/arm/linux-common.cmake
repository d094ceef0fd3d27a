# Shared by the ARM Linux toolchain files: Debian's cross g++ for
# KITE_ARM_TRIPLET, headers and libraries from the Debian packages unpacked
# into KITE_ARM_SYSROOT (platforms/arm/sysroot.sh) and the cross toolchain's
# own libc, and qemu-user to run what is built.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_C_COMPILER ${KITE_ARM_TRIPLET}-gcc)
set(CMAKE_CXX_COMPILER ${KITE_ARM_TRIPLET}-g++)

if(NOT KITE_ARM_SYSROOT)
  message(FATAL_ERROR "set KITE_ARM_SYSROOT to the folder platforms/arm/sysroot.sh made (its root/)")
endif()
get_filename_component(KITE_ARM_SYSROOT "${KITE_ARM_SYSROOT}" ABSOLUTE)
# Passed to try_compile projects too.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES KITE_ARM_SYSROOT KITE_QEMU_CPU)
set(KITE_ARM_LIBC /usr/${KITE_ARM_TRIPLET})

set(CMAKE_FIND_ROOT_PATH ${KITE_ARM_SYSROOT} ${KITE_ARM_LIBC})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)  # flatc, node: the host's
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
set(CMAKE_LIBRARY_ARCHITECTURE ${KITE_ARM_TRIPLET})

# The sysroot's headers and libraries, and its shared libraries' own
# dependencies (libcpuinfo) at link time.
set(_kite_lib ${KITE_ARM_SYSROOT}/usr/lib/${KITE_ARM_TRIPLET})
# -Wno-psabi: GCC's notes that an ABI detail changed in GCC 7 (irrelevant:
# everything here is built by one compiler).
set(CMAKE_C_FLAGS_INIT "-isystem ${KITE_ARM_SYSROOT}/usr/include -Wno-psabi")
set(CMAKE_CXX_FLAGS_INIT "-isystem ${KITE_ARM_SYSROOT}/usr/include -Wno-psabi")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-L${_kite_lib} -Wl,-rpath-link,${_kite_lib} -Wl,-rpath-link,${KITE_ARM_LIBC}/lib")

if(NOT KITE_QEMU_CPU)
  set(KITE_QEMU_CPU max)
endif()
# Cached, so that scripts (platforms/arm/bitexact.py) read it from CMakeCache.txt.
set(CMAKE_CROSSCOMPILING_EMULATOR ${KITE_ARM_QEMU} -cpu ${KITE_QEMU_CPU} -L ${KITE_ARM_LIBC}
    -E LD_LIBRARY_PATH=${_kite_lib}:${KITE_ARM_LIBC}/lib CACHE STRING "runs a target program on this host" FORCE)
