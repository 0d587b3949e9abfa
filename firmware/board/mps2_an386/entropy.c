/* SPDX-License-Identifier: MIT */
/* Entropy for the emulated board.
 *
 * QEMU's mps2 boards model no TRNG, so the bytes come from the host's
 * /dev/urandom, read through semihosting (the file is opened once and kept
 * open). That is acceptable here because the "device" is a process on the
 * developer's or CI's machine: the host kernel's CSPRNG is as good a source
 * as any, and nothing on the emulator is a secret worth attacking.
 *
 * It is NOT acceptable on a product. Semihosting is a debugger link: without
 * a debug probe attached, the BKPT traps (HardFault); with one, whoever
 * controls the probe or the host controls the "random" numbers, and hence
 * the TLS keys and nonces. A real board reads its hardware TRNG instead
 * (e.g. the STM32F4 RNG peripheral, with its seed/clock error checks, as
 * firmware/stub_port.c does) and never links this file. */
#include "board.h"
#include "semihost.h"

int board_entropy(uint8_t* buf, size_t len) {
    static int handle = -1;
    if (handle < 0) {
        handle = semihost_open_read("/dev/urandom");
        if (handle < 0) return -1;
    }
    size_t got = 0;
    while (got < len) {
        long n = semihost_read(handle, buf + got, len - got);
        if (n <= 0) return -1;
        got += (size_t)n;
    }
    return 0;
}

uint32_t board_rand32(void) {
    uint8_t b[4];
    if (board_entropy(b, sizeof b) != 0) return 0;
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}
