/* SPDX-License-Identifier: MIT */
/* newlib-nano system calls for the bare-metal image: stdout to UART0,
 * stderr to the host's stderr through semihosting, no files, no heap.
 * Anything else newlib could want (time, fork, ...) is not defined, so the
 * link names it instead of silently linking a stub. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>

#include "board.h"
#include "semihost.h"

int _write(int fd, const char* buf, int len);
int _read(int fd, char* buf, int len);
int _close(int fd);
int _lseek(int fd, int off, int whence);
int _fstat(int fd, struct stat* st);
int _isatty(int fd);
void* _sbrk(int incr);
void _exit(int status);
int _kill(int pid, int sig);
int _getpid(void);

int _write(int fd, const char* buf, int len) {
    if (len < 0) {
        errno = EINVAL;
        return -1;
    }
    if (fd == 1) {
        board_uart_write(buf, (size_t)len);
        return len;
    }
    if (fd == 2) {
        long n = semihost_write_stderr(buf, (size_t)len);
        if (n < 0) {
            errno = EIO;
            return -1;
        }
        return (int)n;
    }
    errno = EBADF;
    return -1;
}

int _read(int fd, char* buf, int len) {
    (void)fd;
    (void)buf;
    (void)len;
    return 0; /* no input: end of file */
}

int _close(int fd) {
    (void)fd;
    errno = EBADF;
    return -1;
}

int _lseek(int fd, int off, int whence) {
    (void)fd;
    (void)off;
    (void)whence;
    errno = ESPIPE;
    return -1;
}

int _fstat(int fd, struct stat* st) {
    if (fd < 0 || fd > 2) {
        errno = EBADF;
        return -1;
    }
    st->st_mode = S_IFCHR;
    return 0;
}

int _isatty(int fd) {
    return fd >= 0 && fd <= 2;
}

/* No heap, with one exception. newlib-nano (3.3.0, built _REENT_SMALL
 * without global stdio streams) mallocs the FILE objects of stdin, stdout
 * and stderr themselves on the first stdio call (__sinit -> __sfp ->
 * __sfmoreglue, one block for 4 FILEs). With a failing _sbrk those
 * pointers stay NULL, and stdio then reads and writes a "FILE" at address
 * 0: on QEMU that silently overwrites the vector table (SSRAM1 is RAM),
 * on a real part it hits flash. So board_stdio_init() opens this arena,
 * makes that one allocation happen, and closes it for good: every later
 * _sbrk fails, and malloc returns NULL. */
static uint8_t g_stdio_arena[640] __attribute__((aligned(8)));
static size_t g_stdio_arena_used;
static int g_stdio_arena_open;

void* _sbrk(int incr) {
    if (!g_stdio_arena_open || incr < 0 ||
        (size_t)incr > sizeof g_stdio_arena - g_stdio_arena_used) {
        errno = ENOMEM;
        return (void*)-1;
    }
    void* p = &g_stdio_arena[g_stdio_arena_used];
    g_stdio_arena_used += (size_t)incr;
    return p;
}

int board_stdio_init(void) {
    static char out_buf[128];
    g_stdio_arena_open = 1;
    /* The first stdio call on stdout runs __sinit, which allocates the
     * FILEs; the static buffer keeps setvbuf from malloc'ing BUFSIZ. */
    int rc = setvbuf(stdout, out_buf, _IOLBF, sizeof out_buf);
    g_stdio_arena_open = 0;
    if (rc != 0 || stdout == NULL || stderr == NULL) return -1;
    return setvbuf(stderr, NULL, _IONBF, 0);
}

size_t board_stdio_arena_used(void) {
    return g_stdio_arena_used;
}

void _exit(int status) {
    semihost_exit(status);
}

int _kill(int pid, int sig) {
    (void)pid;
    (void)sig;
    errno = EINVAL;
    return -1;
}

int _getpid(void) {
    return 1;
}
