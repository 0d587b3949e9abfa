// SPDX-License-Identifier: MIT
// SessionSlot, open: frames in and out, the service's messages, keepalive
// and the closing handshake.
#include <string.h>

#include "client/client_core.h"
#include "client/session_slot.h"
#include "core/deadline.h"
#include "core/log.h"
#include "core/strview.h"
#include "json/server_message.h"

namespace consensus {

namespace {

// The service ends sessions with these closes, with or without a
// session_expired message first (docs/SERVICE.md section 6).
bool is_expiry_close(uint16_t code, const char* reason) {
    return (code == 1000 && strcmp(reason, "Time limit reached") == 0) ||
           (code == 1008 && strcmp(reason, "Data limit reached") == 0);
}

}  // namespace

long SessionSlot::recv_frames(void* self, uint8_t* buf, size_t len) {
    SessionSlot* s = static_cast<SessionSlot*>(self);
    const long n = s->link_.recv(buf, len);
    if (n > 0) s->keepalive_.on_rx(s->now_);  // any inbound byte is proof of life
    return n;
}

void SessionSlot::receive_frames() {
    switch (framer_.receive(recv_frames, this, link_.tx(), *this)) {
        case ws::Framer::RecvStatus::would_block:
            return;
        case ws::Framer::RecvStatus::no_parser:
            park_reading();
            return;
        case ws::Framer::RecvStatus::peer_closed_io:
        case ws::Framer::RecvStatus::io_error:
            if (closing()) {
                finish_close(our_close_code_, our_close_reason_);
            } else {
                link_lost();
            }
            return;
        case ws::Framer::RecvStatus::violation:
            on_protocol_violation();
            return;
        case ws::Framer::RecvStatus::close_received:
            flush();  // the echo of the server's close, or our own close already sent
            if (closing()) {
                finish_close(close_code_, close_reason_);
                return;
            }
            if (stage_ == Stage::starting) {
                attempt_failed(Error::closed, Phase::open, 0,
                               "the server closed the WebSocket before session_start");
                return;
            }
            link_.close();
            if (!expired_ && is_expiry_close(close_code_, close_reason_) && !expired_by_close()) {
                return;
            }
            if (stage_ != Stage::open) return;  // a listener closed or ended it
            if (!emit_close(Initiator::server, close_code_, close_reason_)) return;
            after_server_close();
            return;
    }
}

// No frame parser free (Config::frame_parsers): stop asking for read
// readiness, so poll() sleeps; the bytes wait in the socket until
// on_parser_ready.
void SessionSlot::park_reading() {
    link_.conn().set_interest(false, link_.tx().pending() > 0);
}

void SessionSlot::on_parser_ready() {
    link_.conn().set_interest(true, link_.tx().pending() > 0);
}

// A connection that ended mid-frame, or while waiting for a parser, gives
// the parser (or its place in the queue) back now, not at its next upgrade.
void SessionSlot::release_parser() {
    if (live() || (!framer_.holds_parser() && !framer_.waiting_for_parser())) return;
    (void)framer_.reset();
}

void SessionSlot::on_protocol_violation() {
    const uint16_t code = framer_.violation_code();
    framer_.write_close(link_.tx(), code, "", 0);
    flush();
    const Error e =
        code == ws::kCloseMessageTooBig ? Error::message_too_large : Error::protocol_error;
    if (stage_ == Stage::starting) {
        attempt_failed(e, Phase::open, 0, "the server broke the WebSocket protocol");
        return;
    }
    if (!emit_error(e, Phase::session, 0, "the server broke the WebSocket protocol")) return;
    connection_lost(Initiator::server, code, "protocol violation", e);
}

void SessionSlot::after_server_close() {
    if (stage_ != Stage::open) return;  // a listener already closed or ended it
    if (expired_) {
        if (renew_) {
            schedule_reconnect(Error::ok, now_, true);  // a renewal waits like any purchase
        } else {
            end(Error::ok);
        }
        return;
    }
    schedule_reconnect(Error::closed, now_);
}

void SessionSlot::step_open(uint64_t now) {
    if (!link_.conn().is_open()) {  // a send failed since the last step
        link_lost();
        return;
    }
    link_.begin_pass();
    if (link_.readable()) receive_frames();
    if (!live()) return;
    framer_.flush_control(link_.tx());
    if (stage_ == Stage::closing_unsent && write_owed_close()) enter(Stage::closing);
    if (stage_ == Stage::open && stream_.state == Stream::running) pump_stream();
    if (!live()) return;
    flush();
    if (!link_.conn().is_open()) {
        link_lost();
        return;
    }
    if (stage_ == Stage::open) keepalive(now);
    if (!live()) return;
    const bool tx_pending = link_.tx().pending() > 0;
    if (want_writable_ && !tx_pending && stage_ == Stage::open) {
        want_writable_ = false;
        Event ev = blank_event(EventType::writable);
        if (!emit(ev)) return;
    }
    // A running stream wants write readiness even with nothing pending: the
    // writable socket brings the next pass, which pulls the next piece.
    const bool want_write =
        tx_pending || (stage_ == Stage::open && stream_.state == Stream::running);
    link_.conn().set_interest(!framer_.waiting_for_parser(), want_write);
    if (link_.lane() != nullptr && !link_.has_leftover()) drop_lane();
}

// One piece of the streamed send per pass, when at least half of the send
// buffer is free: the source writes into that room directly (the framer lends
// it), the framer puts the header in front. Pongs and the close echo the
// framer owes go first (begin_fragment writes them).
void SessionSlot::pump_stream() {
    TxBuffer& tx = link_.tx();
    uint8_t* out = nullptr;
    size_t cap = 0;
    const size_t half = tx.capacity / 2;
    const size_t min_payload = half > ws::Framer::kMaxHeader ? half - ws::Framer::kMaxHeader : 1;
    if (framer_.begin_fragment(tx, min_payload, &out, &cap) != Error::ok) return;
    bool last = false;
    stream_.in_source = true;
    const long n = stream_.source(stream_.user, out, cap, &last);
    stream_.in_source = false;
    if (stage_ == Stage::closing_unsent) {  // close() from inside the source
        if (write_owed_close()) enter(Stage::closing);
        return;
    }
    if (stream_.state != Stream::running || stage_ != Stage::open) return;
    if (n < 0 || static_cast<unsigned long>(n) > cap) {
        abort_stream();
        return;
    }
    if (n == 0 && !last) {
        stream_.state = Stream::paused;  // until resume_stream()
        return;
    }
    framer_.end_fragment(tx, !stream_.started, stream_.binary, last, static_cast<size_t>(n));
    stream_.started = true;
    if (!last) return;
    stream_ = OutStream{};
    want_writable_ = true;  // `writable` once the message has left the send buffer
}

// The source cannot finish the message: close with 1011 (internal error),
// then say why.
void SessionSlot::abort_stream() {
    static constexpr char kReason[] = "send source failed";
    start_closing(1011, kReason, sizeof kReason - 1);
    emit_error(Error::stream_aborted, Phase::session, 0, "the source of a streamed send failed");
}

bool SessionSlot::write_owed_close() {
    return framer_.write_close(link_.tx(), our_close_code_, our_close_reason_,
                               strlen(our_close_reason_)) == Error::ok;
}

void SessionSlot::keepalive(uint64_t now) {
    Keepalive::Due due = keepalive_.due(now);
    // Waiting for a frame parser it cannot read the pong that may wait in its
    // socket: no verdict until it reads again (the sessions holding the
    // parsers have theirs), only pings.
    if (due == Keepalive::Due::dead && framer_.waiting_for_parser()) due = Keepalive::Due::ping;
    switch (due) {
        case Keepalive::Due::nothing:
            return;
        case Keepalive::Due::ping:
            if (framer_.write_ping(link_.tx(), nullptr, 0) == Error::ok) {
                keepalive_.on_ping_sent(now);
                flush();
            }
            return;
        case Keepalive::Due::dead:  // no proof of life for two intervals: a half-open link
            link_.close();
            if (!emit_close(Initiator::network, ws::kCloseAbnormal, "keepalive timeout")) return;
            schedule_reconnect(Error::timeout, now);
            return;
    }
}

// The service's messages are parsed on the stack: their events point at the
// parsed fields only while they are delivered (client.h), so no session
// keeps them.
void SessionSlot::on_message(bool binary, const uint8_t* data, size_t len) {
    if (!binary) {
        SessionStartInfo start{};
        SessionExpiredInfo expired{};
        // A lane of its own lends its read chunk as the scratch, where frames
        // that came with the 101 may still wait: only the part before them.
        const size_t scratch_size =
            link_.lane() != nullptr && scratch_ == link_.rx() ? link_.rx_free() : scratch_size_;
        const ServerMessage kind = parse_server_message(reinterpret_cast<const char*>(data), len,
                                                        scratch_, scratch_size, &start, &expired);
        if (kind == ServerMessage::session_start) {
            if (stage_ == Stage::starting && !opened()) return;
            Event ev = blank_event(EventType::session_start);
            ev.start = &start;
            if (!emit(ev)) return;
        } else if (kind == ServerMessage::session_expired) {
            expired_ = true;
            Event ev = blank_event(EventType::session_expired);
            ev.expired = &expired;
            if (!emit(ev)) return;
        }
    }
    Event ev = blank_event(EventType::message);
    ev.data = data;
    ev.size = len;
    ev.binary = binary;
    ev.last = true;  // whole: offset 0 and last, as a message of one part would be
    emit(ev);
}

// A streamed message's parts are the application's data, never a service
// message: no parsing.
void SessionSlot::on_message_part(bool binary, const uint8_t* data, size_t len, uint64_t offset,
                                  bool last) {
    Event ev = blank_event(EventType::message_part);
    ev.data = data;
    ev.size = len;
    ev.binary = binary;
    ev.offset = offset;
    ev.last = last;
    emit(ev);
}

void SessionSlot::on_pong(const uint8_t* data, size_t len) {
    (void)data;  // liveness is tracked per byte received (recv_frames)
    (void)len;
}

void SessionSlot::on_close(uint16_t code, const char* reason, size_t reason_len) {
    close_code_ = code;
    copy_cut(close_reason_, reason, reason_len);
}

void SessionSlot::step_closing(uint64_t now) {
    if (deadline_reached(now, deadline_)) {
        finish_close(our_close_code_, our_close_reason_);
        return;
    }
    step_open(now);
}

void SessionSlot::flush() {
    (void)link_.flush();  // a failure shows as !conn().is_open() at the next check
}

}  // namespace consensus
