/* SPDX-License-Identifier: MIT */
/* A copy-me port: the skeleton of a consensus-ws port for a new platform (an
 * RTOS with lwIP, a cellular modem's socket API, a vendor SDK).
 *
 * Copy port/template/ to port/<platform>/, rename cws_template_* and fill in
 * every "TODO(port)" in port_template.c. docs/PORTING.md explains the
 * contract (consensus/port.h), the poll sequence and how to test a port.
 *
 * This skeleton is compiled in CI (target consensus_port_template) so it
 * follows every change of consensus/port.h, but it is NOT linked into the
 * library: as shipped it opens no connection and its entropy source fails,
 * so Client::init() refuses it (invalid_config) instead of running insecurely.
 */
#ifndef CONSENSUS_PORT_TEMPLATE_H
#define CONSENSUS_PORT_TEMPLATE_H

#include "consensus/port.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Streams open at once: Config::max_sessions + Config::max_requests (a
 * session's token request and WebSocket use one stream in turn). */
enum { CWS_TEMPLATE_MAX_STREAMS = 2 };

/* Prepares the port's state; call once the network stack is up.
 * Returns 0, or -1 when the platform refuses (nothing is then held). */
int cws_template_port_init(void);

/* The port as the core consumes it: hand it to Client::init(). */
cws_port cws_template_port_get(void);

/* Closes every stream still open. */
void cws_template_port_deinit(void);

#ifdef __cplusplus
}
#endif

#endif /* CONSENSUS_PORT_TEMPLATE_H */
