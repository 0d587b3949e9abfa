/* SPDX-License-Identifier: MIT */
/* ARM semihosting calls (operation numbers from Arm's "Semihosting for
 * AArch32 and AArch64"): r0 = operation, r1 = argument (a pointer to a
 * parameter block for most), BKPT 0xAB on M-profile, result in r0. */
#include "semihost.h"

#include <string.h>

enum {
    SYS_OPEN = 0x01,
    SYS_CLOSE = 0x02,
    SYS_WRITE = 0x05,
    SYS_READ = 0x06,
    SYS_FLEN = 0x0c,
    SYS_TIME = 0x11,
    SYS_ERRNO = 0x13,
    SYS_GET_CMDLINE = 0x15,
    SYS_EXIT = 0x18,
    SYS_EXIT_EXTENDED = 0x20,
    SYS_ELAPSED = 0x30,
    SYS_TICKFREQ = 0x31,
};

/* SYS_OPEN modes: the index of the fopen() mode string. */
enum { MODE_RB = 1, MODE_A = 8 };

/* The host's errno for a missing file: 2 on Linux, macOS and Windows. */
enum { HOST_ENOENT = 2 };

static int32_t semihost_call(uint32_t op, const void* arg) {
    register uint32_t r0 __asm__("r0") = op;
    register const void* r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
    return (int32_t)r0;
}

long semihost_get_cmdline(char* buf, size_t cap) {
    if (buf == NULL || cap == 0) return SEMIHOST_ERR_ARG;
    uint32_t block[2] = {(uint32_t)(uintptr_t)buf, (uint32_t)cap};
    if (semihost_call(SYS_GET_CMDLINE, block) != 0) return SEMIHOST_ERR_ARG;
    if (block[1] >= cap) return SEMIHOST_ERR_ARG;
    buf[block[1]] = '\0';
    return (long)block[1];
}

static int semihost_open(const char* path, uint32_t mode) {
    uint32_t block[3] = {(uint32_t)(uintptr_t)path, mode, (uint32_t)strlen(path)};
    return semihost_call(SYS_OPEN, block);
}

int semihost_open_read(const char* path) {
    if (path == NULL) return -1;
    return semihost_open(path, MODE_RB);
}

void semihost_close(int handle) {
    uint32_t block[1] = {(uint32_t)handle};
    (void)semihost_call(SYS_CLOSE, block);
}

long semihost_read(int handle, void* buf, size_t len) {
    uint32_t block[3] = {(uint32_t)handle, (uint32_t)(uintptr_t)buf, (uint32_t)len};
    /* SYS_READ answers the number of bytes NOT read: len = end of file. */
    int32_t left = semihost_call(SYS_READ, block);
    if (left < 0 || (uint32_t)left > len) return -1;
    return (long)(len - (uint32_t)left);
}

long semihost_read_file(const char* path, uint8_t* buf, size_t cap) {
    if (path == NULL || (buf == NULL && cap != 0)) return SEMIHOST_ERR_ARG;
    int h = semihost_open(path, MODE_RB);
    if (h < 0) {
        return semihost_call(SYS_ERRNO, NULL) == HOST_ENOENT ? SEMIHOST_ERR_NOT_FOUND
                                                             : SEMIHOST_ERR_OPEN;
    }
    uint32_t hb[1] = {(uint32_t)h};
    int32_t size = semihost_call(SYS_FLEN, hb);
    long result;
    if (size < 0) {
        result = SEMIHOST_ERR_READ;
    } else if ((size_t)size > cap) {
        result = SEMIHOST_ERR_TOO_BIG;
    } else {
        size_t got = 0;
        while (got < (size_t)size) {
            long n = semihost_read(h, buf + got, (size_t)size - got);
            if (n <= 0) break;
            got += (size_t)n;
        }
        result = got == (size_t)size ? (long)size : SEMIHOST_ERR_READ;
    }
    semihost_close(h);
    return result;
}

long semihost_write_stderr(const void* data, size_t len) {
    static int handle = -1;
    if (handle < 0) {
        handle = semihost_open(":tt", MODE_A);
        if (handle < 0) return -1;
    }
    uint32_t block[3] = {(uint32_t)handle, (uint32_t)(uintptr_t)data, (uint32_t)len};
    int32_t left = semihost_call(SYS_WRITE, block);
    if (left < 0 || (uint32_t)left > len) return -1;
    return (long)(len - (uint32_t)left);
}

int64_t semihost_elapsed_ms(void) {
    uint32_t ticks[2] = {0, 0};
    if (semihost_call(SYS_ELAPSED, ticks) != 0) return -1;
    int32_t freq = semihost_call(SYS_TICKFREQ, NULL);
    if (freq < 1000) return -1;
    uint64_t t = ((uint64_t)ticks[1] << 32) | ticks[0];
    return (int64_t)(t / ((uint64_t)freq / 1000u));
}

int semihost_time(uint64_t* unix_s) {
    const int32_t t = semihost_call(SYS_TIME, NULL);
    if (t <= 0) return -1;
    *unix_s = (uint64_t)(uint32_t)t;
    return 0;
}

void semihost_exit(int status) {
    uint32_t block[2] = {SEMIHOST_ADP_STOPPED_APPLICATION_EXIT, (uint32_t)status & 0xffu};
    (void)semihost_call(SYS_EXIT_EXTENDED, block);
    for (;;) __asm__ volatile("wfi"); /* not reached under QEMU */
}

void semihost_exit_legacy(uint32_t reason) {
    (void)semihost_call(SYS_EXIT, (const void*)(uintptr_t)reason);
    for (;;) __asm__ volatile("wfi");
}
