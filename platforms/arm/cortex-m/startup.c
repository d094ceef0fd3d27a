/* Cortex-M startup: the vector table at address 0 (newlib has none), then
 * the reset handler enables the FPU (before any float code runs), copies
 * .data from flash, zeroes .bss, runs the C/C++ constructors and main, and
 * exits through semihosting with main's status (qemu ends with it). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

extern uint32_t __data_start__, __data_end__, __data_load__, __bss_start__, __bss_end__, __stack_top__;
extern void __libc_init_array(void);
extern void initialise_monitor_handles(void);
int main(void);

void Reset_Handler(void) {
  /* CPACR: full access to coprocessors 10 and 11 (the FPU). */
  volatile uint32_t* cpacr = (volatile uint32_t*)0xE000ED88u;
  *cpacr |= 0xFu << 20;
  __asm volatile("dsb\n isb");
  memcpy(&__data_start__, &__data_load__, (size_t)((char*)&__data_end__ - (char*)&__data_start__));
  memset(&__bss_start__, 0, (size_t)((char*)&__bss_end__ - (char*)&__bss_start__));
  initialise_monitor_handles();
  __libc_init_array();
  exit(main());
}

/* No heap: every request fails (and is counted, main.c reports it). Kite
 * with a caller arena and kite_model_load_into never asks. */
#include <errno.h>
volatile unsigned firmware_heap_requests = 0;
void* _sbrk(ptrdiff_t increment) {
  (void)increment;
  ++firmware_heap_requests;
  errno = ENOMEM;
  return (void*)-1;
}
int posix_memalign(void** memory, size_t alignment, size_t size) {
  (void)alignment;
  (void)size;
  ++firmware_heap_requests;
  *memory = 0;
  return ENOMEM;
}

/* newlib's __libc_init_array calls these (crti.o is not linked: -nostartfiles). */
void _init(void) {}
void _fini(void) {}

/* A fault ends the program with status 3 (run.sh also bounds qemu's time). */
static void Fault_Handler(void) { exit(3); }

/* Initial stack pointer, reset, then the core exceptions (NMI .. SysTick). */
__attribute__((section(".vectors"), used)) static void (*const vectors[16])(void) = {
    (void (*)(void))(&__stack_top__), Reset_Handler, Fault_Handler, Fault_Handler, Fault_Handler, Fault_Handler,
    Fault_Handler, 0, 0, 0, 0, Fault_Handler, Fault_Handler, 0, Fault_Handler, Fault_Handler};
