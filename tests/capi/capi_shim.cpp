// SPDX-License-Identifier: MIT
// The C API test suite's shim (capi_shim.h) over the C++ fake port and the
// unit tests' protocol helpers.
#include "capi/capi_shim.h"

#include <string.h>

#include <string>
#include <vector>

#include "consensus/client.h"
#include "unit/client/client_fixture.h"

using consensus::fake::FakePort;

struct capi_fake {
    FakePort port;
    std::string sent[FakePort::kMaxStreams];
};

namespace {

std::string upgrade_response_bytes(const std::string& sent) {
    return clienttest::switching_protocols(sent);
}

// What follows the upgrade request (its blank line) on a stream.
std::string after_upgrade(const std::string& sent) {
    const size_t at = sent.find("\r\n\r\n");
    return at == std::string::npos ? std::string() : sent.substr(at + 4);
}

}  // namespace

extern "C" {

capi_fake* capi_fake_create(void) {
    return new capi_fake();
}

void capi_fake_destroy(capi_fake* f) {
    delete f;
}

cws_port capi_fake_port(capi_fake* f) {
    return f->port.port();
}

void capi_fake_advance(capi_fake* f, uint64_t ms) {
    f->port.advance(ms);
}

uint64_t capi_fake_now(const capi_fake* f) {
    return f->port.now;
}

size_t capi_fake_opened(const capi_fake* f) {
    return f->port.opened();
}

int capi_fake_closed(capi_fake* f, size_t stream) {
    return f->port.stream(stream).closed ? 1 : 0;
}

void capi_fake_script_open(capi_fake* f, int result) {
    f->port.script_open(static_cast<cws_open_result>(result));
}

void capi_fake_push(capi_fake* f, size_t stream, const char* bytes, size_t len) {
    f->port.stream(stream).push(std::string(bytes, len));
}

void capi_fake_push_eof(capi_fake* f, size_t stream) {
    f->port.stream(stream).push_eof();
}

void capi_fake_push_vector(capi_fake* f, size_t stream, const char* name) {
    f->port.stream(stream).push(clienttest::vector_text(name));
}

void capi_fake_push_token(capi_fake* f, size_t stream, const char* token, const char* host) {
    f->port.stream(stream).push(
        clienttest::response(200, "OK", clienttest::token_body(token, host)));
    f->port.stream(stream).push_eof();
}

void capi_fake_push_101(capi_fake* f, size_t stream) {
    f->port.stream(stream).push(upgrade_response_bytes(f->port.stream(stream).sent()));
}

void capi_fake_push_session_start(capi_fake* f, size_t stream) {
    f->port.stream(stream).push(clienttest::frame(0x1, clienttest::kSessionStart));
}

void capi_fake_push_text(capi_fake* f, size_t stream, const char* text) {
    f->port.stream(stream).push(clienttest::frame(0x1, text));
}

void capi_fake_push_close(capi_fake* f, size_t stream, uint16_t code, const char* reason) {
    f->port.stream(stream).push(clienttest::close_frame(code, reason));
}

const char* capi_fake_sent(capi_fake* f, size_t stream, size_t* len) {
    f->sent[stream] = f->port.stream(stream).sent();
    if (len != nullptr) *len = f->sent[stream].size();
    return f->sent[stream].c_str();
}

int capi_fake_client_frame(capi_fake* f, size_t stream, size_t nth, char* out, size_t cap) {
    const std::vector<wstest::ClientFrame> frames =
        clienttest::client_frames(after_upgrade(f->port.stream(stream).sent()));
    if (nth >= frames.size() || cap == 0) return -1;
    const wstest::ClientFrame& fr = frames[nth];
    const size_t n = fr.payload.size() < cap - 1 ? fr.payload.size() : cap - 1;
    if (n > 0) memcpy(out, fr.payload.data(), n);
    out[n] = '\0';
    return fr.opcode;
}

#define CAPI_FIELD(name) \
    if (c->name != d.name) return #name

const char* capi_config_mismatch(const cws_config* c) {
    const consensus::Config d;
    CAPI_FIELD(max_sessions);
    CAPI_FIELD(max_requests);
    CAPI_FIELD(tx_buffer_bytes);
    CAPI_FIELD(rx_buffer_bytes);
    CAPI_FIELD(max_message_bytes);
    CAPI_FIELD(work_buffer_bytes);
    CAPI_FIELD(max_header_line);
    CAPI_FIELD(max_headers);
    CAPI_FIELD(max_body_bytes);
    CAPI_FIELD(max_payment_header);
    CAPI_FIELD(listeners_per_event);
    CAPI_FIELD(tls_session_cache);
    CAPI_FIELD(post_slots);
    CAPI_FIELD(post_slot_bytes);
    CAPI_FIELD(max_handshakes);
    CAPI_FIELD(session_tx_bytes);
    CAPI_FIELD(frame_parsers);
    return nullptr;
}

const char* capi_options_mismatch(const cws_options* c) {
    const consensus::ClientOptions d;
    if (strcmp(c->server_url, d.server_url) != 0) return "server_url";
    if (c->payment_hook != nullptr) return "payment_hook";
    CAPI_FIELD(payment_user);
    if (static_cast<int>(c->defaults.model) != static_cast<int>(d.defaults.model)) {
        return "defaults.model";
    }
    CAPI_FIELD(defaults.minutes);
    CAPI_FIELD(defaults.megabytes);
    CAPI_FIELD(defaults.node_region);
    CAPI_FIELD(defaults.node_domain);
    CAPI_FIELD(defaults.node_exclude);
    CAPI_FIELD(open_timeout_ms);
    CAPI_FIELD(request_timeout_ms);
    CAPI_FIELD(reconnect_interval_ms);
    CAPI_FIELD(reconnect_max_ms);
    CAPI_FIELD(reconnect_jitter);
    CAPI_FIELD(max_reconnects);
    CAPI_FIELD(ping_interval_ms);
    CAPI_FIELD(start_timeout_ms);
    CAPI_FIELD(max_paid_attempts);
    CAPI_FIELD(min_served_ms);
    CAPI_FIELD(close_timeout_ms);
    CAPI_FIELD(price_margin_ppm);
    CAPI_FIELD(limit_micro_usd);
    if (c->on_limit_reached != nullptr) return "on_limit_reached";
    CAPI_FIELD(limit_user);
    CAPI_FIELD(connect_hosts);
    CAPI_FIELD(connect_host_count);
    CAPI_FIELD(ca_pem);
    CAPI_FIELD(ca_pem_len);
    CAPI_FIELD(ca_file);
    CAPI_FIELD(tls_max_fragment_bytes);
    if (c->log_hook != nullptr) return "log_hook";
    CAPI_FIELD(log_user);
    if (static_cast<int>(c->log_level) != static_cast<int>(d.log_level)) return "log_level";
    CAPI_FIELD(http_proxy);
    CAPI_FIELD(https_proxy);
    CAPI_FIELD(no_proxy);
    return nullptr;
}

#undef CAPI_FIELD

size_t capi_cpp_required_bytes(const cws_config* c) {
    consensus::Config k;
    k.max_sessions = c->max_sessions;
    k.max_requests = c->max_requests;
    k.tx_buffer_bytes = c->tx_buffer_bytes;
    k.rx_buffer_bytes = c->rx_buffer_bytes;
    k.max_message_bytes = c->max_message_bytes;
    k.work_buffer_bytes = c->work_buffer_bytes;
    k.max_header_line = c->max_header_line;
    k.max_headers = c->max_headers;
    k.max_body_bytes = c->max_body_bytes;
    k.max_payment_header = c->max_payment_header;
    k.listeners_per_event = c->listeners_per_event;
    k.tls_session_cache = c->tls_session_cache;
    k.post_slots = c->post_slots;
    k.post_slot_bytes = c->post_slot_bytes;
    k.max_handshakes = c->max_handshakes;
    k.session_tx_bytes = c->session_tx_bytes;
    k.frame_parsers = c->frame_parsers;
    return consensus::Client::required_bytes(k);
}

size_t capi_cpp_session_size(void) {
    return sizeof(consensus::Session);
}

size_t capi_cpp_session_align(void) {
    return alignof(consensus::Session);
}

const char* capi_cpp_error_name(int e) {
    return consensus::error_name(static_cast<consensus::Error>(e));
}

const char* capi_cpp_state_name(int s) {
    return consensus::session_state_name(static_cast<consensus::SessionState>(s));
}

}  // extern "C"
