/* SPDX-License-Identifier: MIT */
/* What the C library would otherwise bring in with an OS: see
 * mbedtls_config.h (calloc/free/exit), llhttp (abort in unreachable switch
 * defaults) and libsecp256k1 (its default callbacks print to stderr and
 * abort). Defining them here keeps newlib's malloc, exit, stdio and signal
 * code out of the image. */
#include <stddef.h>
#include <stdlib.h>

void* firmware_no_calloc(size_t n, size_t size);
void firmware_no_free(void* p);
__attribute__((noreturn)) void firmware_halt(int status);
void secp256k1_default_illegal_callback_fn(const char* message, void* data);
void secp256k1_default_error_callback_fn(const char* message, void* data);

void* firmware_no_calloc(size_t n, size_t size) {
    (void)n;
    (void)size;
    return NULL; /* no heap until the arena is installed */
}

void firmware_no_free(void* p) {
    (void)p;
}

void firmware_halt(int status) {
    (void)status;
    for (;;) {
        __asm__ volatile("bkpt #0\n\twfi");
    }
}

void abort(void) {
    firmware_halt(134);
}

/* libsecp256k1's default callbacks (firmware/CMakeLists.txt builds it with
 * USE_EXTERNAL_DEFAULT_CALLBACKS). The illegal-argument one reports a bug in
 * the caller (a NULL argument, bad flags; an invalid key or signature is no
 * such bug: the call just returns 0); the error one a failed internal check
 * (the self-test at context creation: miscompilation, a hardware fault,
 * corrupted memory). Neither can be caused by what a server sends or
 * by the data signed. The library would return 0 after the illegal one, but
 * a device whose signer is misused or broken should sign no payment: both
 * keep the message where a debugger finds it and halt like abort() (a
 * breakpoint, then a wfi loop; a board's watchdog resets it). */
const char* volatile firmware_secp256k1_message;

void secp256k1_default_illegal_callback_fn(const char* message, void* data) {
    (void)data;
    firmware_secp256k1_message = message;
    firmware_halt(135);
}

void secp256k1_default_error_callback_fn(const char* message, void* data) {
    (void)data;
    firmware_secp256k1_message = message;
    firmware_halt(136);
}
