// SPDX-License-Identifier: MIT
#include "client/link.h"

#include <string.h>

#include "client/http_lane.h"
#include "core/wipe.h"

namespace consensus {

void Link::bind(uint8_t* tx, size_t tx_size) {
    own_tx_ = tx;
    own_tx_size_ = tx_size;
    use_own_tx();
}

void Link::attach(HttpLane* lane) {
    lane_ = lane;
    tx_ = TxBuffer{lane->buffers.tx, lane->buffers.tx_size, 0, 0};
}

HttpResponseReader& Link::reader() {
    return lane_->reader;
}
uint8_t* Link::work() const {
    return lane_->buffers.work;
}
size_t Link::work_size() const {
    return lane_->buffers.work_size;
}
uint8_t* Link::rx() const {
    return lane_->buffers.rx;
}
size_t Link::rx_size() const {
    return lane_->buffers.rx_size;
}

HttpLane* Link::detach() {
    HttpLane* lane = lane_;
    lane_ = nullptr;
    leftover_start_ = leftover_end_ = 0;
    if (tx_.data != own_tx_) use_own_tx();
    return lane;
}

Link::Flush Link::flush() {
    while (tx_.pending() > 0) {
        const size_t want = tx_.pending();
        const long n = conn_.send(tx_.front(), want);
        if (n == CWS_IO_WOULD_BLOCK) return Flush::would_block;
        if (n <= 0) return Flush::failed;
        tx_.consume(static_cast<size_t>(n));
        if (static_cast<size_t>(n) < want && !conn_.is_tls()) return Flush::would_block;
    }
    return Flush::done;
}

Link::Read Link::read_response() {
    using Status = HttpResponseReader::Status;
    for (int reads = 0; reads < kReadsPerPass; ++reads) {
        const long n = conn_.recv(rx(), rx_size());
        Status st;
        size_t consumed = 0;
        if (n > 0) {
            st = lane_->reader.feed(rx(), static_cast<size_t>(n), &consumed);
            if (st == Status::need_more) continue;
        } else if (n == CWS_IO_WOULD_BLOCK) {
            return Read::would_block;
        } else if (n == CWS_IO_CLOSED) {
            st = lane_->reader.finish();
        } else {
            return Read::lost;
        }
        switch (st) {
            case Status::complete:
                return Read::complete;
            case Status::upgrade:
                leftover_start_ = consumed;
                leftover_end_ = n > 0 ? static_cast<size_t>(n) : 0;
                return Read::upgrade;
            case Status::need_more:  // finish() never says need_more
            case Status::error:
                return Read::bad;
        }
    }
    return Read::would_block;  // this pass's share is used: the next pass goes on
}

long Link::recv(uint8_t* buf, size_t len) {
    if (pass_budget_ == 0) return CWS_IO_WOULD_BLOCK;
    if (len > pass_budget_) len = pass_budget_;
    long n;
    if (leftover_start_ < leftover_end_) {
        size_t k = leftover_end_ - leftover_start_;
        if (k > len) k = len;
        memcpy(buf, rx() + leftover_start_, k);
        leftover_start_ += k;
        n = static_cast<long>(k);
    } else if (!conn_.readable()) {
        return CWS_IO_WOULD_BLOCK;
    } else {
        n = conn_.recv(buf, len);
    }
    if (n > 0) pass_budget_ -= static_cast<size_t>(n);
    return n;
}

Error Link::transport_error() const {
    const Error e = conn_.last_error();
    return e == Error::ok ? Error::connect_failed : e;
}

void Link::wipe_tx() {
    wipe(tx_.data, tx_.capacity);
    tx_.clear();
}

void Link::close() {
    conn_.close();
    tx_.clear();
    leftover_start_ = leftover_end_ = 0;
}

}  // namespace consensus
