# Bare-metal Cortex-M4F (MPS2-AN386 under qemu-system-arm) with Debian's
# arm-none-eabi-gcc and newlib. Used by platforms/arm/cortex-m/run.sh; the
# runtime builds without XNNPACK (KITE_WITH_XNNPACK=OFF): Kite's portable and reference kernels.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR cortex-m4)
set(CMAKE_C_COMPILER arm-none-eabi-gcc)
set(CMAKE_CXX_COMPILER arm-none-eabi-g++)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)  # no startup code for test programs
set(KITE_MCU_FLAGS "-mcpu=cortex-m4 -mthumb -mfpu=fpv4-sp-d16 -mfloat-abi=hard -ffunction-sections -fdata-sections")
set(CMAKE_C_FLAGS_INIT "${KITE_MCU_FLAGS}")
set(CMAKE_CXX_FLAGS_INIT "${KITE_MCU_FLAGS}")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-Wl,--gc-sections")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)  # flatc: the host's
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
