/* SPDX-License-Identifier: MIT */
/* The C API's smallest complete program: buy a session on a free server,
 * open the WebSocket, send TEXT, print the echo, close.
 *
 *   usage: echo URL TEXT        e.g. echo http://127.0.0.1:8080 hello
 *
 * C99 (gcc -std=c99 -pedantic), consensus/consensus.h and the POSIX port.
 * Its payment hook refuses every 402: a free server never asks (a device
 * that pays signs here, see consensus/x402_evm.h). Exit status: 0 when the
 * echo arrived; 1 on any error (its name on stderr); 2 for bad usage. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "consensus/consensus.h"
#include "consensus/port_posix.h"

/* All library memory, static: nothing is allocated after init (mbedTLS and
 * wslay aside, see consensus/config.h). main() checks the sizes. The +16
 * leaves room to align the block (C99 has no alignas). */
enum { kClientBytes = 48 * 1024, kPortBytes = 512 };
static unsigned char g_client_raw[kClientBytes + 16];
static unsigned char g_port_raw[kPortBytes + 16];

static void* aligned16(unsigned char* raw) {
    return raw + (16u - (uintptr_t)raw % 16u) % 16u;
}

typedef struct app {
    const char* text;
    size_t text_size;
    int echoed;
    int ended;
    cws_error error; /* the first error reported */
} app;

static cws_payment_decision refuse_to_pay(void* user, const cws_payment_challenge* challenge,
                                          cws_payment_ticket ticket,
                                          cws_payment_header_out* header) {
    (void)user;
    (void)challenge;
    (void)ticket;
    header->refusal = "this example pays nothing: use a free server";
    return CWS_PAY_REFUSED;
}

/* One listener for every event of the session. The event's pointers are
 * valid only until it returns. */
static void on_event(void* user, cws_session session, const cws_event* ev) {
    app* a = (app*)user;
    cws_error e;
    switch (ev->type) {
        case CWS_EV_OPEN:
            e = cws_send_text(session, a->text, a->text_size);
            if (e != CWS_OK) {
                a->error = e;
                cws_close(session, 1000, NULL);
            }
            break;
        case CWS_EV_MESSAGE:
            /* The server's own session_start arrives as a message too. */
            if (ev->size == a->text_size && memcmp(ev->data, a->text, ev->size) == 0) {
                printf("echo: %.*s\n", (int)ev->size, (const char*)ev->data);
                a->echoed = 1;
                cws_close(session, 1000, "done");
            }
            break;
        case CWS_EV_ERROR:
            fprintf(stderr, "error: %s %.*s\n", cws_error_name(ev->error), (int)ev->reason.size,
                    ev->reason.data != NULL ? ev->reason.data : "");
            if (a->error == CWS_OK) a->error = ev->error;
            /* A refused purchase would be retried: stop at the first error. */
            if (!a->echoed) cws_close(session, 1000, NULL);
            break;
        case CWS_EV_ENDED:
            a->ended = 1;
            break;
        default:
            break;
    }
}

static int fail(const char* what, cws_error e) {
    fprintf(stderr, "%s: %s\n", what, cws_error_name(e));
    return 1;
}

int main(int argc, char** argv) {
    cws_config config;
    cws_options options;
    cws_session_options session_options;
    cws_posix_port* posix = NULL;
    cws_client* client = NULL;
    cws_session session;
    cws_port port;
    const char* why = NULL;
    app a;
    cws_error e;
    size_t need;
    int i;

    if (argc != 3 || argv[2][0] == '\0') {
        fprintf(stderr, "usage: echo URL TEXT   (e.g. echo http://127.0.0.1:8080 hello)\n");
        return 2;
    }
    memset(&a, 0, sizeof a);
    a.text = argv[2];
    a.text_size = strlen(argv[2]);

    cws_config_default(&config);
    config.max_sessions = 1;
    config.max_requests = 0; /* the session buys its own token */
    need = cws_client_required_bytes(&config);
    if (need > kClientBytes || cws_posix_port_bytes(1) > kPortBytes) {
        fprintf(stderr, "memory: the client needs %lu bytes, the port %lu\n", (unsigned long)need,
                (unsigned long)cws_posix_port_bytes(1));
        return 1;
    }
    /* One stream: the session's token request, then its WebSocket. */
    if (cws_posix_port_init(aligned16(g_port_raw), kPortBytes, 1, &posix) != 0) {
        fprintf(stderr, "port: cannot initialise\n");
        return 1;
    }
    port = cws_posix_port_get(posix);

    cws_options_default(&options);
    options.server_url = argv[1];
    options.payment_hook = refuse_to_pay;
    e = cws_client_init(aligned16(g_client_raw), kClientBytes, &config, &options, &port, &client,
                        &why);
    if (e != CWS_OK) {
        fprintf(stderr, "init: %s (%s)\n", cws_error_name(e), why);
        cws_posix_port_deinit(posix);
        return 1;
    }

    cws_session_options_default(&session_options);
    session_options.listener = on_event;
    session_options.user = &a;
    e = cws_open_session(client, NULL, &session_options, &session);
    if (e != CWS_OK) {
        cws_client_deinit(client);
        cws_posix_port_deinit(posix);
        return fail("open_session", e);
    }
    /* At most ~30 s: the open timeout and the close handshake bound it anyway. */
    for (i = 0; i < 300 && !a.ended; ++i) cws_client_poll(client, 100);

    cws_client_deinit(client);
    cws_posix_port_deinit(posix);
    if (a.echoed && a.ended) return 0;
    return fail("echo", a.error != CWS_OK ? a.error : CWS_ERR_TIMEOUT);
}
