/* SPDX-License-Identifier: MIT */
/* The board as the device's `connect` sees it: start-up, host files over
 * semihosting, the network (LAN9118 + lwIP) and the client's port on it, and
 * the memory report. One implementation per board (device_mps2.c: QEMU's
 * mps2-an386). */
#ifndef CONSENSUS_FIRMWARE_DEVICE_H
#define CONSENSUS_FIRMWARE_DEVICE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "consensus/port.h"

#ifdef __cplusplus
extern "C" {
#endif

/* device_read_file's failures. */
enum { kDeviceFileNotFound = -1, kDeviceFileTooBig = -2, kDeviceFileError = -3 };

/* Board, clock, console (stdout on the UART, stderr to the host) and
 * mbedTLS's arena. First thing in main(). */
void device_init(void);

/* The first word of the semihosting command line, NUL-terminated. 0 on
 * success, -1 when there is none or it does not fit cap. */
int device_command_line(char* buf, size_t cap);

/* Reads the host file at path whole into buf: its size (at most cap), or
 * kDeviceFileNotFound, kDeviceFileTooBig (larger than cap), kDeviceFileError. */
long device_read_file(const char* path, uint8_t* buf, size_t cap);

/* Brings the network up: LAN9118, lwIP with a static address, the port's host
 * table (localhost and 127.0.0.1 name the host's loopback through QEMU's
 * guestfwd). 1 on success; 0 with a reason in msg when the interface does not come up. */
int device_network_up(char* msg, size_t cap);

/* The client's port (port/lwip) on that network. */
cws_port device_port(void);

/* One JSON line on f: {"type":"memory",...} with the client block (size and
 * what this configuration needs), mbedTLS's arena and its peak, wslay's
 * context pool, the stack and its painted high-water mark, lwIP's heap and
 * pool high-water marks, and the time from reset to the first message
 * received (first_message_ms, 0 = none). docs/FIRMWARE.md names each field. */
void device_print_report(FILE* f, size_t client_block, size_t client_needed,
                         uint64_t first_message_ms);

#ifdef __cplusplus
}
#endif

#endif
