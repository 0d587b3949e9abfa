// SPDX-License-Identifier: MIT
#include "ws/framer.h"

#include <string.h>
#include <wslay/wslay.h>

#include "consensus/port.h"
#include "ws/frame_context_pool.h"

namespace consensus::ws {

namespace {

constexpr uint8_t kOpCont = WSLAY_CONTINUATION_FRAME;
constexpr uint8_t kOpText = WSLAY_TEXT_FRAME;
constexpr uint8_t kOpBinary = WSLAY_BINARY_FRAME;
constexpr uint8_t kOpClose = WSLAY_CONNECTION_CLOSE;
constexpr uint8_t kOpPing = WSLAY_PING;
constexpr uint8_t kOpPong = WSLAY_PONG;
constexpr uint8_t kFin = 0x80;
constexpr uint8_t kMaskBit = 0x80;
constexpr size_t kMaskLen = 4;

bool is_control(uint8_t opcode) {
    return (opcode & 0x8) != 0;
}

// The parts of a frame header the checks look at.
struct FrameHead {
    uint8_t fin;
    uint8_t rsv;
    uint8_t opcode;
    uint8_t mask;
    uint64_t length;
};

// The RFC 6455 checks on a frame header: 0, or the close code to fail with.
// in_msg: a fragmented data message is in progress, holding `assembled`
// payload bytes (0 when none is).
uint16_t head_code(const FrameHead& h, bool in_msg, uint64_t assembled, uint64_t limit) {
    if (h.mask != 0 || h.rsv != 0) return kCloseProtocolError;  // no extensions negotiated
    switch (h.opcode) {
        case kOpCont:
            if (!in_msg) return kCloseProtocolError;
            break;
        case kOpText:
        case kOpBinary:
            if (in_msg) return kCloseProtocolError;
            break;
        case kOpClose:
        case kOpPing:
        case kOpPong:
            if (!h.fin || h.length > Framer::kMaxControlPayload) return kCloseProtocolError;
            if (h.opcode == kOpClose && h.length == 1) return kCloseProtocolError;
            return 0;
        default:
            return kCloseProtocolError;  // reserved opcodes 3-7, B-F
    }
    if (h.length > limit - assembled) return kCloseMessageTooBig;
    return 0;
}

// wslay calls this when its input buffer needs bytes. Any "no bytes" answer
// becomes -1 (wslay then returns WSLAY_ERR_WANT_READ); the port's reason is
// kept in the slot for receive() to report. The bytes pass the HeadScan on
// their way: wslay never gets the last length byte of a refused header, so it
// asks again and is told no (IoStatus::refused) once it has used up the bytes
// before that header, i.e. after everything before it was delivered.
// user is the pool entry; its slot is the borrowing framer's.
ssize_t recv_cb(uint8_t* buf, size_t len, int /*flags*/, void* user) {
    auto* slot = static_cast<FrameContext*>(user)->slot;
    if (slot->scan.code() != 0) {
        slot->status = detail::IoStatus::refused;
        return -1;
    }
    const long r = slot->fn(slot->io, buf, len);
    if (r > 0 && static_cast<unsigned long>(r) <= len) {
        const size_t pass = slot->scan.scan(buf, static_cast<size_t>(r));
        if (pass == 0) {  // the first byte completed a refused header
            slot->status = detail::IoStatus::refused;
            return -1;
        }
        slot->status = detail::IoStatus::data;
        return static_cast<ssize_t>(pass);
    }
    if (r == CWS_IO_WOULD_BLOCK) {
        slot->status = detail::IoStatus::would_block;
    } else if (r == CWS_IO_CLOSED) {
        slot->status = detail::IoStatus::closed;
    } else {
        slot->status = detail::IoStatus::error;  // CWS_IO_ERROR, 0, > len: contract broken
    }
    return -1;
}

// Never called: frames are sent by put_frame, not wslay_frame_send.
ssize_t send_unused(const uint8_t*, size_t, int, void*) {
    return -1;
}
int genmask_unused(uint8_t*, size_t, void*) {
    return -1;
}

const wslay_frame_callbacks kCallbacks = {send_unused, recv_cb, genmask_unused};

// dst[i] = src[i] ^ key[(phase + i) % 4], sixteen bytes per step: the
// 16-byte pattern repeats the key four times, so every block of 16 payload
// bytes sees the same pattern. The vector type is GCC/clang's generic vector
// (SSE2 on x86-64, NEON on ARM, pairs of words elsewhere); memcpy keeps the
// loads/stores alignment-safe, and building the pattern in memory order keeps
// it endian-neutral.
using Block = uint8_t __attribute__((vector_size(16)));

void mask_copy(uint8_t* dst, const uint8_t* src, size_t n, const uint8_t key[kMaskLen],
               size_t phase) {
    uint8_t pattern[sizeof(Block)];
    for (size_t i = 0; i < kMaskLen; ++i) pattern[i] = key[(phase + i) % kMaskLen];
    for (size_t i = kMaskLen; i < sizeof pattern; i += kMaskLen)
        memcpy(pattern + i, pattern, kMaskLen);
    Block m;
    memcpy(&m, pattern, sizeof m);
    size_t i = 0;
    for (; n - i >= sizeof m; i += sizeof m) {
        Block w;
        memcpy(&w, src + i, sizeof w);
        w ^= m;
        memcpy(dst + i, &w, sizeof w);
    }
    for (; i < n; ++i) dst[i] = src[i] ^ pattern[i % kMaskLen];
}

}  // namespace

bool close_code_valid(uint16_t code) {
    return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
           (code >= 3000 && code <= 4999);
}

// ---------------------------------------------------------------- header scan

namespace detail {

void HeadScan::reset(uint64_t limit) {
    *this = HeadScan{};
    limit_ = limit;
}

size_t HeadScan::scan(const uint8_t* p, size_t n) {
    size_t i = 0;
    while (i < n && code_ == 0) {
        if (skip_ > 0) {  // payload of an accepted frame: wslay's business
            const uint64_t k = skip_ < n - i ? skip_ : n - i;
            skip_ -= k;
            i += static_cast<size_t>(k);
            continue;
        }
        if (stage_ == Stage::between && !in_msg_) {
            // Fast path for the common frame: final text or binary, not
            // masked, a 7-bit length within the message limit, no fragmented
            // message in progress. judge() passes such a header (head_code
            // with nothing assembled) and accept() only sets skip_ (the
            // message ends with the frame, msg_total_ stays 0); b0_, b1_ and
            // len_ matter only until then. Whole frames go in one step each.
            const size_t limit = limit_ < 125 ? static_cast<size_t>(limit_) : 125;
            while (n - i >= 2) {
                const uint8_t c0 = p[i];
                const size_t len = p[i + 1];  // <= limit: no mask bit, no 126/127
                if ((c0 != (kFin | kOpText) && c0 != (kFin | kOpBinary)) || len > limit) break;
                i += 2;
                ++headers_;
                if (len > n - i) {
                    skip_ = len - (n - i);
                    return n;
                }
                i += len;
            }
            if (i == n) return n;
        }
        const uint8_t c = p[i];
        if (stage_ == Stage::between) {
            b0_ = c;
            stage_ = Stage::second;
            ++i;
            continue;
        }
        if (stage_ == Stage::second) {
            b1_ = c;
            stage_ = Stage::length;
            len_ = c & 0x7F;
            ext_left_ = len_ == 126 ? 2 : len_ == 127 ? 8 : 0;
            if (ext_left_ > 0) len_ = 0;
        } else {
            len_ = (len_ << 8) | c;
            --ext_left_;
        }
        if (ext_left_ > 0) {
            ++i;
            continue;
        }
        // p[i] completes the length: the header shows all it will show.
        code_ = judge();
        if (code_ != 0) return i;
        accept();
        ++i;
    }
    return i;
}

uint16_t HeadScan::judge() const {
    // wslay's own refusals first: they take the byte that completes the
    // length, the same byte this scan stops at, and are 1002 in receive_loop.
    const uint8_t len7 = b1_ & 0x7F;
    if (len7 == 127 && (len_ < 0x10000 || (len_ >> 63) != 0)) return kCloseProtocolError;
    if (len7 == 126 && len_ < 126) return kCloseProtocolError;
    const FrameHead h{static_cast<uint8_t>(b0_ >> 7), static_cast<uint8_t>((b0_ >> 4) & 7),
                      static_cast<uint8_t>(b0_ & 0x0F), static_cast<uint8_t>(b1_ >> 7), len_};
    return head_code(h, in_msg_, msg_total_, limit_);
}

// A header that passed: the next header follows its payload. (A masked frame
// never passes, so no mask key follows either.)
void HeadScan::accept() {
    const uint8_t opcode = b0_ & 0x0F;
    if (!is_control(opcode)) {
        msg_total_ += len_;  // 0 before, unless this continues a message
        in_msg_ = (b0_ & 0x80) == 0;
        if (!in_msg_) msg_total_ = 0;
    }
    skip_ = len_;
    stage_ = Stage::between;
    ++headers_;
}

}  // namespace detail

// ---------------------------------------------------------------- lifecycle

const wslay_frame_callbacks* Framer::wslay_callbacks() {
    return &kCallbacks;
}

void Framer::clear_state() {
    slot_.fn = nullptr;
    slot_.io = nullptr;
    slot_.status = detail::IoStatus::none;
    slot_.scan.reset(limit());
    frames_started_ = 0;
    frame_got_ = 0;
    msg_len_ = 0;
    msg_offset_ = 0;
    utf8_.reset();
    state_ = State::open;
    msg_ = Msg::none;
    in_frame_ = false;
    close_sent_ = false;
    close_echo_owed_ = false;
    pong_owed_ = false;
    violation_code_ = 0;
    echo_code_ = 0;
    ctrl_len_ = 0;
    pong_len_ = 0;
}

Error Framer::init(uint8_t* message_buf, size_t max_message, FrameContextPool* pool,
                   MaskKeys* keys) {
    if (message_buf == nullptr || pool == nullptr || keys == nullptr || !keys->ready()) {
        return Error::invalid_params;
    }
    deinit();
    message_buf_ = message_buf;
    max_message_ = max_message;
    pool_ = pool;
    keys_ = keys;
    clear_state();
    return Error::ok;
}

Error Framer::reset() {
    if (pool_ == nullptr) return Error::invalid_params;
    drop_context();
    clear_state();
    return Error::ok;
}

void Framer::deinit() {
    if (pool_ != nullptr) drop_context();
    pool_ = nullptr;
    keys_ = nullptr;
    message_buf_ = nullptr;
    clear_state();
}

// The connection ends: give back the context (created anew unless idle) or
// stop waiting for one.
void Framer::drop_context() {
    if (waiting_handler_ != nullptr) pool_->leave(this);
    waiting_handler_ = nullptr;
    if (entry_ == nullptr) return;
    pool_->release(entry_, context_idle());
    entry_ = nullptr;
}

// wslay's context is idle (state RECV_HEADER1, input buffer used up) when
// every header it was handed has started a frame it returned, and nothing of
// a frame is still to come. Why that holds (wslay 1.1.1, wslay_frame_recv):
// every byte wslay gets comes through recv_cb, whose HeadScan saw it; the
// scan idle means those bytes are whole frames (headers with all their
// payload; masked and refused headers never pass). wslay parses them in
// order and leaves RECV_PAYLOAD for RECV_HEADER1 (ireqread 2) in the very
// call that returns a frame's last piece; with as many frames started as
// headers passed and none of them in progress (!in_frame_), it has consumed
// every byte it holds: ibufmark == ibuflimit. Its next recv then moves 0
// bytes to the front (wslay_shift_ibuf) and reads afresh: the context can
// serve any stream next, no reset needed.
bool Framer::context_idle() const {
    return !in_frame_ && slot_.scan.idle() && slot_.scan.headers() == frames_started_;
}

void Framer::granted(FrameContext* c) {
    entry_ = c;
    c->slot = &slot_;
    FrameHandler* h = waiting_handler_;
    waiting_handler_ = nullptr;
    if (h != nullptr) h->on_parser_ready();
}

// Borrows a context, or queues for one (the handler hears when it comes).
bool Framer::borrow(FrameHandler& h) {
    if (entry_ != nullptr) return true;
    if (waiting_handler_ == nullptr) entry_ = pool_->acquire(&slot_);
    if (entry_ != nullptr) return true;
    waiting_handler_ = &h;
    pool_->queue(this);
    return false;
}

// ---------------------------------------------------------------- receiving

Framer::RecvStatus Framer::io_result() {
    switch (slot_.status) {
        case detail::IoStatus::refused:
            fail(slot_.scan.code());
            return RecvStatus::violation;
        case detail::IoStatus::closed:
            return RecvStatus::peer_closed_io;
        case detail::IoStatus::error:
            return RecvStatus::io_error;
        case detail::IoStatus::none:
        case detail::IoStatus::data:
        case detail::IoStatus::would_block:
            break;
    }
    return RecvStatus::would_block;
}

Framer::Step Framer::fail(uint16_t code) {
    state_ = State::failed;
    violation_code_ = code;
    return Step::violation;
}

Framer::RecvStatus Framer::receive(RecvFn recv, void* io, TxBuffer& tx, FrameHandler& h) {
    if (state_ == State::failed) return RecvStatus::violation;
    if (state_ == State::closed) return RecvStatus::close_received;
    if (pool_ == nullptr || recv == nullptr) return RecvStatus::io_error;
    if (!borrow(h)) return RecvStatus::no_parser;
    slot_.fn = recv;
    slot_.io = io;
    receiving_ = true;
    const RecvStatus st = receive_loop(tx, h);
    receiving_ = false;
    // Kept only while a frame is half-read here; given back at once when the
    // connection is done with it (any status but would_block ends it).
    if (st != RecvStatus::would_block || context_idle()) {
        pool_->release(entry_, context_idle());
        entry_ = nullptr;
    }
    return st;
}

Framer::RecvStatus Framer::receive_loop(TxBuffer& tx, FrameHandler& h) {
    for (;;) {
        slot_.status = detail::IoStatus::none;
        wslay_frame_iocb f;
        memset(&f, 0, sizeof f);
        const ssize_t r = wslay_frame_recv(entry_->ctx, &f);
        if (r == WSLAY_ERR_WANT_READ) {
            // Bytes arrived but not enough for the next step: keep pulling.
            if (slot_.status == detail::IoStatus::data) continue;
            return io_result();
        }
        if (r < 0) {
            // WSLAY_ERR_PROTO: a control frame > 125 bytes or fragmented (at
            // its second byte). wslay's other refusals, a non-minimal length
            // encoding and a 64-bit length with the top bit set, are made by
            // the HeadScan first, at the same byte, with the same code.
            fail(kCloseProtocolError);
            return RecvStatus::violation;
        }
        switch (on_chunk(f, tx, h)) {
            case Step::more:
                break;
            case Step::close:
                return RecvStatus::close_received;
            case Step::violation:
                return RecvStatus::violation;
        }
    }
}

// Starts a frame when its first payload piece (or, for an empty frame, its
// header) comes out of wslay, before any byte of it is copied anywhere.
// Returns 0 or the close code to fail with. The HeadScan has already refused
// every header these checks refuse (by the same head_code, on its own copy of
// the fragmentation state); they are repeated here on wslay's reading of the
// header because the copies into message_buf_ and the entry's ctrl rely on them.
uint16_t Framer::check_frame_start(const wslay_frame_iocb& f) {
    frame_got_ = 0;
    // msg_len_ is 0 unless a fragmented message is in progress.
    const FrameHead h{f.fin, f.rsv, f.opcode, f.mask, f.payload_length};
    const uint16_t code = head_code(h, msg_ != Msg::none, msg_offset_ + msg_len_, limit());
    if (code != 0 || is_control(f.opcode)) return code;
    if (f.opcode != kOpCont) {
        msg_ = f.opcode == kOpText ? Msg::text : Msg::binary;
        msg_len_ = 0;
        msg_offset_ = 0;
        utf8_.reset();
    }
    return 0;
}

Framer::Step Framer::on_chunk(const wslay_frame_iocb& f, TxBuffer& tx, FrameHandler& h) {
    const bool first = !in_frame_;
    if (first) {
        ++frames_started_;
        const uint16_t code = check_frame_start(f);
        if (code != 0) return fail(code);
    }
    frame_got_ += f.data_length;
    const bool done = frame_got_ == f.payload_length;
    in_frame_ = !done;
    if (is_control(f.opcode)) return on_control(f, first, done, tx, h);
    return on_data(f, first, done, h);
}

Framer::Step Framer::on_data(const wslay_frame_iocb& f, bool first, bool done, FrameHandler& h) {
    const bool text = msg_ == Msg::text;
    if (first && done && f.fin && f.opcode != kOpCont && f.data_length <= max_message_) {
        // The whole single-frame message sits in wslay's input buffer and stays
        // there until the next wslay_frame_recv: deliver it in place, no copy.
        if (text && !utf8_valid(f.data, f.data_length)) return fail(kCloseInvalidPayload);
        msg_ = Msg::none;
        h.on_message(!text, f.data, f.data_length);
        return Step::more;
    }
    // Each piece is validated as it is stored, so bad text fails fast (RFC
    // 6455 8.1) and no invalid byte is ever delivered, in a message or a part.
    if (store(f.data, f.data_length, h) != Step::more) return Step::violation;
    if (!done || !f.fin) return Step::more;
    if (text && !utf8_.complete()) return fail(kCloseInvalidPayload);
    const size_t n = msg_len_;
    const uint64_t offset = msg_offset_;
    msg_ = Msg::none;
    msg_len_ = 0;
    msg_offset_ = 0;
    if (offset == 0) {
        h.on_message(!text, message_buf_, n);  // it fit: whole, as without streaming
    } else {
        h.on_message_part(!text, message_buf_, n, offset, true);
    }
    return Step::more;
}

// Appends a piece of the current message to message_buf_, validating text
// slice by slice just before each slice is copied or delivered. Without
// streaming it always fits (check_frame_start bounds the message by
// max_message_). Streaming: a full buffer goes out as a part as soon as a
// further byte arrives (before that byte is validated: never the last part),
// and when the buffer is empty and the piece alone is more than a part,
// max_message_ bytes of it go out straight from wslay's input. So a message
// of max_message_ bytes or less still arrives whole, every part but the last
// is max_message_ bytes, and which parts are delivered before a violation
// does not depend on how the bytes were chunked.
Framer::Step Framer::store(const uint8_t* p, size_t n, FrameHandler& h) {
    const bool text = msg_ == Msg::text;
    while (n > 0) {
        if (msg_len_ == max_message_) {
            h.on_message_part(!text, message_buf_, msg_len_, msg_offset_, false);
            msg_offset_ += msg_len_;
            msg_len_ = 0;
        }
        if (msg_len_ == 0 && n > max_message_) {
            if (text && !utf8_.feed(p, max_message_)) return fail(kCloseInvalidPayload);
            h.on_message_part(!text, p, max_message_, msg_offset_, false);
            msg_offset_ += max_message_;
            p += max_message_;
            n -= max_message_;
            continue;
        }
        const size_t room = max_message_ - msg_len_;
        const size_t k = n < room ? n : room;
        if (text && !utf8_.feed(p, k)) return fail(kCloseInvalidPayload);
        memcpy(message_buf_ + msg_len_, p, k);
        msg_len_ += k;
        p += k;
        n -= k;
    }
    return Step::more;
}

Framer::Step Framer::on_control(const wslay_frame_iocb& f, bool first, bool done, TxBuffer& tx,
                                FrameHandler& h) {
    const uint8_t* p = f.data;
    size_t n = f.data_length;
    if (!(first && done)) {
        // Arrived in pieces: gather (at most 125 bytes, checked at frame start).
        if (first) ctrl_len_ = 0;
        memcpy(entry_->ctrl + ctrl_len_, f.data, f.data_length);
        ctrl_len_ = static_cast<uint8_t>(ctrl_len_ + f.data_length);
        if (!done) return Step::more;
        p = entry_->ctrl;
        n = ctrl_len_;
    }
    switch (f.opcode) {
        case kOpPing:
            answer_ping(tx, p, n);
            return Step::more;
        case kOpPong:
            h.on_pong(p, n);
            return Step::more;
        default:
            return on_close_frame(p, n, tx, h);
    }
}

Framer::Step Framer::on_close_frame(const uint8_t* p, size_t n, TxBuffer& tx, FrameHandler& h) {
    uint16_t code = kCloseNoStatus;
    const uint8_t* reason = p;
    size_t reason_len = 0;
    if (n >= 2) {  // n == 1 was refused at frame start
        code = static_cast<uint16_t>((p[0] << 8) | p[1]);
        if (!close_code_valid(code)) return fail(kCloseProtocolError);
        reason = p + 2;
        reason_len = n - 2;
        if (!utf8_valid(reason, reason_len)) return fail(kCloseInvalidPayload);
    }
    state_ = State::closed;
    pong_owed_ = false;  // nothing but the echo goes out after a close
    if (!close_sent_) {
        // Echo the code (RFC 6455 5.5.1); the reason is not repeated.
        close_sent_ = true;
        close_echo_owed_ = true;
        echo_code_ = code;
        if (put_echo_close(tx) == Error::ok) close_echo_owed_ = false;
    }
    h.on_close(code, reinterpret_cast<const char*>(reason), reason_len);
    return Step::close;
}

void Framer::answer_ping(TxBuffer& tx, const uint8_t* p, size_t n) {
    if (close_sent_) return;
    if (put_frame(tx, kOpPong, p, n, nullptr, 0) == Error::ok) {
        pong_owed_ = false;  // an older owed pong is superseded
        return;
    }
    memcpy(pong_buf_, p, n);  // latest payload wins
    pong_len_ = static_cast<uint8_t>(n);
    pong_owed_ = true;
}

// ---------------------------------------------------------------- sending

Error Framer::put_echo_close(TxBuffer& tx) {
    if (echo_code_ == kCloseNoStatus) return put_frame(tx, kOpClose, nullptr, 0, nullptr, 0);
    const uint8_t be[2] = {static_cast<uint8_t>(echo_code_ >> 8),
                           static_cast<uint8_t>(echo_code_ & 0xFF)};
    return put_frame(tx, kOpClose, be, sizeof be, nullptr, 0);
}

void Framer::flush_owed(TxBuffer& tx) {
    if (pong_owed_ && put_frame(tx, kOpPong, pong_buf_, pong_len_, nullptr, 0) == Error::ok) {
        pong_owed_ = false;
    }
    if (close_echo_owed_ && !pong_owed_ && put_echo_close(tx) == Error::ok)
        close_echo_owed_ = false;
}

// Encodes one FIN frame (payload = a then b) into tx, all or nothing.
// Why not wslay_frame_send: in wslay 1.1.1 it masks one byte at a time into a
// 4 KiB stack array and then hands that to a send callback, i.e. a second copy
// plus 4 KiB of stack per call (too much for small RTOS tasks); 1.1.1 has no
// wslay_frame_write into a caller buffer. Writing the header and the masked
// payload (a machine word at a time) straight into tx is one pass and one copy.
Error Framer::put_frame(TxBuffer& tx, uint8_t opcode, const uint8_t* a, size_t alen,
                        const uint8_t* b, size_t blen) {
    const size_t n = alen + blen;
    if (n > tx.capacity || frame_size(n) > tx.capacity) return Error::message_too_large;
    const size_t total = frame_size(n);
    if (!tx.reserve(total)) return Error::would_block;
    uint8_t* out = tx.tail();
    const size_t h = put_header(out, opcode, true, n);
    const uint8_t* key = out + h - kMaskLen;
    if (alen > 0) mask_copy(out + h, a, alen, key, 0);
    if (blen > 0) mask_copy(out + h + alen, b, blen, key, alen % kMaskLen);
    tx.commit(total);
    return Error::ok;
}

Error Framer::write_message(TxBuffer& tx, bool binary, const uint8_t* data, size_t len) {
    flush_owed(tx);
    if (close_sent_) return Error::closed;
    if (data == nullptr && len > 0) return Error::invalid_params;
    return put_frame(tx, binary ? kOpBinary : kOpText, data, len, nullptr, 0);
}

Error Framer::write_ping(TxBuffer& tx, const uint8_t* data, size_t len) {
    flush_owed(tx);
    if (close_sent_) return Error::closed;
    if (len > kMaxControlPayload || (data == nullptr && len > 0)) return Error::invalid_params;
    return put_frame(tx, kOpPing, data, len, nullptr, 0);
}

Error Framer::write_close(TxBuffer& tx, uint16_t code, const char* reason, size_t reason_len) {
    flush_owed(tx);
    if (close_sent_) return Error::closed;
    if (reason_len > kMaxCloseReason || (reason == nullptr && reason_len > 0)) {
        return Error::invalid_params;
    }
    const auto* r = reinterpret_cast<const uint8_t*>(reason);
    Error e;
    if (code == kCloseNoStatus) {
        if (reason_len > 0) return Error::invalid_params;  // a reason needs a code
        e = put_frame(tx, kOpClose, nullptr, 0, nullptr, 0);
    } else {
        if (!close_code_valid(code) || !utf8_valid(r, reason_len)) return Error::invalid_params;
        const uint8_t be[2] = {static_cast<uint8_t>(code >> 8), static_cast<uint8_t>(code & 0xFF)};
        e = put_frame(tx, kOpClose, be, sizeof be, r, reason_len);
    }
    if (e == Error::ok) {
        close_sent_ = true;
        pong_owed_ = false;
    }
    return e;
}

Error Framer::begin_fragment(TxBuffer& tx, size_t min_payload, uint8_t** payload, size_t* cap) {
    *payload = nullptr;
    *cap = 0;
    flush_owed(tx);
    if (close_sent_) return Error::closed;
    if (control_owed() || tx.free_total() < kMaxHeader + min_payload) return Error::would_block;
    (void)tx.reserve(tx.free_total());  // compacts: all free room at the tail
    *payload = tx.tail() + kMaxHeader;
    *cap = tx.free_tail() - kMaxHeader;
    return Error::ok;
}

// The payload sits kMaxHeader bytes past the tail; the header (its size
// depends on n) goes at the tail and the payload is masked down to follow it
// in the same pass (forward, dst <= src: every block is read before the
// bytes it overlaps are written).
void Framer::end_fragment(TxBuffer& tx, bool first, bool binary, bool fin, size_t n) {
    uint8_t* out = tx.tail();
    const uint8_t opcode = first ? (binary ? kOpBinary : kOpText) : kOpCont;
    const size_t h = put_header(out, opcode, fin, n);
    mask_copy(out + h, out + kMaxHeader, n, out + h - kMaskLen, 0);
    tx.commit(h + n);
}

// Writes the header of a masked client frame with an n-byte payload (a fresh
// mask key last) at out; returns its size.
size_t Framer::put_header(uint8_t* out, uint8_t opcode, bool fin, size_t n) {
    size_t h = 0;
    out[h++] = static_cast<uint8_t>((fin ? kFin : 0) | opcode);
    if (n < 126) {
        out[h++] = static_cast<uint8_t>(kMaskBit | n);
    } else if (n <= 0xFFFF) {
        out[h++] = kMaskBit | 126;
        out[h++] = static_cast<uint8_t>(n >> 8);
        out[h++] = static_cast<uint8_t>(n & 0xFF);
    } else {
        out[h++] = kMaskBit | 127;
        const uint64_t n64 = n;
        for (int shift = 56; shift >= 0; shift -= 8) {
            out[h++] = static_cast<uint8_t>((n64 >> shift) & 0xFF);
        }
    }
    keys_->next(out + h);  // a fresh key per frame (RFC 6455 5.3)
    return h + kMaskLen;
}

Error Framer::flush_control(TxBuffer& tx) {
    flush_owed(tx);
    return control_owed() ? Error::would_block : Error::ok;
}

}  // namespace consensus::ws
