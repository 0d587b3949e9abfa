/* SPDX-License-Identifier: MIT */
// A consensus::Client on the POSIX port with a payment hook, and a recorder
// of session events, for tests that drive the library API end to end.
//
// Payers: `demo` builds a well-formed x402 payload in process with the CLI's
// demo payer (accepted by consensus-devserver only: it does not verify);
// `node` runs tests/interop/payer.mjs (the real @x402 client SDK with a test
// signer) as a child per 402, answers `pending` and completes the payment when
// the child is done, so the loop never blocks on it.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <memory>
#include <string>
#include <vector>

#include "common/client_block.h"
#include "consensus/client.h"
#include "consensus/port_posix.h"
#include "payer.h"
#include "support/process.h"

namespace itest {

enum class PayerKind { demo, node };

/// Client::poll (at most wait_ms at a time) until done() is true; false when
/// timeout_ms passed first. For rigs without a Harness (no payer children).
template <class Done>
bool poll_until(consensus::Client& client, Done done, int timeout_ms, int32_t wait_ms = 50) {
    const uint64_t deadline = mono_ms() + static_cast<uint64_t>(timeout_ms);
    while (!done()) {
        if (mono_ms() >= deadline) return false;
        client.poll(wait_ms);
    }
    return true;
}

/// What a request_token callback delivered (TokenCallback with user = this).
struct TokenBox {
    bool done = false;
    consensus::Error error = consensus::Error::ok;
    consensus::TokenAuth auth{};
    static void cb(void* user, const consensus::TokenResult& r) {
        TokenBox* b = static_cast<TokenBox*>(user);
        b->done = true;
        b->error = r.error;
        if (r.auth != nullptr) b->auth = *r.auth;
    }
};

struct RecordedEvent {
    consensus::EventType type;
    uint16_t index = 0;
    uint64_t at_ms = 0;  // mono_ms() when it fired
    std::string text;    // message payload, token, close reason or error detail
    bool binary = false;
    bool server_json = false;  // a message that carried session_start / session_expired
    uint16_t code = 0;
    consensus::Initiator initiator = consensus::Initiator::caller;
    consensus::Error error = consensus::Error::ok;
    consensus::Phase phase = consensus::Phase::token;
    int http_status = 0;
    uint32_t attempt = 0;
    uint32_t in_ms = 0;
    bool payment_paid = false;
    std::string expired_reason;
};

/// Compact, exact description: "open(1)", "close(network,1006)",
/// "error(token_rejected,open,401)", "ended(ok)", "message(text,5)", ...
std::string describe(const RecordedEvent& ev);

class EventRecorder {
  public:
    /// Runs after each event is recorded (e.g. to send the next message).
    using Reaction = void (*)(void* ctx, consensus::Session& session, const RecordedEvent& ev);

    static void listener(void* user, consensus::Session& session, const consensus::Event& ev);
    consensus::SessionOptions options(bool renew = false);
    void react(Reaction fn, void* ctx) {
        reaction_ = fn;
        reaction_ctx_ = ctx;
    }

    const std::vector<RecordedEvent>& events() const { return events_; }
    size_t count(consensus::EventType type) const;
    const RecordedEvent* last(consensus::EventType type) const;
    /// Every event but messages, described and joined by single spaces.
    std::string trace() const;
    /// Payloads of the messages the caller's traffic produced (not server JSON).
    std::vector<std::string> echoes() const;
    bool ended() const { return count(consensus::EventType::ended) > 0; }

  private:
    void record(consensus::Session& session, const consensus::Event& ev);

    std::vector<RecordedEvent> events_;
    Reaction reaction_ = nullptr;
    void* reaction_ctx_ = nullptr;
};

class Harness {
  public:
    Harness() = default;
    ~Harness() { shutdown(); }
    Harness(const Harness&) = delete;
    Harness& operator=(const Harness&) = delete;

    /// A port with max_sessions + max_requests + 1 streams and the client in
    /// malloc'ed memory of Client::required_bytes(config). options.payment_hook
    /// is set here. Returns what Client::init returned (no_resources when the
    /// port could not be built).
    consensus::Error init(const consensus::Config& config, consensus::ClientOptions options,
                          PayerKind payer);
    /// Client::deinit, kills payer children, frees the memory. Idempotent.
    void shutdown();

    consensus::Client& client() { return block_.client(); }
    /// The POSIX port under the client (valid after init).
    cws_posix_port* posix() const { return block_.posix(); }
    /// One loop turn: Client::poll(at most max_wait_ms; 20 ms while a payer
    /// child runs), then the payer children are serviced. Never allocates.
    int turn(int32_t max_wait_ms);
    /// Turns until done() is true; false when timeout_ms passed first.
    template <class Done>
    bool run_until(Done done, int timeout_ms) {
        const uint64_t deadline = mono_ms() + static_cast<uint64_t>(timeout_ms);
        while (!done()) {
            if (mono_ms() >= deadline) return false;
            turn(50);
        }
        return true;
    }
    /// Turns for ms milliseconds whatever happens.
    void run_for(int ms);

    unsigned payments_asked() const { return payments_asked_; }
    /// Node payer: children that produced a header, and what the client said
    /// to the last complete_payment / refuse_payment.
    unsigned payer_paid() const { return payer_paid_; }
    consensus::Error last_payer_result() const { return last_payer_result_; }
    size_t memory_bytes() const { return block_.client_bytes(); }

  private:
    static consensus::PaymentDecision hook(void* user, const consensus::PaymentChallenge& challenge,
                                           consensus::PaymentTicket ticket,
                                           consensus::PaymentHeaderOut* header);
    static void payer_done(void* user, consensus::PaymentTicket ticket, bool paid,
                           const char* header, size_t size);

    ClientBlock block_;
    PayerKind payer_ = PayerKind::demo;
    std::string payer_command_;
    std::unique_ptr<consensus::cli::PayerJob[]> jobs_;
    consensus::cli::PayerPool pool_;
    unsigned payments_asked_ = 0;
    unsigned payer_paid_ = 0;
    consensus::Error last_payer_result_ = consensus::Error::ok;
};

}  // namespace itest
