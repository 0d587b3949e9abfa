// SPDX-License-Identifier: MIT
#include "support/harness.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "demo_payer.h"
#include "support/scratch.h"

namespace itest {

using consensus::Error;
using consensus::Event;
using consensus::EventType;

namespace {

constexpr size_t kPayerJobs = 4;
constexpr int32_t kPayerPollMs = 20;  // the payer pipes are not in the port's poll set

const char* initiator_name(consensus::Initiator i) {
    switch (i) {
        case consensus::Initiator::caller:
            return "caller";
        case consensus::Initiator::server:
            return "server";
        case consensus::Initiator::network:
            return "network";
    }
    return "?";
}

const char* phase_name(consensus::Phase p) {
    switch (p) {
        case consensus::Phase::token:
            return "token";
        case consensus::Phase::open:
            return "open";
        case consensus::Phase::session:
            return "session";
    }
    return "?";
}

std::string view(const consensus::StrView& v) {
    return v.data != nullptr ? std::string(v.data, v.size) : std::string();
}

}  // namespace

std::string describe(const RecordedEvent& ev) {
    const std::string n = std::to_string(ev.attempt);
    switch (ev.type) {
        case EventType::open:
            return "open(" + n + ")";
        case EventType::message:
            return std::string("message(") + (ev.binary ? "binary," : "text,") +
                   std::to_string(ev.text.size()) + ")";
        case EventType::close:
            return std::string("close(") + initiator_name(ev.initiator) + "," +
                   std::to_string(ev.code) + ")";
        case EventType::error:
            return std::string("error(") + consensus::error_name(ev.error) + "," +
                   phase_name(ev.phase) + "," + std::to_string(ev.http_status) + ")";
        case EventType::session_start:
            return "session_start";
        case EventType::session_expired:
            return "session_expired(" + ev.expired_reason + ")";
        case EventType::reconnecting:
            return "reconnecting(" + n + ")";
        case EventType::token:
            return "token";
        case EventType::payment:
            return ev.payment_paid ? "payment(paid)" : "payment(402)";
        case EventType::writable:
            return "writable";
        case EventType::ended:
            return std::string("ended(") + consensus::error_name(ev.error) + ")";
        case EventType::message_part:
            return std::string("message_part(") + (ev.binary ? "binary," : "text,") +
                   std::to_string(ev.text.size()) + ")";
    }
    return "?";
}

void EventRecorder::listener(void* user, consensus::Session& session, const Event& ev) {
    static_cast<EventRecorder*>(user)->record(session, ev);
}

consensus::SessionOptions EventRecorder::options(bool renew) {
    consensus::SessionOptions o;
    o.listener = listener;
    o.user = this;
    o.renew = renew;
    return o;
}

void EventRecorder::record(consensus::Session& session, const Event& ev) {
    RecordedEvent r;
    r.type = ev.type;
    r.index = ev.session_index;
    r.at_ms = mono_ms();
    r.binary = ev.binary;
    r.code = ev.code;
    r.initiator = ev.initiator;
    r.error = ev.error;
    r.phase = ev.phase;
    r.http_status = ev.http_status;
    r.attempt = ev.attempt;
    r.in_ms = ev.in_ms;
    r.payment_paid = ev.payment_paid;
    switch (ev.type) {
        case EventType::message:
            r.text.assign(reinterpret_cast<const char*>(ev.data), ev.size);
            // The library reports session_start / session_expired just before
            // the message that carried them.
            r.server_json = !events_.empty() && (events_.back().type == EventType::session_start ||
                                                 events_.back().type == EventType::session_expired);
            break;
        case EventType::token:
            r.text = view(ev.token);
            break;
        case EventType::close:
        case EventType::error:
            r.text = view(ev.reason);
            break;
        case EventType::session_expired:
            if (ev.expired != nullptr) r.expired_reason = view(ev.expired->reason_text);
            break;
        default:
            break;
    }
    events_.push_back(r);
    if (reaction_ != nullptr) reaction_(reaction_ctx_, session, events_.back());
}

size_t EventRecorder::count(EventType type) const {
    size_t n = 0;
    for (const RecordedEvent& e : events_) n += e.type == type ? 1 : 0;
    return n;
}

const RecordedEvent* EventRecorder::last(EventType type) const {
    for (size_t i = events_.size(); i > 0; --i) {
        if (events_[i - 1].type == type) return &events_[i - 1];
    }
    return nullptr;
}

std::string EventRecorder::trace() const {
    std::string out;
    for (const RecordedEvent& e : events_) {
        if (e.type == EventType::message) continue;
        if (!out.empty()) out += ' ';
        out += describe(e);
    }
    return out;
}

std::vector<std::string> EventRecorder::echoes() const {
    std::vector<std::string> out;
    for (const RecordedEvent& e : events_) {
        if (e.type == EventType::message && !e.server_json) out.push_back(e.text);
    }
    return out;
}

Error Harness::init(const consensus::Config& config, consensus::ClientOptions options,
                    PayerKind payer) {
    shutdown();
    signal(SIGPIPE, SIG_IGN);  // a payer child that exits early must not kill the test
    const uint32_t streams = static_cast<uint32_t>(config.max_sessions) + config.max_requests + 1;
    if (!block_.allocate(config, streams)) return Error::no_resources;
    payer_ = payer;
    if (payer == PayerKind::node) {
        payer_command_ = std::string("'") + node_path() + "' '" + interop_dir() + "/payer.mjs'";
        jobs_.reset(new consensus::cli::PayerJob[kPayerJobs]);
        pool_.init(jobs_.get(), kPayerJobs, payer_command_.c_str(), payer_done, this);
    }
    options.payment_hook = hook;
    options.payment_user = this;
    return block_.init(config, options);
}

void Harness::shutdown() {
    block_.release();
    if (jobs_) pool_.kill_all();
    jobs_.reset();
}

int Harness::turn(int32_t max_wait_ms) {
    const bool payers = jobs_ && pool_.active() > 0;
    if (payers && max_wait_ms > kPayerPollMs) max_wait_ms = kPayerPollMs;
    const int active = block_.client().poll(max_wait_ms);
    if (jobs_) pool_.service();
    return active;
}

void Harness::run_for(int ms) {
    const uint64_t until = mono_ms() + static_cast<uint64_t>(ms);
    for (uint64_t now = mono_ms(); now < until; now = mono_ms()) {
        turn(static_cast<int32_t>(until - now));
    }
}

consensus::PaymentDecision Harness::hook(void* user, const consensus::PaymentChallenge& challenge,
                                         consensus::PaymentTicket ticket,
                                         consensus::PaymentHeaderOut* header) {
    Harness* h = static_cast<Harness*>(user);
    ++h->payments_asked_;
    if (h->payer_ == PayerKind::demo) {
        return consensus::cli::demo_payment_hook(nullptr, challenge, ticket, header);
    }
    if (!h->pool_.start(challenge.json.data, challenge.json.size, ticket)) {
        return consensus::PaymentDecision::refused;
    }
    return consensus::PaymentDecision::pending;
}

void Harness::payer_done(void* user, consensus::PaymentTicket ticket, bool paid, const char* header,
                         size_t size) {
    Harness* h = static_cast<Harness*>(user);
    h->last_payer_result_ = paid ? h->block_.client().complete_payment(ticket, header, size)
                                 : h->block_.client().refuse_payment(ticket);
    if (paid) ++h->payer_paid_;
}

}  // namespace itest
