// SPDX-License-Identifier: MIT
// The smallest complete consensus-ws program: buy a session, open the
// WebSocket, send "hello", print what comes back, close after the echo.
//
//   usage: echo_client <server-url>     e.g. echo_client http://127.0.0.1:8080
//
// Runs against consensus-devserver: its payment hook is the examples' dev payer,
// which signs NOTHING (see pay() below). Exit status 0 when the echo arrived.
#include <stdio.h>
#include <string.h>

#include "consensus/client.h"
#include "consensus/port_posix.h"
#include "dev_payer.h"  // examples/: a FAKE x402 payment, for development servers only

using namespace consensus;  // an example: the library's names read best unqualified

namespace {

// The port needs one stream per session and per request slot: a session's
// token request and its WebSocket use the same one in turn.
constexpr uint32_t kMaxStreams = 1;

// All library memory, static: nothing is allocated after init (mbedTLS and
// wslay aside, see config.h). This config needs about 29 KiB for the client
// and 0.4 KiB for the port; init checks the sizes and main() prints the need.
alignas(16) unsigned char g_client_memory[32 * 1024];
alignas(16) unsigned char g_port_memory[512];

constexpr char kHello[] = "hello";

struct App {
    bool echoed = false;
};

// Called once per 402 challenge. A device signs an EIP-3009 authorization for
// challenge.accepts[0] here (secure element, wallet service) and writes the
// base64 PAYMENT-SIGNATURE value into `header`; when signing takes time it
// returns PaymentDecision::pending and later calls Client::complete_payment().
PaymentDecision pay(void* /*user*/, const PaymentChallenge& challenge, PaymentTicket ticket,
                    PaymentHeaderOut* header) {
    if (challenge.accepts_count > 0) {
        const PaymentRequirement& r = challenge.accepts[0];
        printf("paying %.*s atomic units on %.*s\n", static_cast<int>(r.amount.size), r.amount.data,
               static_cast<int>(r.network.size), r.network.data);
    }
    return examples::dev_payment_hook(nullptr, challenge, ticket, header);
}

// One listener for every event of the session. Views in `ev` are valid only
// until it returns: copy what must outlive the call.
void on_event(void* user, Session& session, const Event& ev) {
    App* app = static_cast<App*>(user);
    switch (ev.type) {
        case EventType::open:
            // send() never queues beyond the send buffer: check what it says.
            if (session.send_text(kHello, sizeof kHello - 1) != Error::ok) session.close();
            break;
        case EventType::message:
            printf("message: %.*s\n", static_cast<int>(ev.size),
                   reinterpret_cast<const char*>(ev.data));
            // The server's own session_start also arrives as a message.
            if (ev.size == sizeof kHello - 1 && memcmp(ev.data, kHello, ev.size) == 0) {
                app->echoed = true;
                session.close(1000, "done");
            }
            break;
        case EventType::error:
            fprintf(stderr, "error: %s %.*s\n", error_name(ev.error),
                    static_cast<int>(ev.reason.size), ev.reason.data);
            break;
        case EventType::ended:
            printf("ended\n");
            break;
        default:
            break;
    }
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s <server-url>\n", argv[0]);
        return 2;
    }
    cws_posix_port* posix = nullptr;
    if (cws_posix_port_init(g_port_memory, sizeof g_port_memory, kMaxStreams, &posix) != 0) {
        fprintf(stderr, "port: need %zu bytes\n", cws_posix_port_bytes(kMaxStreams));
        return 1;
    }

    Config config;            // defaults: one session, 4 KiB send, 16 KiB messages
    config.max_requests = 0;  // no stand-alone request_token() here
    ClientOptions options;
    options.server_url = argv[1];
    options.payment_hook = pay;
    options.max_reconnects = 3;  // a device keeps the default: retry forever

    Client client;
    const char* why = "";  // init's reason when it refuses
    Error e = client.init(config, options, cws_posix_port_get(posix), g_client_memory,
                          sizeof g_client_memory, &why);
    if (e != Error::ok) {
        fprintf(stderr, "init: %s: %s (client needs %zu bytes)\n", error_name(e), why,
                Client::required_bytes(config));
        cws_posix_port_deinit(posix);
        return 1;
    }

    App app;
    SessionOptions so;
    so.listener = on_event;
    so.user = &app;
    Session session;
    e = client.open_session(TokenParams{}, so, &session);  // hybrid, 5 min, 50 MB
    if (e != Error::ok) fprintf(stderr, "open_session: %s\n", error_name(e));

    // The whole program runs here: poll() sleeps until a socket or timer is
    // due, then runs the state machines and the listener. 0 = nothing active.
    while (e == Error::ok && client.poll(1000) > 0) {
    }

    client.deinit();
    cws_posix_port_deinit(posix);
    return app.echoed ? 0 : 1;
}
