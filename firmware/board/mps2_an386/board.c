/* SPDX-License-Identifier: MIT */
/* mps2-an386 board support: SysTick, UART0, stack high-water mark. */
#include "board.h"

#include <stdio.h>

#include "lwip/sys.h"
#include "semihost.h"

#define REG32(addr) (*(volatile uint32_t*)(addr))

/* SysTick (ARMv7-M architecture reference manual, B3.3). */
#define SYST_CSR REG32(0xE000E010u)
#define SYST_RVR REG32(0xE000E014u)
#define SYST_CVR REG32(0xE000E018u)
#define SYST_CSR_ENABLE (1u << 0)
#define SYST_CSR_TICKINT (1u << 1)
#define SYST_CSR_CLKSOURCE_CPU (1u << 2)

/* CMSDK APB UART (Arm Cortex-M System Design Kit TRM). */
#define UART_DATA REG32(BOARD_UART0_BASE + 0x00u)
#define UART_STATE REG32(BOARD_UART0_BASE + 0x04u)
#define UART_CTRL REG32(BOARD_UART0_BASE + 0x08u)
#define UART_BAUDDIV REG32(BOARD_UART0_BASE + 0x10u)
#define UART_STATE_TXFULL (1u << 0)
#define UART_CTRL_TXEN (1u << 0)

/* The pattern startup.c paints the free stack with. */
#define STACK_PAINT 0xA5C3E1F0u

extern uint32_t _ebss, _estack;

static volatile uint64_t g_ms;

void SysTick_Handler(void);
void SysTick_Handler(void) {
    g_ms = g_ms + 1u;
}

void board_init(void) {
    /* 115200 baud from 25 MHz (QEMU ignores the rate; real CMSDK UARTs
     * need BAUDDIV >= 16). Only TX: the console is output only. */
    UART_BAUDDIV = BOARD_SYSCLK_HZ / 115200u;
    UART_CTRL = UART_CTRL_TXEN;

    SYST_CSR = 0;
    SYST_RVR = BOARD_SYSCLK_HZ / 1000u - 1u;
    SYST_CVR = 0;
    SYST_CSR = SYST_CSR_ENABLE | SYST_CSR_TICKINT | SYST_CSR_CLKSOURCE_CPU;

    if (board_stdio_init() != 0) {
        board_uart_puts("board: stdio setup failed (arena too small)\n");
        semihost_exit(BOARD_EXIT_FAULT);
    }
}

uint64_t board_now_ms(void) {
    /* A 64-bit load is two 32-bit loads on the M4: a tick between them
     * tears the value. Two equal reads in a row cannot both be torn (the
     * interrupt comes once a millisecond). */
    uint64_t a, b;
    do {
        a = g_ms;
        b = g_ms;
    } while (a != b);
    return a;
}

u32_t sys_now(void) {
    return (u32_t)board_now_ms();
}

void board_uart_write(const void* data, size_t len) {
    const uint8_t* p = (const uint8_t*)data;
    for (size_t i = 0; i < len; ++i) {
        while (UART_STATE & UART_STATE_TXFULL) {
        }
        UART_DATA = p[i];
    }
}

void board_uart_puts(const char* s) {
    size_t n = 0;
    while (s[n] != '\0') ++n;
    board_uart_write(s, n);
}

size_t board_stack_size(void) {
    return (size_t)((uintptr_t)&_estack - (uintptr_t)&_ebss);
}

size_t board_stack_high_water(void) {
    const uint32_t* p = &_ebss;
    const uint32_t* end = &_estack;
    while (p < end && *p == STACK_PAINT) ++p;
    return (size_t)((uintptr_t)end - (uintptr_t)p);
}

void board_exit(int status) {
    fflush(stdout);
    fflush(stderr);
    semihost_exit(status);
}

static void put_dec(unsigned v) {
    char buf[12];
    int i = (int)sizeof buf;
    buf[--i] = '\0';
    do {
        buf[--i] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v != 0 && i > 0);
    board_uart_puts(&buf[i]);
}

void board_assert_failed(const char* msg, const char* file, int line) {
    board_uart_puts("\nASSERT ");
    board_uart_puts(msg);
    board_uart_puts(" at ");
    board_uart_puts(file);
    board_uart_puts(":");
    put_dec((unsigned)line);
    board_uart_puts("\n");
    semihost_exit(BOARD_EXIT_ASSERT);
}
