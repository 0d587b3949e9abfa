/* SPDX-License-Identifier: MIT */
/* See stub_port.h. Register addresses: ARMv7-M SysTick (every Cortex-M4/M7)
 * and the STM32F4 RCC/RNG blocks (RM0090). */
#include "stub_port.h"

#include <stddef.h>
#include <stdint.h>

#define REG(addr) (*(volatile uint32_t*)(addr))

static const uintptr_t kSysTickCsr = 0xE000E010u;
static const uintptr_t kSysTickRvr = 0xE000E014u;
static const uintptr_t kSysTickCvr = 0xE000E018u;
static const uintptr_t kRccAhb2Enr = 0x40023834u;
static const uintptr_t kRngCr = 0x50060800u;
static const uintptr_t kRngSr = 0x50060804u;
static const uintptr_t kRngDr = 0x50060808u;
static const uint32_t kRngDataReady = 1u;
static const uint32_t kRngErrors = 6u; /* clock error | seed error */
/* A word arrives every 40 RNG clocks; this bounds a stuck peripheral. */
static const uint32_t kRngSpinLimit = 100000u;

static volatile uint32_t g_ms_low;
static volatile uint32_t g_ms_high;

void SysTick_Handler(void);
void SysTick_Handler(void) {
    if (++g_ms_low == 0) ++g_ms_high;
}

void stub_port_init(uint32_t core_hz) {
    REG(kSysTickRvr) = core_hz / 1000u - 1u;
    REG(kSysTickCvr) = 0;
    REG(kSysTickCsr) = 7u; /* core clock, interrupt, enable */
    REG(kRccAhb2Enr) |= 1u << 6; /* RNGEN */
    REG(kRngCr) |= 1u << 2;      /* RNGEN */
}

static uint64_t sp_now_ms(void* ctx) {
    (void)ctx;
    uint32_t hi, lo;
    do { /* re-read if the interrupt carried between the two loads */
        hi = g_ms_high;
        lo = g_ms_low;
    } while (hi != g_ms_high);
    return ((uint64_t)hi << 32) | lo;
}

static cws_open_result sp_open(void* ctx, const char* host, uint16_t port, cws_stream** out) {
    (void)ctx;
    (void)host;
    (void)port;
    *out = NULL;
    return CWS_OPEN_NO_RESOURCES; /* this board has no network interface */
}

/* No stream is ever handed out, so the stream ops below are unreachable;
 * they still answer "dead stream" rather than pretend success. */
static int sp_connect_status(void* ctx, cws_stream* s) {
    (void)ctx;
    (void)s;
    return CWS_IO_ERROR;
}

static long sp_send(void* ctx, cws_stream* s, const uint8_t* data, size_t len) {
    (void)ctx;
    (void)s;
    (void)data;
    (void)len;
    return CWS_IO_ERROR;
}

static long sp_recv(void* ctx, cws_stream* s, uint8_t* buf, size_t len) {
    (void)ctx;
    (void)s;
    (void)buf;
    (void)len;
    return CWS_IO_ERROR;
}

static void sp_close(void* ctx, cws_stream* s) {
    (void)ctx;
    (void)s;
}

static void sp_set_interest(void* ctx, cws_stream* s, unsigned want) {
    (void)ctx;
    (void)s;
    (void)want;
}

/* Nothing can become ready: sleep until the timeout passes. */
static int sp_wait(void* ctx, int32_t timeout_ms) {
    const uint64_t end = sp_now_ms(ctx) + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0);
    while (sp_now_ms(ctx) < end) __asm__ volatile("wfi");
    return 0;
}

static unsigned sp_ready(void* ctx, cws_stream* s) {
    (void)ctx;
    (void)s;
    return 0;
}

static int sp_random(void* ctx, uint8_t* buf, size_t len) {
    (void)ctx;
    size_t i = 0;
    while (i < len) {
        uint32_t spins = 0;
        while ((REG(kRngSr) & kRngDataReady) == 0) {
            if ((REG(kRngSr) & kRngErrors) != 0 || ++spins > kRngSpinLimit) return -1;
        }
        uint32_t word = REG(kRngDr);
        for (int b = 0; b < 4 && i < len; ++b, ++i) {
            buf[i] = (uint8_t)word;
            word >>= 8;
        }
    }
    return 0;
}

static const cws_port_ops kOps = {
    sp_open, sp_connect_status, sp_send, sp_recv, sp_close,
    sp_set_interest, sp_wait, sp_ready, sp_now_ms, sp_random,
    NULL, /* no wall clock: the EVM payer uses the 402's Date header */
    NULL, /* no wake: nothing posts from another task here */
};

cws_port stub_port(void) {
    cws_port p = {&kOps, NULL};
    return p;
}
