// SPDX-License-Identifier: MIT
// consensus-ws driven from the program's OWN poll() loop instead of
// Client::poll(): the program already waits on its descriptors (here stdin)
// and adds the library's sockets to that same poll() call. Each stdin line is
// sent as a text message, every message received is printed, and at the end
// of input the session is closed once every line has come back.
//
//   usage: printf 'one\ntwo\n' | foreign_loop <server-url>
//
// Every turn of any event loop does the same three things:
//   1. ask the library what it waits for (its sockets + the next timer),
//   2. wait for that AND the program's own events,
//   3. hand the readiness back and call Client::process().
// Other loops:
//   epoll   keep the epoll set in sync with cws_posix_port_pollfds() every
//           turn (EPOLL_CTL_ADD/MOD/DEL: sockets change on reconnects, DNS
//           lookups and address fallback), epoll_wait() with
//           cws_posix_port_timeout_ms(next_timeout_ms()), turn the
//           results into pollfd {fd, revents} and pass them to set_revents().
//   libuv   one uv_poll_t per listed fd (start/stop as the list changes) plus
//           one uv_timer_t armed with cws_posix_port_timeout_ms(
//           next_timeout_ms()); in the callbacks call
//           set_revents() with that fd's events, then process(), then re-arm.
//   RTOS    no POSIX fds: write a port (docs/PORTING.md) whose wait() blocks
//           on the task's event group or queue, which the network stack's
//           callbacks signal; the task then simply calls Client::poll().
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "consensus/client.h"
#include "consensus/port_posix.h"
#include "dev_payer.h"  // examples/: a FAKE x402 payment, for development servers only

using namespace consensus;  // an example: the library's names read best unqualified

namespace {

constexpr uint32_t kMaxStreams = 1;  // one session: token request, then WebSocket
constexpr size_t kMaxLine = 1024;    // longer stdin lines are skipped, never cut

alignas(16) unsigned char g_client_memory[32 * 1024];
alignas(16) unsigned char g_port_memory[512];

struct App {
    Session session;
    char in[kMaxLine];  // stdin bytes not sent yet
    size_t len = 0;
    bool eof = false;
    bool skipping = false;  // dropping the rest of an over-long line
    size_t sent = 0;        // lines sent
    size_t received = 0;    // messages received, the server's own included
    size_t notices = 0;     // the server's own messages (session_start/expired)
    bool closing = false;
    bool ended = false;
};

void on_event(void* user, Session& /*session*/, const Event& ev) {
    App* app = static_cast<App*>(user);
    switch (ev.type) {
        case EventType::message:
            ++app->received;
            printf("message: %.*s\n", static_cast<int>(ev.size),
                   reinterpret_cast<const char*>(ev.data));
            break;
        case EventType::session_start:  // also delivered as a message
        case EventType::session_expired:
            ++app->notices;
            break;
        case EventType::error:
            fprintf(stderr, "error: %s %.*s\n", error_name(ev.error),
                    static_cast<int>(ev.reason.size), ev.reason.data);
            break;
        case EventType::ended:
            app->ended = true;
            break;
        default:
            break;  // `writable` needs no handler: the loop retries every turn
    }
}

void drop_front(App* app, size_t n) {
    memmove(app->in, app->in + n, app->len - n);
    app->len -= n;
}

// Called only when poll() reported stdin readable, so read() cannot block.
void read_input(App* app) {
    const ssize_t n = read(STDIN_FILENO, app->in + app->len, sizeof app->in - app->len);
    if (n < 0 && errno == EINTR) return;
    if (n <= 0) {
        app->eof = true;
        return;
    }
    app->len += static_cast<size_t>(n);
    if (app->skipping) {
        const char* nl = static_cast<const char*>(memchr(app->in, '\n', app->len));
        app->skipping = nl == nullptr;
        drop_front(app, nl != nullptr ? static_cast<size_t>(nl - app->in) + 1 : app->len);
    }
}

// Sends every complete line (at end of input also an unterminated last one).
// A line the session cannot take now (not open, send buffer full) stays
// buffered and is retried next turn, so nothing is lost or reordered.
void send_lines(App* app) {
    while (app->session.state() == SessionState::open && app->len > 0) {
        const char* nl = static_cast<const char*>(memchr(app->in, '\n', app->len));
        if (nl == nullptr && !app->eof) {
            if (app->len < sizeof app->in) return;  // wait for the rest of the line
            fprintf(stderr, "line longer than %zu bytes: skipped\n", kMaxLine);
            app->skipping = true;
            app->len = 0;
            return;
        }
        const size_t size = nl != nullptr ? static_cast<size_t>(nl - app->in) : app->len;
        const Error e = app->session.send_text(app->in, size);
        if (e == Error::would_block || e == Error::not_open) return;
        if (e == Error::ok) {
            ++app->sent;
        } else {
            fprintf(stderr, "line not sent: %s\n", error_name(e));
        }
        drop_front(app, nl != nullptr ? size + 1 : size);
    }
}

// Stdin is polled only while the session can take lines: input then waits in
// the pipe (backpressure) instead of in memory.
bool wants_input(const App& app) {
    return !app.eof && app.session.state() == SessionState::open &&
           memchr(app.in, '\n', app.len) == nullptr && app.len < sizeof app.in;
}

void close_when_done(App* app) {
    // An expiry may be reported without a message: never let the count wrap.
    const size_t echoes = app->received > app->notices ? app->received - app->notices : 0;
    const bool all_back = echoes >= app->sent;
    if (app->eof && app->len == 0 && all_back && !app->closing) {
        app->closing = true;
        app->session.close(1000, "end of input");
    }
}

PaymentDecision pay(void*, const PaymentChallenge& challenge, PaymentTicket ticket,
                    PaymentHeaderOut* header) {
    return examples::dev_payment_hook(nullptr, challenge, ticket, header);  // see echo_client.cpp
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s <server-url>  (lines on stdin)\n", argv[0]);
        return 2;
    }
    // Set up exactly as echo_client.cpp does.
    cws_posix_port* posix = nullptr;
    if (cws_posix_port_init(g_port_memory, sizeof g_port_memory, kMaxStreams, &posix) != 0) {
        fprintf(stderr, "port: need %zu bytes\n", cws_posix_port_bytes(kMaxStreams));
        return 1;
    }
    Config config;
    config.max_requests = 0;
    ClientOptions options;
    options.server_url = argv[1];
    options.payment_hook = pay;
    options.max_reconnects = 3;
    Client client;
    const char* why = "";  // init's reason when it refuses
    const Error e = client.init(config, options, cws_posix_port_get(posix), g_client_memory,
                                sizeof g_client_memory, &why);
    if (e != Error::ok) {
        fprintf(stderr, "init: %s: %s (client needs %zu bytes)\n", error_name(e), why,
                Client::required_bytes(config));
        cws_posix_port_deinit(posix);
        return 1;
    }
    static App app;  // its line buffer stays off the stack
    SessionOptions so;
    so.listener = on_event;
    so.user = &app;
    const Error opened = client.open_session(TokenParams{}, so, &app.session);
    if (opened != Error::ok) fprintf(stderr, "open_session: %s\n", error_name(opened));
    app.ended = opened != Error::ok;

    // The library's descriptors first, stdin last: the port hands out at
    // most CWS_POSIX_POLLFDS_MAX(streams) (its wake eventfd, which
    // Client::wake() and Client::post() from other threads write; up to
    // CWS_POSIX_DNS_FDS sockets of its DNS resolver; one socket per stream).
    constexpr size_t kPortFds = CWS_POSIX_POLLFDS_MAX(kMaxStreams);
    struct pollfd fds[kPortFds + 1];
    while (!app.ended) {
        // 1. Fetch anew every turn: the sockets change while resolving and
        //    connecting and on every reconnect.
        size_t n = cws_posix_port_pollfds(posix, fds, kPortFds);
        if (n > kPortFds) n = kPortFds;  // cannot happen: the port's documented bound
        const bool want_stdin = wants_input(app);
        const size_t stdin_at = n;
        if (want_stdin) fds[n++] = {STDIN_FILENO, POLLIN, 0};

        // 2. Sleep no longer than the library's next timer (open and request
        //    timeouts, keepalive, reconnect) or the port's (DNS retries); -1
        //    means none is due.
        const int32_t t = cws_posix_port_timeout_ms(posix, client.next_timeout_ms());
        if (poll(fds, static_cast<nfds_t>(n), t) < 0) {
            if (errno != EINTR) break;
            for (size_t i = 0; i < n; ++i) fds[i].revents = 0;
        }

        // 3. Hand readiness back (stdin's entry is ignored: not the port's;
        //    the wake fd is drained), then run the state machines; listeners
        //    fire from process().
        cws_posix_port_set_revents(posix, fds, n);
        client.process();

        // The program's own work, after the library's.
        if (want_stdin && fds[stdin_at].revents != 0) read_input(&app);
        send_lines(&app);
        close_when_done(&app);
    }

    client.deinit();
    cws_posix_port_deinit(posix);
    return app.closing && app.ended ? 0 : 1;
}
