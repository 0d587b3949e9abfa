/* SPDX-License-Identifier: MIT */
// A stand-alone token request (Client::request_token): a TokenFetch over the
// slot's own Link, with its own HTTP lane always attached, plus the callback
// that receives its result.
#pragma once

#include "client/http_lane.h"
#include "client/link.h"
#include "client/slot_buffers.h"
#include "client/token_fetch.h"
#include "consensus/client.h"

namespace consensus {

struct ClientCore;

class RequestSlot final : public TokenFetchOwner {
  public:
    void bind(ClientCore* core, uint16_t index, const SlotBuffers& buffers);
    bool is_free() const { return !lane_.fetch.busy() && callback_ == nullptr; }
    /// params are resolved and validated; quote reserved by the caller.
    void start(const TokenParams& params, uint64_t quote, TokenCallback cb, void* user,
               uint64_t now);
    void step(uint64_t now) { lane_.fetch.step(now); }
    uint64_t next_deadline() const {
        return lane_.fetch.busy() ? lane_.fetch.deadline() : UINT64_MAX;
    }
    bool has_pending_input() const { return link_.has_pending(); }
    TokenFetch* fetch() { return &lane_.fetch; }
    void shutdown();

    void on_payment(bool paid) override { (void)paid; }
    void on_fetch_done() override;

  private:
    ClientCore* core_ = nullptr;
    HttpLane lane_;  // always attached, its purchase included
    Link link_;
    TokenAuth auth_{};
    TokenCallback callback_ = nullptr;
    void* user_ = nullptr;
};

}  // namespace consensus
