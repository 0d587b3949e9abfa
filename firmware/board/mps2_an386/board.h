/* SPDX-License-Identifier: MIT */
/* Board support for QEMU's mps2-an386 (Cortex-M4F, AN386 FPGA image):
 * SysTick time base, UART0 console, stack high-water mark, entropy, and
 * newlib-nano syscalls (stdout -> UART0, stderr -> host stderr through
 * semihosting, no heap). Memory map (QEMU hw/arm/mps2.c, AN386):
 *   0x00000000 ZBT SSRAM1 4 MiB (boot, code)   0x20000000 SSRAM2/3 4 MiB
 *   0x40004000 UART0 (CMSDK APB UART)          0x40200000 LAN9118 Ethernet
 * SYSCLK (the core clock, which SysTick counts with CLKSOURCE=1) is 25 MHz.
 *
 * stdio without a heap: _sbrk fails, malloc returns NULL. newlib-nano
 * allocates the std FILE objects themselves on first use (about 430 bytes,
 * _REENT_SMALL), so board_init() lets exactly that allocation happen from
 * a 640-byte static arena (syscalls.c), gives stdout a static 128-byte
 * line buffer and makes stderr unbuffered; after it every allocation
 * fails. Do not setvbuf with a NULL buffer (it would malloc), and avoid
 * what newlib-nano allocates lazily per thread state (rand, strtok,
 * asctime, %f/strtod): it asserts when malloc fails.
 * printf of integers and strings needs no heap in newlib-nano; %f needs
 * -u _printf_float and is not linked. */
#ifndef CONSENSUS_BOARD_MPS2_AN386_H
#define CONSENSUS_BOARD_MPS2_AN386_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BOARD_SYSCLK_HZ 25000000u
#define BOARD_UART0_BASE 0x40004000u
#define BOARD_LAN9118_BASE 0x40200000u

/* Exit statuses the board itself uses (qemu-system-arm's own exit status). */
#define BOARD_EXIT_FAULT 70  /* HardFault or any unexpected exception */
#define BOARD_EXIT_ASSERT 71 /* lwIP assertion (LWIP_PLATFORM_ASSERT) */

/* UART0 TX enabled, SysTick at 1 kHz from SYSCLK, SysTick interrupt on,
 * stdio set up (board_stdio_init). Reports on UART0 and exits with
 * BOARD_EXIT_FAULT if stdio cannot be set up. */
void board_init(void);

/* Part of board_init(): allocates newlib's std FILEs from the one-shot
 * arena, stdout line-buffered in a static buffer, stderr unbuffered.
 * Returns 0, or -1 if the arena was too small. */
int board_stdio_init(void);
/* Bytes of the one-shot stdio arena newlib took. */
size_t board_stdio_arena_used(void);

/* Milliseconds since board_init(), 64 bits (no wrap), safe against the
 * SysTick interrupt updating it between the two halves. */
uint64_t board_now_ms(void);

/* Blocking writes to UART0 (QEMU: -serial stdio, or -nographic's console).
 * No newline translation: "\n" goes out as is. Usable from fault handlers. */
void board_uart_write(const void* data, size_t len);
void board_uart_puts(const char* s);

/* Bytes of the stack ever used: startup.c paints everything between the end
 * of .bss and the stack pointer at reset with a pattern; this scans for the
 * lowest overwritten word. board_stack_size() is the whole gap. */
size_t board_stack_high_water(void);
size_t board_stack_size(void);

/* Fills buf with len random bytes. On this board they come from the host's
 * /dev/urandom through semihosting (see entropy.c for why that is only
 * acceptable on the emulator). Returns 0, or -1 if no entropy is available. */
int board_entropy(uint8_t* buf, size_t len);
/* 32 random bits from board_entropy() (lwIP's LWIP_RAND: DNS ids and ports,
 * initial local ports); 0 if entropy failed. */
uint32_t board_rand32(void);

/* Flushes stdout and stderr and ends the emulation with status (0..255). */
__attribute__((noreturn)) void board_exit(int status);

/* Prints "ASSERT <msg> at <file>:<line>" on UART0 and exits with
 * BOARD_EXIT_ASSERT (used by lwIP's LWIP_PLATFORM_ASSERT). */
__attribute__((noreturn)) void board_assert_failed(const char* msg, const char* file, int line);

#ifdef __cplusplus
}
#endif

#endif
