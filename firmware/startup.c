/* SPDX-License-Identifier: MIT */
/* Reset and vector table for the bare-metal image: no C library start-up
 * files (linked with -nostartfiles), so whatever needs newlib's crt0 or
 * syscalls shows up as an undefined symbol instead of being pulled in. */
#include <stdint.h>

extern uint32_t _estack, _sidata, _sdata, _edata, _sbss, _ebss;
typedef void (*init_fn)(void);
extern init_fn __init_array_start[], __init_array_end[];

int main(void);
void Reset_Handler(void);
void SysTick_Handler(void);

static void halt(void) {
    for (;;) {
        __asm__ volatile("wfi");
    }
}

static void default_handler(void) {
    halt();
}

/* Cortex-M core exceptions 1..15; peripheral interrupts are not used. */
__attribute__((section(".isr_vector"), used)) static void (*const g_vectors[16])(void) = {
    (void (*)(void))(&_estack), /* initial stack pointer */
    Reset_Handler,
    default_handler, /* NMI */
    default_handler, /* HardFault */
    default_handler, /* MemManage */
    default_handler, /* BusFault */
    default_handler, /* UsageFault */
    0, 0, 0, 0,
    default_handler, /* SVCall */
    default_handler, /* DebugMon */
    0,
    default_handler, /* PendSV */
    SysTick_Handler,
};

void Reset_Handler(void) {
    /* The code is built with -mfloat-abi=hard: enable CP10/CP11 first. */
    volatile uint32_t* const cpacr = (volatile uint32_t*)0xE000ED88u;
    *cpacr |= 0xFu << 20;
    __asm__ volatile("dsb\n\tisb");

    uint32_t* src = &_sidata;
    for (uint32_t* dst = &_sdata; dst < &_edata;) *dst++ = *src++;
    for (uint32_t* dst = &_sbss; dst < &_ebss;) *dst++ = 0;
    /* Static constructors, if any (the checks expect none from the library). */
    for (init_fn* f = __init_array_start; f < __init_array_end; ++f) (*f)();

    (void)main();
    halt();
}
