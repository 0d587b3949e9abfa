/* What the C library would otherwise bring in with an OS: see
 * mbedtls_config.h (calloc/free/exit) and llhttp (abort in unreachable
 * switch defaults). Defining them here keeps newlib's malloc, exit and
 * signal code out of the image. */
#include <stddef.h>
#include <stdlib.h>

void* firmware_no_calloc(size_t n, size_t size);
void firmware_no_free(void* p);
__attribute__((noreturn)) void firmware_halt(int status);

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
