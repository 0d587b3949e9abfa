/* SPDX-License-Identifier: MIT */
// One slot's connection and what it moves bytes through. A slot (a session,
// a stand-alone request) owns one; a session lends it to its purchase,
// because a purchase and an open never overlap. During HTTP phases an
// HttpLane is attached (client/http_lane.h): its send buffer, receive chunk,
// work area and response reader; once a session is open, its frames go
// through the link's own send buffer. Every phase sends through flush() and
// reads HTTP through read_response(): one writer, one pump.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "client/slot_buffers.h"
#include "core/tx_buffer.h"
#include "core/url.h"
#include "http/response.h"
#include "net/connection.h"

namespace consensus {

struct HttpLane;

/// A proxy's tunnel while it is being set up. It lives in the HTTP lane, as
/// all of the HTTP phases' state: an open session pays nothing for it.
struct ProxyTunnel {
    enum class Stage : uint8_t { none, connecting, asking, reading };
    const ProxyUrl* proxy = nullptr;  // nullptr: the connection is direct
    const char* detail = "";          // why it failed, said of the proxy
    TxBuffer request{};               // the CONNECT request, in the lane's receive chunk
    int status = 0;                   // the proxy's answer (0: none yet)
    Stage stage = Stage::none;
};

class Link {
  public:
    enum class Flush : uint8_t { done, would_block, failed };
    enum class Read : uint8_t {
        would_block,  // the socket is drained; the response is not over
        complete,     // a whole response is in reader()
        upgrade,      // a 101 header block ended; later bytes wait in leftover
        bad,          // reader().error() says what is wrong with the response
        lost,         // the connection failed: conn().last_error() says how
    };

    /// The link's own send buffer: a session's frames.
    void bind(uint8_t* tx, size_t tx_size);
    /// HTTP phases begin: requests go out of the lane's send buffer and
    /// responses come in through its chunk, reader and work area. Nothing
    /// may be pending in the send buffer.
    void attach(HttpLane* lane);
    /// Frames from now on: the own send buffer, empty (a session at its 101;
    /// the lane stays attached until leftover bytes are read).
    void use_own_tx() { tx_ = TxBuffer{own_tx_, own_tx_size_, 0, 0}; }
    /// Gives the lane up (nullptr when none was attached); forgets leftover
    /// bytes, and the lane's unsent bytes if the own buffer was not in use.
    HttpLane* detach();
    HttpLane* lane() const { return lane_; }

    /// Opens the connection to host:port_number (TLS when tls != nullptr), or
    /// through `proxy` when not null: TCP to the proxy (proxy_host is its
    /// host as a C string), then progress() has it tunnel with CONNECT. A
    /// lane must be attached (the CONNECT exchange uses its receive chunk
    /// and reader, never its send buffer or work area: a request written
    /// before the connect waits there). Errors: as Connection::open, and
    /// message_too_large (the CONNECT request does not fit the receive chunk).
    Error open(const cws_port& port, TlsShared* tls, const char* host, uint16_t port_number,
               const ProxyUrl* proxy, const char* proxy_host, const HttpLimits& limits);
    /// Drives the open: TCP, the proxy's tunnel, TLS. ok once the connection
    /// carries the server's bytes; would_block while in progress; else
    /// Connection::progress's errors, or proxy_failed: the proxy refused the
    /// tunnel (proxy_status() says with what), broke HTTP, sent bytes after
    /// its 200, or closed the connection before answering (proxy_detail()).
    Error progress();
    /// While a lane is attached: the proxy the connection goes through
    /// (nullptr: direct), its answer to CONNECT (0: none yet), and a static
    /// text about a proxy_failed, said of the proxy ("refused the tunnel";
    /// "" when none).
    const ProxyUrl* proxy() const;
    int proxy_status() const;
    const char* proxy_detail() const;

    Connection& conn() { return conn_; }
    const Connection& conn() const { return conn_; }
    TxBuffer& tx() { return tx_; }
    // The lane's parts: only while one is attached.
    HttpResponseReader& reader();
    uint8_t* work() const;
    size_t work_size() const;
    uint8_t* rx() const;
    size_t rx_size() const;

    /// Wipes the whole send buffer (a request that carried a payment or a
    /// token) and empties it.
    void wipe_tx();

    /// Empties the send buffer and hands out its storage for a request.
    TxBuffer& fresh_tx() {
        tx_.clear();
        return tx_;
    }

    /// Sends pending bytes until none are left or the transport would block.
    /// Stops after a short plain-TCP send: its buffer is full and another
    /// send() would only say EAGAIN (TLS writes one record per call).
    /// failed: the connection is gone (conn().last_error() says why).
    Flush flush();

    /// Reads and feeds reader() until the response completes, the header block
    /// of a 101 ends, the socket would block, or something fails; at most
    /// kReadsPerPass reads per call (then would_block: the socket may still be
    /// readable), so a server streaming bytes cannot hold the loop.
    Read read_response();
    static constexpr int kReadsPerPass = 16;
    /// Bytes recv() hands out per pass of the loop (begin_pass() refills it):
    /// a flood on one session cannot starve the others or the caller's loop.
    static constexpr size_t kBytesPerPass = 256 * 1024;
    void begin_pass() { pass_budget_ = kBytesPerPass; }

    /// Stream reads once open: first the bytes that came with the 101, then
    /// the connection. Returns what Connection::recv does. A drained socket
    /// (the port spent its read readiness on a short read) gives would-block
    /// without a recv() call.
    long recv(uint8_t* buf, size_t len);
    /// recv() would make progress (leftover bytes, or the connection is readable).
    bool readable() const { return has_leftover() || conn_.readable(); }
    /// Bytes already buffered (leftover or inside TLS): the loop must not sleep.
    bool has_pending() const { return has_leftover() || conn_.has_pending(); }
    /// Bytes that came with the 101 wait in the lane's chunk.
    bool has_leftover() const { return leftover_start_ < leftover_end_; }
    /// Bytes at the start of the lane's chunk that hold nothing still to be
    /// read: all of it, or what comes before the leftover.
    size_t rx_free() const { return has_leftover() ? leftover_start_ : rx_size(); }

    /// The connection's own error (closed for a reset or EOF, tls_failed, ...),
    /// or connect_failed when it has none.
    Error transport_error() const;

    /// Closes the connection and forgets unsent and leftover bytes.
    void close();

  private:
    // The proxy's part of an open.
    ProxyTunnel& tunnel();
    Error tunnel_step();
    Error read_tunnel_answer();
    Error proxy_failed(const char* detail);

    Connection conn_;
    TxBuffer tx_{};
    HttpLane* lane_ = nullptr;
    uint8_t* own_tx_ = nullptr;
    size_t own_tx_size_ = 0;
    size_t leftover_start_ = 0;  // bytes that arrived with the 101 (in rx)
    size_t leftover_end_ = 0;
    size_t pass_budget_ = kBytesPerPass;
};

}  // namespace consensus
