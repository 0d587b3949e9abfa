#include "client/request_slot.h"

#include <string.h>

#include "client/client_core.h"
#include "core/wipe.h"

namespace consensus {

void RequestSlot::bind(ClientCore* core, uint16_t index, const SlotBuffers& buffers) {
    core_ = core;
    lane_.buffers = buffers;
    link_.bind(buffers.tx, buffers.tx_size);
    link_.attach(&lane_);
    fetch_.bind(core, &link_, this, static_cast<uint16_t>(index | kTicketRequestBit));
}

void RequestSlot::start(const TokenParams& params, uint64_t quote, TokenCallback cb, void* user,
                        uint64_t now) {
    memset(&auth_, 0, sizeof auth_);
    store_params(params, &auth_);
    auth_.has_params = true;
    callback_ = cb;
    user_ = user;
    fetch_.start(&auth_, quote, now);
}

void RequestSlot::on_fetch_done() {
    TokenResult r{};
    r.error = fetch_.state() == TokenFetch::State::done ? Error::ok : fetch_.error();
    r.http_status = fetch_.http_status();
    r.message = StrView{fetch_.message(), strlen(fetch_.message())};
    r.auth = r.error == Error::ok ? &auth_ : nullptr;
    r.paid = fetch_.paid();
    // The slot stays taken during the callback: r.auth points into it. No
    // callback once deinit() was called from inside another one.
    if (callback_ != nullptr && !core_->teardown_pending) callback_(user_, r);
    callback_ = nullptr;
    // The caller has copied what it keeps: the token leaves our memory.
    wipe(auth_.token, sizeof auth_.token);
    wipe(auth_.connect_url, sizeof auth_.connect_url);
}

void RequestSlot::shutdown() {
    fetch_.abort();
    link_.close();
    callback_ = nullptr;
}

}  // namespace consensus
