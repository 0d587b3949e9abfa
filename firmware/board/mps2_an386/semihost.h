/* SPDX-License-Identifier: MIT */
/* ARM semihosting (the debugger/emulator channel: BKPT 0xAB on M-profile)
 * for the QEMU mps2-an386 board. Needs qemu-system-arm
 * -semihosting-config enable=on,target=native. On real hardware without a
 * debugger attached, every call here is a BKPT that faults (HardFault): these
 * are emulator/test facilities, never product I/O. */
#ifndef CONSENSUS_BOARD_SEMIHOST_H
#define CONSENSUS_BOARD_SEMIHOST_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Negative results of semihost_read_file() and semihost_get_cmdline(). */
enum {
    SEMIHOST_ERR_ARG = -1,       /* null path/buffer */
    SEMIHOST_ERR_NOT_FOUND = -2, /* the host says ENOENT */
    SEMIHOST_ERR_OPEN = -3,      /* any other open failure (permissions, ...) */
    SEMIHOST_ERR_TOO_BIG = -4,   /* the file is larger than cap (nothing read) */
    SEMIHOST_ERR_READ = -5,      /* SYS_FLEN or SYS_READ failed, or a short read */
};

/* The command line from -semihosting-config ...,arg=A,arg=B (QEMU joins the
 * args with spaces; with no arg= it is the -kernel path and -append). Writes
 * a NUL-terminated string into buf; returns its length, or SEMIHOST_ERR_ARG
 * when it does not fit in cap bytes (SYS_GET_CMDLINE fails with E2BIG). */
long semihost_get_cmdline(char* buf, size_t cap);

/* Reads the whole host file at path into buf (at most cap bytes):
 * SYS_OPEN "rb", SYS_FLEN, SYS_READ, SYS_CLOSE. Returns its size, or one of
 * the SEMIHOST_ERR_ values. Relative paths are relative to QEMU's cwd. */
long semihost_read_file(const char* path, uint8_t* buf, size_t cap);

/* Writes to the host's stderr (SYS_OPEN ":tt" mode "a", which QEMU maps to
 * its own stderr; the handle is opened once). Returns the bytes written or
 * -1. */
long semihost_write_stderr(const void* data, size_t len);

/* Opens a host file read-only ("rb"); returns a handle >= 0 or -1. */
int semihost_open_read(const char* path);
/* Reads up to len bytes; returns the bytes read (0 at end of file) or -1. */
long semihost_read(int handle, void* buf, size_t len);
void semihost_close(int handle);

/* Host time in ms since QEMU started (SYS_ELAPSED / SYS_TICKFREQ); -1 if
 * unavailable. A cross-check of the board's SysTick clock. */
int64_t semihost_elapsed_ms(void);

/* The host's time of day, seconds since 1970-01-01 UTC (SYS_TIME): the
 * emulated board's wall clock, as an RTC set by SNTP would be on a real one.
 * 0 and *unix_s set, or -1 when the host does not answer. SYS_TIME's 32-bit
 * result is read as unsigned (good until 2106). */
int semihost_time(uint64_t* unix_s);

/* Ends the emulation: qemu-system-arm exits with status & 0xff. Uses
 * SYS_EXIT_EXTENDED (0x20) with ADP_Stopped_ApplicationExit and the status
 * as subcode: on AArch32 the plain SYS_EXIT (0x18) takes only a reason code
 * in r1, and QEMU 7.2 maps it to exit status 0 (ApplicationExit) or 1
 * (anything else). */
__attribute__((noreturn)) void semihost_exit(int status);

/* SYS_EXIT (0x18) with a raw reason code in r1: QEMU exits 0 for
 * ADP_Stopped_ApplicationExit (0x20026) and 1 for anything else. Kept for
 * the self-test that shows it; use semihost_exit(). */
__attribute__((noreturn)) void semihost_exit_legacy(uint32_t reason);

#define SEMIHOST_ADP_STOPPED_APPLICATION_EXIT 0x20026u
#define SEMIHOST_ADP_STOPPED_RUNTIME_ERROR 0x20023u

#ifdef __cplusplus
}
#endif

#endif
