/* SPDX-License-Identifier: MIT */
// RFC 6455 client framing for one connection, on wslay's frame API.
//
// Receiving: wslay_frame_recv parses frame headers and hands out payload
// pieces from its own 4 KiB input buffer. That buffer lives in a wslay frame
// context the framer borrows from the client's FrameContextPool for a
// receive() and keeps only while a frame is half-read.
// wslay reports a frame's header only with its first payload byte (an empty
// frame's with the header), so the bytes on their way into wslay also pass a
// small header scanner (detail::HeadScan) that judges each header as soon as
// its length is complete.
// On top of it this class keeps the RFC rules that wslay's event layer would
// otherwise provide, and its frame layer does not: message reassembly into a caller buffer
// with a hard size limit, incremental UTF-8 checks, automatic PONG, the close
// handshake, and refusal of every protocol violation with the right close code.
//
// Sending: frames are encoded straight into the caller's TxBuffer (see the
// comment at put_frame in framer.cpp for why not through wslay_frame_send).
//
// Memory: sizeof(Framer) is 312 bytes on x86_64 (the owed pong's 125-byte
// buffer, the 40-byte header scan, the pool links, 16 bytes of streaming
// state) plus the caller's message buffer;
// the wslay contexts (4,256 B requested each) and the mask keys are the
// client's (frame_context_pool.h, mask_keys.h). init(), receive() and
// write_*() never allocate; receive() and reset() free and malloc one context
// when a connection ends mid-frame. Single-threaded; no exceptions.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "consensus/error.h"
#include "core/tx_buffer.h"
#include "core/utf8.h"
#include "ws/frame_context_pool.h"
#include "ws/mask_keys.h"

struct wslay_frame_iocb;

namespace consensus::ws {

/// Port semantics (include/consensus/port.h): > 0 bytes read, CWS_IO_WOULD_BLOCK,
/// CWS_IO_CLOSED or CWS_IO_ERROR. 0, other negatives or > len count as CWS_IO_ERROR.
using RecvFn = long (*)(void* io, uint8_t* buf, size_t len);

/// Receives what the framer decodes. Implemented by the session.
/// Pointers are valid only during the call. Callbacks may call the framer's
/// write_*() and flush_control(), but never receive(), reset(), init() or
/// deinit() (the framer is in the middle of wslay's buffer then).
class FrameHandler {
  public:
    /// A complete data message (text is valid UTF-8).
    virtual void on_message(bool binary, const uint8_t* data, size_t len) = 0;
    /// Streaming (Framer::set_stream_limit): a part of a message larger than
    /// the message buffer; offset: the message's bytes before it; last: the
    /// message ends with it. Text parts are valid UTF-8 so far, but a part
    /// may end inside a character (the rest starts the next part).
    virtual void on_message_part(bool binary, const uint8_t* data, size_t len, uint64_t offset,
                                 bool last) {
        (void)binary;
        (void)data;
        (void)len;
        (void)offset;
        (void)last;
    }
    virtual void on_pong(const uint8_t* data, size_t len) = 0;
    /// The peer's close; code 1005 when its frame had no payload. reason is
    /// valid UTF-8, <= 123 bytes, not NUL-terminated.
    virtual void on_close(uint16_t code, const char* reason, size_t reason_len) = 0;
    /// receive() said no_parser earlier; a frame parser is now held for this
    /// framer: read again (re-arm read interest). Called from another
    /// framer's receive(), reset() or deinit(): do not call this framer's
    /// receive() from here.
    virtual void on_parser_ready() {}

  protected:
    ~FrameHandler() = default;
};

namespace detail {
// refused: a frame header was refused by the HeadScan (see its code()).
enum class IoStatus : uint8_t { none, data, would_block, closed, error, refused };

// Follows the frame boundaries of the byte stream wslay parses (every byte
// reaches wslay through the recv callback, which shows it here first) and
// judges each frame header when its length field is complete, by the same
// rules as the framer applies to wslay's own reading of the header later:
// wslay's refusals (non-minimal length encoding, 64-bit length with the top
// bit set), then the framer's (RSV bits, masking, opcodes against the
// fragmentation state, control frames, and the message limit, across the
// declared lengths of a fragmented message). wslay refuses a control frame
// with a 126/127 length or without FIN itself, at the header's second byte.
class HeadScan {
  public:
    /// Between frames, no message in progress, nothing refused.
    void reset(uint64_t limit);
    /// Scans the next n bytes of the stream. Returns how many of them go on
    /// to wslay: all of them, or, when a header among them is refused, the
    /// bytes before that header's last length byte (code() then says why;
    /// the rest of the stream is not scanned).
    size_t scan(const uint8_t* p, size_t n);
    /// 0, or the close code (1002, 1009) of the refused header.
    uint16_t code() const { return code_; }
    /// The bytes scanned so far are whole frames (nothing refused).
    bool idle() const { return code_ == 0 && stage_ == Stage::between && skip_ == 0; }
    /// Headers passed since reset() (wrapping).
    uint32_t headers() const { return headers_; }

  private:
    // What the next header byte is: the first, the second, an extended length byte.
    enum class Stage : uint8_t { between, second, length };
    uint16_t judge() const;
    void accept();

    uint64_t skip_ = 0;       // payload bytes of the current frame still to pass
    uint64_t len_ = 0;        // the length field read so far
    uint64_t msg_total_ = 0;  // declared payload of the fragmented message so far
    uint64_t limit_ = 0;      // the largest message accepted
    uint32_t headers_ = 0;    // headers passed so far (wrapping)
    uint16_t code_ = 0;
    Stage stage_ = Stage::between;
    uint8_t b0_ = 0;        // FIN, RSV, opcode
    uint8_t b1_ = 0;        // MASK, 7-bit length
    uint8_t ext_left_ = 0;  // extended length bytes still to read
    bool in_msg_ = false;   // a fragmented data message is in progress
};

// What wslay's recv callback needs; lives inside the Framer.
struct RecvSlot {
    RecvFn fn;
    void* io;
    IoStatus status;
    HeadScan scan;
};
}  // namespace detail

/// RFC 6455 close codes used here.
constexpr uint16_t kCloseNormal = 1000;
constexpr uint16_t kCloseProtocolError = 1002;
constexpr uint16_t kCloseNoStatus = 1005;
constexpr uint16_t kCloseAbnormal = 1006;  // never sent: "no close frame arrived"
constexpr uint16_t kCloseInvalidPayload = 1007;
constexpr uint16_t kCloseMessageTooBig = 1009;

/// True for codes a peer may send (and we may send): 1000-1003, 1007-1014,
/// 3000-4999. (wslay's event layer refuses 1012-1014; they are valid.)
bool close_code_valid(uint16_t code);

class Framer {
  public:
    static constexpr size_t kMaxControlPayload = 125;
    static constexpr size_t kMaxCloseReason = 123;
    /// Largest client frame header: 2 + 8 (64-bit length) + 4 (mask key).
    static constexpr size_t kMaxHeader = 14;

    Framer() = default;
    ~Framer() { deinit(); }
    Framer(const Framer&) = delete;
    Framer& operator=(const Framer&) = delete;

    /// Bytes a client frame with an n-byte payload takes in the TxBuffer;
    /// SIZE_MAX when that does not fit size_t (no TxBuffer is that large).
    static constexpr size_t frame_size(size_t n) {
        if (n > SIZE_MAX - kMaxHeader) return SIZE_MAX;
        return (n < 126 ? 2 : n <= 0xFFFF ? 4 : 10) + 4 + n;
    }

    /// What a FrameContextPool's contexts must be created with.
    static const wslay_frame_callbacks* wslay_callbacks();

    /// message_buf: reassembly buffer of max_message bytes (caller-owned,
    /// must outlive the framer). pool: the wslay contexts to borrow from;
    /// keys: the mask keys (initialised); both outlive the framer. Allocates
    /// nothing. Errors: invalid_params (a null argument, keys not ready).
    /// Calling init again deinit-s first.
    Error init(uint8_t* message_buf, size_t max_message, FrameContextPool* pool, MaskKeys* keys);
    /// Fresh state for a new connection: a context still held (the last one
    /// ended mid-frame) goes back to the pool, which creates it anew (one
    /// free + one malloc); a wait for one ends.
    /// Errors: invalid_params (not initialised).
    Error reset();
    /// As reset(), then forgets the pool. Idempotent; also run by the destructor.
    void deinit();
    /// True while a context is held (a frame is half-read).
    bool holds_parser() const { return entry_ != nullptr; }
    /// True while queued for a context (receive() said no_parser).
    bool waiting_for_parser() const { return waiting_handler_ != nullptr; }

    enum class RecvStatus : uint8_t {
        would_block,     // recv has nothing more now
        peer_closed_io,  // recv reported CWS_IO_CLOSED (EOF without close frame)
        io_error,        // recv reported CWS_IO_ERROR (or broke the port contract)
        violation,       // the peer broke RFC 6455; see violation_code()
        close_received,  // the peer's close was delivered to on_close
        no_parser,       // no wslay context free: nothing was read; queued for
                         // one, FrameHandler::on_parser_ready says when it comes
    };

    /// Pulls bytes through recv until it would block, delivering complete
    /// messages, pongs and a close to h, in stream order. Single-frame messages
    /// that arrive whole (and fit max_message) are delivered straight from
    /// wslay's input buffer; others are assembled in message_buf (the only
    /// copy), or, streaming, delivered in parts (set_stream_limit).
    /// Pings are answered with a pong of the same payload written into tx; if
    /// tx lacks room ONE pong is owed (latest payload wins) and written by the
    /// next write_*() / flush_control(). No pong is sent after our close.
    /// violation: sticky until reset(); violation_code() is 1002, 1007 or 1009;
    /// the caller sends write_close(tx, violation_code(), ...) and closes.
    /// close_received: sticky until reset(); unless we had sent a close first,
    /// the echo (same code; empty payload for 1005) is already in tx, or owed
    /// if tx was full (flush_control() writes it). Before init: io_error.
    /// The wslay context is borrowed from the pool first and given back
    /// before returning unless a frame is half-read (kept until it is whole,
    /// or until reset()); none free: no_parser (not sticky).
    /// A frame header is judged as soon as its length field is complete, before
    /// any of its payload: a declared length beyond what the message limit
    /// leaves (for a continuation: beyond the limit minus what the message
    /// already holds) is refused then (1009), as are the 1002 cases a header
    /// shows (RSV bits, a mask, a bad opcode or control frame). Messages and
    /// control frames before that header are delivered first.
    RecvStatus receive(RecvFn recv, void* io, TxBuffer& tx, FrameHandler& h);
    /// Streaming receive: 0 (off, the default) or the largest message accepted
    /// (> 0). A message larger than the message buffer is then delivered in
    /// parts (FrameHandler::on_message_part) of max_message bytes each (the
    /// last one: the rest), from message_buf or straight from wslay's input;
    /// one that fits still comes whole through on_message. The limit checks
    /// (1009) use it instead of max_message. Takes effect at the next init()
    /// or reset(), which keep it. Ignored while max_message is 0.
    void set_stream_limit(uint64_t max_streamed) { stream_limit_ = max_streamed; }
    /// Close code for the last violation; 0 when there was none.
    uint16_t violation_code() const { return violation_code_; }

    /// One whole message as one frame (FIN, text/binary, masked with a fresh
    /// key). Writes an owed pong/close echo first when it fits.
    /// Errors: would_block (not enough free room in tx now; nothing written),
    /// message_too_large (frame_size(len) > tx.capacity: can never fit),
    /// closed (we already sent or owe a close), invalid_params (null data with
    /// len > 0). Outgoing text is not UTF-8 checked (the caller's contract).
    Error write_message(TxBuffer& tx, bool binary, const uint8_t* data, size_t len);
    /// Ping with len <= 125 bytes. Errors: invalid_params, would_block, closed.
    Error write_ping(TxBuffer& tx, const uint8_t* data, size_t len);
    /// Close frame. code must satisfy close_code_valid(), or be 1005 with an
    /// empty reason (sends a close without payload). reason: valid UTF-8,
    /// <= 123 bytes. Records that we sent a close once it is written.
    /// Errors: invalid_params (code, reason length or UTF-8), would_block,
    /// closed (a close was already sent or is owed).
    Error write_close(TxBuffer& tx, uint16_t code, const char* reason, size_t reason_len);
    /// Streaming send, one fragment: begin_fragment writes an owed pong/close
    /// echo first, then lends the free room of tx: *payload (kMaxHeader bytes
    /// past the tail) takes up to *cap bytes of the fragment's payload;
    /// end_fragment(n) puts the header in front and masks the payload into
    /// place (one pass, no other copy). first: the message's first fragment
    /// (text/binary opcode; later ones are continuations); fin: its last.
    /// Errors (nothing lent): closed (we sent or owe a close), would_block (a
    /// control frame is still owed, or less than kMaxHeader + min_payload free).
    /// Between the two calls nothing else may write to tx.
    Error begin_fragment(TxBuffer& tx, size_t min_payload, uint8_t** payload, size_t* cap);
    void end_fragment(TxBuffer& tx, bool first, bool binary, bool fin, size_t n);
    /// Writes an owed pong and/or close echo. ok when nothing is owed any more,
    /// would_block when tx still lacks room.
    Error flush_control(TxBuffer& tx);

    /// True once our close frame is in tx (or owed as the echo of the peer's).
    bool close_sent() const { return close_sent_; }
    /// True once the peer's close was delivered.
    bool close_received() const { return state_ == State::closed; }
    /// True while a pong or close echo waits for room in tx.
    bool control_owed() const { return pong_owed_ || close_echo_owed_; }
    /// True while receive() runs (i.e. inside a FrameHandler callback): the
    /// session defers its socket write to the end of the pass, so all frames
    /// written from callbacks leave in one send.
    bool receiving() const { return receiving_; }

  private:
    enum class State : uint8_t { open, closed, failed };
    enum class Msg : uint8_t { none, text, binary };  // fragmented message in progress
    enum class Step : uint8_t { more, close, violation };

    friend class FrameContextPool;  // queues framers, grants them contexts
    void granted(FrameContext* c);
    bool borrow(FrameHandler& h);
    void drop_context();
    bool context_idle() const;
    RecvStatus receive_loop(TxBuffer& tx, FrameHandler& h);
    void clear_state();
    RecvStatus io_result();
    Step fail(uint16_t code);
    uint16_t check_frame_start(const wslay_frame_iocb& f);
    Step on_chunk(const wslay_frame_iocb& f, TxBuffer& tx, FrameHandler& h);
    Step on_data(const wslay_frame_iocb& f, bool first, bool done, FrameHandler& h);
    Step store(const uint8_t* p, size_t n, FrameHandler& h);
    // Streaming needs a message buffer to cut parts from: none (0), no streaming.
    uint64_t limit() const {
        return stream_limit_ > 0 && max_message_ > 0 ? stream_limit_ : max_message_;
    }
    size_t put_header(uint8_t* out, uint8_t opcode, bool fin, size_t n);
    Step on_control(const wslay_frame_iocb& f, bool first, bool done, TxBuffer& tx,
                    FrameHandler& h);
    Step on_close_frame(const uint8_t* p, size_t n, TxBuffer& tx, FrameHandler& h);
    void answer_ping(TxBuffer& tx, const uint8_t* p, size_t n);
    void flush_owed(TxBuffer& tx);
    Error put_echo_close(TxBuffer& tx);
    Error put_frame(TxBuffer& tx, uint8_t opcode, const uint8_t* a, size_t alen, const uint8_t* b,
                    size_t blen);

    FrameContextPool* pool_ = nullptr;
    MaskKeys* keys_ = nullptr;
    FrameContext* entry_ = nullptr;            // the borrowed context, if any
    FrameHandler* waiting_handler_ = nullptr;  // set while queued for a context
    Framer* next_waiter_ = nullptr;            // the pool's queue
    uint8_t* message_buf_ = nullptr;
    size_t max_message_ = 0;
    detail::RecvSlot slot_{nullptr, nullptr, detail::IoStatus::none, {}};
    uint32_t frames_started_ = 0;  // frames wslay began to return (wrapping)

    uint64_t frame_got_ = 0;     // payload bytes of the current frame seen so far
    size_t msg_len_ = 0;         // bytes assembled in message_buf_
    uint64_t msg_offset_ = 0;    // bytes of the message already delivered as parts
    uint64_t stream_limit_ = 0;  // 0, or the largest message accepted when streaming
    Utf8Validator utf8_;         // across the fragments of a text message
    State state_ = State::open;
    Msg msg_ = Msg::none;
    bool in_frame_ = false;  // between a frame's first and last payload piece
    bool close_sent_ = false;
    bool close_echo_owed_ = false;
    bool pong_owed_ = false;
    uint16_t violation_code_ = 0;
    uint16_t echo_code_ = 0;
    uint8_t ctrl_len_ = 0;
    uint8_t pong_len_ = 0;
    uint8_t pong_buf_[kMaxControlPayload];  // the owed pong's payload
    bool receiving_ = false;
};

}  // namespace consensus::ws
