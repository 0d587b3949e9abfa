/* SPDX-License-Identifier: MIT */
/* Reset, vector table and fault reporting for QEMU mps2-an386. No C library
 * start-up files (linked with -nostartfiles): .data/.bss, the stack paint
 * and the constructors are done here, and main's return value becomes
 * qemu-system-arm's exit status through semihosting. */
#include <stdint.h>

#include "board.h"
#include "semihost.h"

extern uint32_t _estack, _sidata, _sdata, _edata, _sbss, _ebss;
typedef void (*init_fn)(void);
extern init_fn __preinit_array_start[], __preinit_array_end[];
extern init_fn __init_array_start[], __init_array_end[];

int main(void);
void Reset_Handler(void);
void SysTick_Handler(void);
void Fault_Handler(void);
void fault_report(const uint32_t* frame, uint32_t exc_return);

/* Must match board.c's STACK_PAINT. */
#define STACK_PAINT 0xA5C3E1F0u

/* Core exceptions 1..15. No peripheral interrupts: the UART and the
 * LAN9118 are polled. Every exception but SysTick is a fault here (an
 * unexpected NMI, SVC or PendSV too): it is reported and ends the run. */
__attribute__((section(".isr_vector"), used)) static void (*const g_vectors[16])(void) = {
    (void (*)(void))(&_estack), /* initial stack pointer */
    Reset_Handler,
    Fault_Handler, /* NMI */
    Fault_Handler, /* HardFault */
    Fault_Handler, /* MemManage (disabled: escalates to HardFault) */
    Fault_Handler, /* BusFault (idem) */
    Fault_Handler, /* UsageFault (idem) */
    0,
    0,
    0,
    0,
    Fault_Handler, /* SVCall */
    Fault_Handler, /* DebugMon */
    0,
    Fault_Handler, /* PendSV */
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

    /* Paint the free stack, from the end of .bss up to just below this
     * frame, for board_stack_high_water(). */
    uint32_t sp;
    __asm__ volatile("mov %0, sp" : "=r"(sp));
    for (volatile uint32_t* p = &_ebss; (uint32_t)(uintptr_t)p < sp - 16u; ++p) *p = STACK_PAINT;

    for (init_fn* f = __preinit_array_start; f < __preinit_array_end; ++f) (*f)();
    for (init_fn* f = __init_array_start; f < __init_array_end; ++f) (*f)();

    board_exit(main()); /* flushes stdio, then semihost_exit */
}

/* Which stack the exception frame is on: bit 2 of EXC_RETURN. */
__attribute__((naked)) void Fault_Handler(void) {
    __asm__ volatile(
        "tst lr, #4\n\t"
        "ite eq\n\t"
        "mrseq r0, msp\n\t"
        "mrsne r0, psp\n\t"
        "mov r1, lr\n\t"
        "b fault_report\n\t");
}

static void put_hex(const char* name, uint32_t v) {
    static const char digits[] = "0123456789abcdef";
    char buf[11];
    buf[0] = '0';
    buf[1] = 'x';
    for (int i = 0; i < 8; ++i) buf[2 + i] = digits[(v >> (28 - 4 * i)) & 0xFu];
    buf[10] = '\0';
    board_uart_puts(" ");
    board_uart_puts(name);
    board_uart_puts("=");
    board_uart_puts(buf);
}

/* No stdio here: the fault may have come from inside it. */
__attribute__((used, noreturn)) void fault_report(const uint32_t* frame, uint32_t exc_return) {
    uint32_t ipsr;
    __asm__ volatile("mrs %0, ipsr" : "=r"(ipsr));
    const volatile uint32_t* const scb = (const volatile uint32_t*)0xE000ED00u;
    board_uart_puts("\nFAULT");
    put_hex("exception", ipsr & 0x1FFu);
    put_hex("pc", frame[6]);
    put_hex("lr", frame[5]);
    put_hex("xpsr", frame[7]);
    put_hex("exc_return", exc_return);
    put_hex("cfsr", scb[0x28 / 4]);
    put_hex("hfsr", scb[0x2C / 4]);
    put_hex("mmfar", scb[0x34 / 4]);
    put_hex("bfar", scb[0x38 / 4]);
    board_uart_puts("\n");
    semihost_exit(BOARD_EXIT_FAULT);
}
