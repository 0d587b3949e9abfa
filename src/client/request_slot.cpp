// SPDX-License-Identifier: MIT
#include "client/request_slot.h"

#include <string.h>

#include "client/client_core.h"
#include "core/log.h"
#include "core/wipe.h"

namespace consensus {

void RequestSlot::bind(ClientCore* core, uint16_t index, const SlotBuffers& buffers) {
    core_ = core;
    lane_.buffers = buffers;
    link_.bind(buffers.tx, buffers.tx_size);
    link_.attach(&lane_);
    lane_.fetch.bind(core, &link_, this, static_cast<uint16_t>(index | kTicketRequestBit));
}

void RequestSlot::start(const TokenParams& params, uint64_t quote, TokenCallback cb, void* user,
                        uint64_t now) {
    memset(&auth_, 0, sizeof auth_);
    store_params(params, &auth_);
    auth_.has_params = true;
    callback_ = cb;
    user_ = user;
    lane_.fetch.start(&auth_, quote, now);
}

void RequestSlot::on_fetch_done() {
    TokenResult r{};
    r.error = lane_.fetch.state() == TokenFetch::State::done ? Error::ok : lane_.fetch.error();
    r.http_status = lane_.fetch.http_status();
    r.message = StrView{lane_.fetch.message(), strlen(lane_.fetch.message())};
    r.auth = r.error == Error::ok ? &auth_ : nullptr;
    r.paid = lane_.fetch.paid();
    if (r.error != Error::ok) {
        log_at<LogLevel::error>(core_->log(), -1, "token request failed: ", r.error, ", HTTP ",
                                r.http_status, ": ", r.message);
    }
    // The slot stays taken during the callback: r.auth points into it. No
    // callback once deinit() was called from inside another one.
    if (callback_ != nullptr && !core_->teardown_pending) callback_(user_, r);
    callback_ = nullptr;
    // The caller has copied what it keeps: the token leaves our memory.
    wipe(auth_.token, sizeof auth_.token);
    wipe(auth_.connect_url, sizeof auth_.connect_url);
}

void RequestSlot::shutdown() {
    lane_.fetch.abort();
    link_.close();
    callback_ = nullptr;
}

}  // namespace consensus
