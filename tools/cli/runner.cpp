// SPDX-License-Identifier: MIT
#include "runner.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <new>

#include "consensus/client.h"
#include "consensus/port_posix.h"
#include "demo_payer.h"
#include "exit_status.h"
#include "payer.h"
#include "terminal_text.h"
#include "wallet.h"

namespace consensus {
namespace cli {
namespace {

volatile sig_atomic_t g_stop = 0;

void on_stop_signal(int) {
    if (g_stop != 0) _exit(130);  // second interrupt: leave now
    g_stop = 1;
}

// Longest wait in one poll() even with no timer due: a cheap safety net.
constexpr int32_t kMaxPollMs = 1000;
// After SIGINT/SIGTERM the sessions get this long to finish their close
// handshakes; then everything is dropped (the user asked us to stop).
constexpr uint64_t kStopGraceMs = 500;
// While a payer child has closed its stdout but is not reaped yet.
constexpr int32_t kReapPollMs = 5;
// Room for the WebSocket frame header and slack in the send buffer.
constexpr size_t kFrameOverhead = 64;
// --send-file: the send buffer, so a streamed file goes out in pieces of up
// to half of it per loop pass.
constexpr uint32_t kStreamTxBytes = 64 * 1024;
// --save-messages: the largest message accepted (streamed in parts of
// Config::max_message_bytes to the file).
constexpr uint64_t kMaxSavedMessage = uint64_t{1} << 30;

struct Runtime;

struct SessionRun {
    Runtime* rt = nullptr;
    int index = 0;
    Session handle;
    bool finished = false;
    bool close_asked = false;
    bool waiting = false;  // all messages sent: counting down --wait-ms
    uint64_t wait_deadline = 0;
    size_t sent = 0;          // messages sent on this session (never resent)
    FILE* send_fp = nullptr;  // --send-file: the file being streamed now
    FILE* save_fp = nullptr;  // --save-messages: the streamed message being written now
    SessionSummary summary;
    RepeatFilter repeats;  // session_start / session_expired are printed once
};

// stdin split into lines, one "current" line at a time shared by all sessions.
struct StdinLines {
    char buf[kMaxStdinLine + 1];
    size_t len = 0;
    bool eof = false;
    bool discarding = false;  // skipping the rest of an over-long line
    bool have_cur = false;
    size_t cur_len = 0;   // the current line is buf[0, cur_len)
    size_t cur_used = 0;  // bytes to drop with it (its newline included)
    size_t taken = 0;     // lines made current so far
};

struct Runtime {
    const Args* args = nullptr;
    Output out;
    void* port_mem = nullptr;
    cws_posix_port* port = nullptr;
    cws_port port_ops{};
    uint32_t max_streams = 0;
    void* client_mem = nullptr;
    Client client;
    bool client_ready = false;
    PayerJob* jobs = nullptr;
    size_t job_count = 0;
    PayerPool payers;
    Wallet* wallet = nullptr;  // --wallet-key: the built-in EVM signer
    struct pollfd* fds = nullptr;
    size_t fds_cap = 0;
    SessionRun* runs = nullptr;
    size_t run_count = 0;
    StdinLines* in = nullptr;
    bool token_command = false;
    bool token_done = false;
    int token_status = kExitOk;
    uint64_t stop_at = 0;  // when a stop signal was first seen (0: none)
    uint64_t saved = 0;    // --save-messages: messages received so far (the file names)

    uint64_t now() const { return port_ops.ops->now_ms(port_ops.ctx); }
};

// ---- payment ----------------------------------------------------------------

// --verbose: "consensus-ws: info: session 0: purchasing -> connecting" on
// stderr, the line escaped like all server text (it may quote the server).
void cli_log(void*, LogLevel level, int32_t session, const char* message) {
    fprintf(stderr, "consensus-ws: %s: ", log_level_name(level));
    if (session >= 0) fprintf(stderr, "session %d: ", static_cast<int>(session));
    write_terminal_cstr(stderr, message);
    fputc('\n', stderr);
}

PaymentDecision cli_payment_hook(void* user, const PaymentChallenge& challenge,
                                 PaymentTicket ticket, PaymentHeaderOut* header) {
    Runtime* rt = static_cast<Runtime*>(user);
    // Sessions report the 402 as a `payment` event; a bare token request has none.
    if (rt->token_command) print_payment(rt->out, kNoSession, false);
    if (rt->args->demo_payer) return demo_payment_hook(nullptr, challenge, ticket, header);
    if (rt->wallet != nullptr)
        return EvmSigner::hook(&rt->wallet->signer(), challenge, ticket, header);
    if (rt->args->payer == nullptr) return PaymentDecision::decline;
    // The payer sees only the requirements the price policy let through.
    static char json[kMaxChallengeToPayer];
    const size_t n = write_policy_challenge(challenge, json, sizeof json);
    if (n == 0 || !rt->payers.start(json, n, ticket)) return PaymentDecision::refused;
    return PaymentDecision::pending;
}

void on_payer_done(void* user, PaymentTicket ticket, bool paid, const char* header, size_t size) {
    Runtime* rt = static_cast<Runtime*>(user);
    // A stale ticket (the request timed out meanwhile) is refused by the
    // library; nothing is left to do for it then.
    if (paid) {
        (void)rt->client.complete_payment(ticket, header, size);
    } else {
        (void)rt->client.refuse_payment(ticket);
    }
}

// ---- setup / teardown -------------------------------------------------------

bool any_file(const Args& a) {
    for (size_t i = 0; i < a.send_count; ++i) {
        if (a.send_is_file[i]) return true;
    }
    return false;
}

size_t longest_message(const Args& a) {
    if (a.send_count == 0) return kMaxStdinLine;
    size_t n = 0;
    for (size_t i = 0; i < a.send_count; ++i) {
        if (a.send_is_file[i]) continue;  // streamed: any size
        size_t l = strlen(a.sends[i]);
        if (l > n) n = l;
    }
    return n;
}

void close_files(SessionRun& run) {
    if (run.send_fp != nullptr) fclose(run.send_fp);
    if (run.save_fp != nullptr) fclose(run.save_fp);
    run.send_fp = nullptr;
    run.save_fp = nullptr;
}

void teardown(Runtime* rt) {
    for (size_t i = 0; rt->runs != nullptr && i < rt->run_count; ++i) close_files(rt->runs[i]);
    if (rt->jobs != nullptr) rt->payers.kill_all();
    if (rt->client_ready) rt->client.deinit();
    delete rt->wallet;  // wipes the key
    if (rt->port != nullptr) cws_posix_port_deinit(rt->port);
    free(rt->fds);
    delete[] rt->jobs;
    free(rt->client_mem);
    free(rt->port_mem);
    delete[] rt->runs;
    delete rt->in;
}

// Returns kExitOk, or the exit status of a failed setup (error line printed).
int setup(Runtime* rt, const Args& a, const Output& out, uint32_t sessions) {
    rt->args = &a;
    rt->out = out;
    // Each session holds at most one stream at a time; the request slot one more.
    rt->max_streams = sessions + 2;
    size_t port_bytes = cws_posix_port_bytes(rt->max_streams);
    rt->port_mem = malloc(port_bytes);
    if (rt->port_mem == nullptr ||
        cws_posix_port_init(rt->port_mem, port_bytes, rt->max_streams, &rt->port) != 0) {
        print_error(out, kNoSession, Error::no_resources, "cannot set up the POSIX port", 29, 0);
        return kExitUsage;
    }
    rt->port_ops = cws_posix_port_get(rt->port);

    Config cfg;
    cfg.max_sessions = static_cast<uint16_t>(sessions);
    cfg.max_requests = 1;
    size_t tx = longest_message(a) + kFrameOverhead;
    if (tx > cfg.tx_buffer_bytes) cfg.tx_buffer_bytes = static_cast<uint32_t>(tx);
    if (any_file(a) && cfg.tx_buffer_bytes < kStreamTxBytes) cfg.tx_buffer_bytes = kStreamTxBytes;

    ClientOptions opt;
    opt.server_url = a.server_url;
    opt.payment_hook = cli_payment_hook;
    opt.payment_user = rt;
    opt.defaults = a.params;
    opt.open_timeout_ms = a.open_timeout_ms;
    opt.request_timeout_ms = a.request_timeout_ms;
    opt.reconnect_interval_ms = a.reconnect_ms;
    opt.reconnect_max_ms = a.reconnect_max_ms;
    opt.reconnect_jitter = a.reconnect_jitter;
    opt.max_reconnects = a.max_reconnects;
    opt.ping_interval_ms = a.ping_ms;
    opt.limit_micro_usd = a.limit_micro_usd;
    opt.ca_file = a.ca_file;
    opt.price_margin_ppm = a.price_margin_ppm;
    opt.connect_hosts = a.connect_hosts;
    opt.connect_host_count = a.connect_host_count;
    opt.max_paid_attempts = a.max_paid_attempts;
    opt.http_proxy = a.http_proxy;
    opt.https_proxy = a.https_proxy;
    opt.no_proxy = a.no_proxy;
    if (a.verbose) opt.log_hook = cli_log;

    size_t need = (Client::required_bytes(cfg) + 15) / 16 * 16;
    rt->client_mem = aligned_alloc(16, need);
    if (rt->client_mem == nullptr) {
        print_error(out, kNoSession, Error::no_resources, "out of memory", 13, 0);
        return kExitUsage;
    }
    const char* why = "";
    Error e = rt->client.init(cfg, opt, rt->port_ops, rt->client_mem, need, &why);
    if (e != Error::ok) {
        print_error(out, kNoSession, e, why, strlen(why), 0);
        return kExitUsage;
    }
    rt->client_ready = true;

    if (a.wallet_key != nullptr) {
        char msg[256];
        rt->wallet = new (std::nothrow) Wallet;
        if (rt->wallet == nullptr ||
            !rt->wallet->open(a, &rt->port_ops, cfg.max_payment_header, msg, sizeof msg)) {
            print_error(out, kNoSession, Error::invalid_config, msg, strlen(msg), 0);
            return kExitUsage;
        }
    }
    if (a.payer != nullptr) {
        rt->job_count = sessions + 1;
        rt->jobs = new (std::nothrow) PayerJob[rt->job_count];
        if (rt->jobs == nullptr) return kExitUsage;
        rt->payers.init(rt->jobs, rt->job_count, a.payer, on_payer_done, rt);
    }
    // The port's bound (its wake eventfd, c-ares's sockets, one per stream),
    // the payers' pipes, stdin.
    rt->fds_cap = CWS_POSIX_POLLFDS_MAX(size_t{rt->max_streams}) + rt->job_count + 1;
    rt->fds = static_cast<struct pollfd*>(calloc(rt->fds_cap, sizeof(struct pollfd)));
    return rt->fds != nullptr ? kExitOk : kExitUsage;
}

// ---- one loop turn ----------------------------------------------------------

// Polls the port's sockets, the payers' pipes and (when wanted) stdin.
// Returns true when stdin is readable.
bool wait_and_process(Runtime* rt, int32_t timeout_ms, bool want_stdin) {
    const size_t port_cap = CWS_POSIX_POLLFDS_MAX(size_t{rt->max_streams});
    size_t n = cws_posix_port_pollfds(rt->port, rt->fds, port_cap);
    if (n > port_cap) n = port_cap;  // cannot happen: the port's documented bound
    size_t n_port = n;
    if (rt->jobs != nullptr) n += rt->payers.pollfds(rt->fds + n, rt->fds_cap - n - 1);
    int stdin_at = -1;
    if (want_stdin) {
        stdin_at = static_cast<int>(n);
        rt->fds[n].fd = STDIN_FILENO;
        rt->fds[n].events = POLLIN;
        rt->fds[n].revents = 0;
        ++n;
    }
    int32_t t = rt->client.next_timeout_ms();
    if (t < 0 || t > timeout_ms) t = timeout_ms;
    t = cws_posix_port_timeout_ms(rt->port, t);  // DNS retry timers
    if (rt->jobs != nullptr && rt->payers.needs_reaping() && t > kReapPollMs) t = kReapPollMs;
    int r = poll(rt->fds, static_cast<nfds_t>(n), t);
    if (r < 0) {
        for (size_t i = 0; i < n; ++i) rt->fds[i].revents = 0;  // EINTR: nothing ready
    }
    cws_posix_port_set_revents(rt->port, rt->fds, n_port);
    rt->client.process();
    if (rt->jobs != nullptr) rt->payers.service();
    return stdin_at >= 0 && (rt->fds[stdin_at].revents & (POLLIN | POLLHUP | POLLERR)) != 0;
}

// ---- token ------------------------------------------------------------------

void on_token(void* user, const TokenResult& result) {
    Runtime* rt = static_cast<Runtime*>(user);
    rt->token_done = true;
    if (result.error != Error::ok) {
        print_error(rt->out, kNoSession, result.error, result.message.data, result.message.size,
                    result.http_status);
        rt->token_status = kExitNoToken;
        return;
    }
    if (result.paid) print_payment(rt->out, kNoSession, true);
    print_token(rt->out, kNoSession, result.auth->token, result.auth->connect_url,
                result.auth->expires_in_s);
    rt->token_status = kExitOk;
}

// ---- sessions ---------------------------------------------------------------

// --save-messages: DIR/<n>.bin, n counting every message received (all
// sessions) from 1. A whole message is written at once; a streamed one part
// by part (opened with its first part, closed with its last). A failure is
// reported once per message, and the rest of that message is skipped.
void save_failed(Runtime* rt, SessionRun* run, const char* path) {
    char line[512];
    snprintf(line, sizeof line, "cannot write '%s': %s", path, strerror(errno));
    print_error(rt->out, run->index, Error::no_resources, line, strlen(line), 0);
}

FILE* open_saved(Runtime* rt, SessionRun* run, char* path, size_t cap) {
    snprintf(path, cap, "%s/%llu.bin", rt->args->save_dir,
             static_cast<unsigned long long>(++rt->saved));
    FILE* f = fopen(path, "wb");
    if (f == nullptr) save_failed(rt, run, path);
    return f;
}

void save_message(Runtime* rt, SessionRun* run, const Event& ev) {
    char path[4096];
    if (ev.type == EventType::message) {
        FILE* f = open_saved(rt, run, path, sizeof path);
        if (f == nullptr) return;
        if (fwrite(ev.data, 1, ev.size, f) != ev.size) save_failed(rt, run, path);
        if (fclose(f) != 0) save_failed(rt, run, path);
        return;
    }
    if (ev.offset == 0) {
        if (run->save_fp != nullptr) fclose(run->save_fp);  // a message cut by a lost link
        run->save_fp = open_saved(rt, run, path, sizeof path);
    }
    if (run->save_fp == nullptr) return;
    bool ok = fwrite(ev.data, 1, ev.size, run->save_fp) == ev.size;
    if (ev.last) ok = fclose(run->save_fp) == 0 && ok;
    if (!ok) {
        snprintf(path, sizeof path, "%s/%llu.bin", rt->args->save_dir,
                 static_cast<unsigned long long>(rt->saved));
        save_failed(rt, run, path);
        if (!ev.last) fclose(run->save_fp);
    }
    if (ev.last || !ok) run->save_fp = nullptr;
}

// --send-file: the stream's source; reads the file piece by piece into the
// send buffer. The file is closed at its end (or on a read error: -1 aborts
// the message).
long file_source(void* user, uint8_t* out, size_t cap, bool* last) {
    SessionRun* run = static_cast<SessionRun*>(user);
    if (run->send_fp == nullptr) return -1;
    const size_t n = fread(out, 1, cap, run->send_fp);
    if (n == cap) return static_cast<long>(n);
    const bool failed = ferror(run->send_fp) != 0;
    fclose(run->send_fp);
    run->send_fp = nullptr;
    if (failed) return -1;
    *last = true;
    return static_cast<long>(n);
}

void on_session_event(void* user, Session& /*session*/, const Event& ev) {
    SessionRun* run = static_cast<SessionRun*>(user);
    Runtime* rt = run->rt;
    if (rt->args->save_dir != nullptr &&
        (ev.type == EventType::message || ev.type == EventType::message_part)) {
        save_message(rt, run, ev);
    }
    // A streamed message still arriving keeps the session past --wait-ms.
    if (ev.type == EventType::message_part && run->waiting) {
        run->wait_deadline = rt->now() + rt->args->wait_ms;
    }
    Event copy = ev;
    copy.session_index = static_cast<uint16_t>(run->index);  // our index, not the slot's
    if (should_print(&run->repeats, copy)) print_event(rt->out, copy);
    summarize_event(&run->summary, ev, rt->args->renew);
}

bool is_over(const SessionRun& run) {
    if (!run.handle.valid()) return true;
    SessionState s = run.handle.state();
    return s == SessionState::closed;
}

// The message a session sends next, or false when none is available now.
bool message_at(const Runtime& rt, size_t index, const char** data, size_t* size) {
    const Args& a = *rt.args;
    if (a.send_count > 0) {
        if (index >= a.send_count) return false;
        *data = a.sends[index];
        *size = strlen(a.sends[index]);
        return true;
    }
    const StdinLines& in = *rt.in;
    if (!in.have_cur || index + 1 != in.taken) return false;
    *data = in.buf;
    *size = in.cur_len;
    return true;
}

bool all_messages_sent(const Runtime& rt, const SessionRun& run) {
    const Args& a = *rt.args;
    if (a.send_count > 0) return run.sent >= a.send_count && run.send_fp == nullptr;
    const StdinLines& in = *rt.in;
    return in.eof && in.len == 0 && !in.have_cur && run.sent >= in.taken;
}

void close_session(SessionRun& run) {
    mark_closed_by_us(&run.summary);
    run.close_asked = true;
    (void)run.handle.close(1000, nullptr);
}

// Starts streaming the file of --send-file: ok, or the error that kept it
// from starting (busy / would_block / not_open: retried later).
Error start_file(Runtime* rt, SessionRun& run, const char* path) {
    if (run.send_fp != nullptr) return Error::busy;  // the last file still streams
    run.send_fp = fopen(path, "rb");
    if (run.send_fp == nullptr) {
        char line[512];
        snprintf(line, sizeof line, "--send-file: cannot read '%s': %s", path, strerror(errno));
        print_error(rt->out, run.index, Error::invalid_params, line, strlen(line), 0);
        return Error::invalid_params;
    }
    const Error e = run.handle.send_stream(true, file_source, &run);
    if (e != Error::ok) {
        fclose(run.send_fp);
        run.send_fp = nullptr;
    }
    return e;
}

void send_pending(Runtime* rt, SessionRun& run) {
    const char* data = nullptr;
    size_t size = 0;
    // A stream dropped by a close or a lost connection: its file is done with.
    if (run.send_fp != nullptr && run.handle.state() != SessionState::open) {
        fclose(run.send_fp);
        run.send_fp = nullptr;
    }
    while (run.handle.state() == SessionState::open && message_at(*rt, run.sent, &data, &size)) {
        if (rt->args->send_count > 0 && rt->args->send_is_file[run.sent]) {
            const Error e = start_file(rt, run, data);
            if (e == Error::busy || e == Error::would_block || e == Error::not_open) return;
            if (e != Error::ok && e != Error::invalid_params) {
                const char* why = "file not sent";
                print_error(rt->out, run.index, e, why, strlen(why), 0);
            }
            ++run.sent;
            continue;
        }
        Error e = rt->args->binary
                      ? run.handle.send_binary(reinterpret_cast<const uint8_t*>(data), size)
                      : run.handle.send_text(data, size);
        if (e == Error::ok) {
            ++run.sent;
            continue;
        }
        if (e == Error::would_block || e == Error::not_open || e == Error::busy) {
            return;  // retried later (busy: a file is still streaming)
        }
        // Too large (or otherwise unsendable): reported and skipped, never cut.
        const char* why = "message not sent";
        print_error(rt->out, run.index, e, why, strlen(why), 0);
        ++run.sent;
    }
}

void pump_session(Runtime* rt, SessionRun& run, uint64_t now) {
    if (run.finished) return;
    if (is_over(run)) {
        run.finished = true;
        return;
    }
    if (g_stop != 0 && !run.close_asked) {
        close_session(run);
        return;
    }
    if (run.close_asked) return;
    send_pending(rt, run);
    if (!run.waiting && all_messages_sent(*rt, run)) {
        run.waiting = true;
        run.wait_deadline = now + rt->args->wait_ms;
    }
    if (run.waiting && now >= run.wait_deadline) close_session(run);
}

// ---- stdin --------------------------------------------------------------------

bool every_live_session(const Runtime& rt, bool need_open) {
    for (size_t i = 0; i < rt.run_count; ++i) {
        const SessionRun& r = rt.runs[i];
        if (r.finished || r.close_asked) continue;
        if (r.sent < rt.in->taken) return false;
        if (need_open && r.handle.state() != SessionState::open) return false;
    }
    return true;
}

void drop_front(StdinLines* in, size_t n) {
    memmove(in->buf, in->buf + n, in->len - n);
    in->len -= n;
}

// Makes the next complete line current; handles over-long lines. Returns
// true when a line became current.
bool take_line(Runtime* rt) {
    StdinLines* in = rt->in;
    char* nl = static_cast<char*>(memchr(in->buf, '\n', in->len));
    if (in->discarding) {
        if (nl == nullptr) {
            in->len = 0;
            return false;
        }
        drop_front(in, static_cast<size_t>(nl - in->buf) + 1);
        in->discarding = false;
        nl = static_cast<char*>(memchr(in->buf, '\n', in->len));
    }
    if (nl != nullptr) {
        in->cur_len = static_cast<size_t>(nl - in->buf);
        in->cur_used = in->cur_len + 1;
    } else if (in->eof && in->len > 0) {
        in->cur_len = in->len;  // the last line had no newline
        in->cur_used = in->len;
    } else {
        if (in->len == kMaxStdinLine) {  // full and no newline: too long to send whole
            const char* why = "stdin line longer than 16384 bytes: skipped";
            print_error(rt->out, kNoSession, Error::message_too_large, why, strlen(why), 0);
            in->len = 0;
            in->discarding = true;
        }
        return false;
    }
    in->have_cur = true;
    ++in->taken;
    return true;
}

// Advances the shared stdin line; true when stdin should be polled.
bool advance_stdin(Runtime* rt) {
    StdinLines* in = rt->in;
    if (in->have_cur && every_live_session(*rt, false)) {
        drop_front(in, in->cur_used);
        in->have_cur = false;
    }
    if (in->have_cur) return false;
    if (take_line(rt)) return false;
    // Read only while every live session is open and caught up: no line is lost.
    return !in->eof && every_live_session(*rt, true);
}

void read_stdin(Runtime* rt) {
    StdinLines* in = rt->in;
    ssize_t n = read(STDIN_FILENO, in->buf + in->len, kMaxStdinLine - in->len);
    if (n > 0) {
        in->len += static_cast<size_t>(n);
    } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
        in->eof = true;
    }
}

int32_t next_wait(const Runtime& rt, uint64_t now) {
    int32_t t = kMaxPollMs;
    if (rt.stop_at != 0) {
        const uint64_t end = rt.stop_at + kStopGraceMs;
        t = end > now ? static_cast<int32_t>(end - now) : 0;
    }
    for (size_t i = 0; i < rt.run_count; ++i) {
        const SessionRun& r = rt.runs[i];
        if (r.finished || r.close_asked || !r.waiting) continue;
        uint64_t left = r.wait_deadline > now ? r.wait_deadline - now : 0;
        if (left < static_cast<uint64_t>(t)) t = static_cast<int32_t>(left);
    }
    return t;
}

}  // namespace

void install_signal_handlers() {
    signal(SIGPIPE, SIG_IGN);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
}

int run_token(const Args& args, const Output& out) {
    Runtime rt;
    rt.token_command = true;
    int status = setup(&rt, args, out, 1);
    if (status == kExitOk) {
        Error e = rt.client.request_token(args.params, on_token, &rt);
        if (e != Error::ok) {
            const char* why = "the token request was not started";
            print_error(out, kNoSession, e, why, strlen(why), 0);
            status = (e == Error::invalid_params || e == Error::invalid_config) ? kExitUsage
                                                                                : kExitNoToken;
        } else {
            while (!rt.token_done && g_stop == 0) wait_and_process(&rt, kMaxPollMs, false);
            status = rt.token_done ? rt.token_status : kExitNoToken;
        }
    }
    teardown(&rt);
    return status;
}

int run_connect(const Args& args, const Output& out) {
    Runtime rt;
    int status = setup(&rt, args, out, args.sessions);
    if (status != kExitOk) {
        teardown(&rt);
        return status;
    }
    rt.run_count = args.sessions;
    rt.runs = new (std::nothrow) SessionRun[rt.run_count];
    if (args.send_count == 0) rt.in = new (std::nothrow) StdinLines;
    if (rt.runs == nullptr || (args.send_count == 0 && rt.in == nullptr)) {
        teardown(&rt);
        return kExitUsage;
    }
    for (size_t i = 0; i < rt.run_count; ++i) {
        SessionRun& run = rt.runs[i];
        run.rt = &rt;
        run.index = static_cast<int>(i);
        SessionOptions so;
        so.listener = on_session_event;
        so.user = &run;
        so.renew = args.renew;
        if (args.save_dir != nullptr) so.max_streamed_message_bytes = kMaxSavedMessage;
        Error e = rt.client.open_session(args.params, so, &run.handle);
        if (e != Error::ok) {
            const char* why = "the session was not started";
            print_error(out, run.index, e, why, strlen(why), 0);
            run.finished = true;
            run.summary.failed = true;
            run.summary.last_failure = Phase::token;
            if (e == Error::invalid_params || e == Error::invalid_config) status = kExitUsage;
        }
    }
    for (;;) {
        uint64_t now = rt.now();
        if (g_stop != 0 && rt.stop_at == 0) rt.stop_at = now;
        if (rt.stop_at != 0 && now - rt.stop_at >= kStopGraceMs) break;  // teardown drops the rest
        bool live = false;
        for (size_t i = 0; i < rt.run_count; ++i) {
            pump_session(&rt, rt.runs[i], now);
            live = live || !rt.runs[i].finished;
        }
        if (!live) break;
        bool want_stdin = rt.in != nullptr && advance_stdin(&rt);
        if (rt.in != nullptr && rt.in->have_cur) {
            for (size_t i = 0; i < rt.run_count; ++i) pump_session(&rt, rt.runs[i], now);
        }
        if (wait_and_process(&rt, next_wait(rt, now), want_stdin)) read_stdin(&rt);
    }
    int worst = kExitOk;
    for (size_t i = 0; i < rt.run_count; ++i) {
        int s = session_exit_status(rt.runs[i].summary);
        if (s > worst) worst = s;
    }
    teardown(&rt);
    return status > worst ? status : worst;
}

}  // namespace cli
}  // namespace consensus
