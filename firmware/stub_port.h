/* SPDX-License-Identifier: MIT */
/* A port for the bare-metal image: SysTick clock, the STM32F4 hardware RNG,
 * and no network interface (open() answers CWS_OPEN_NO_RESOURCES). It shows
 * what a no-OS port is made of; a real board adds its TCP stack to open,
 * connect_status, send, recv, close and wait (see port/template). */
#ifndef CONSENSUS_FIRMWARE_STUB_PORT_H
#define CONSENSUS_FIRMWARE_STUB_PORT_H

#include "consensus/port.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Starts SysTick at 1 kHz for a core clock of core_hz and enables the RNG. */
void stub_port_init(uint32_t core_hz);
cws_port stub_port(void);

#ifdef __cplusplus
}
#endif

#endif
