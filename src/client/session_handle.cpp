// SPDX-License-Identifier: MIT
// Session: the caller's handle, checked against its slot's generation on
// every call (client/client_core.h, slot_of).
#include "client/client_core.h"
#include "client/session_slot.h"

namespace consensus {

Error Session::send_text(const char* data, size_t size) {
    SessionSlot* s = ClientCore::slot_of(*this);
    if (s == nullptr) return Error::invalid_handle;
    return s->send(false, reinterpret_cast<const uint8_t*>(data), size);
}

Error Session::send_binary(const uint8_t* data, size_t size) {
    SessionSlot* s = ClientCore::slot_of(*this);
    if (s == nullptr) return Error::invalid_handle;
    return s->send(true, data, size);
}

Error Session::send_stream(bool binary, SendSource source, void* user) {
    SessionSlot* s = ClientCore::slot_of(*this);
    if (s == nullptr) return Error::invalid_handle;
    return s->send_stream(binary, source, user);
}

Error Session::resume_stream() {
    SessionSlot* s = ClientCore::slot_of(*this);
    if (s == nullptr) return Error::invalid_handle;
    return s->resume_stream();
}

Error Session::close(uint16_t code, const char* reason) {
    SessionSlot* s = ClientCore::slot_of(*this);
    if (s == nullptr) return Error::invalid_handle;
    CallScope scope(s->core());  // `ended` may fire before close() returns
    return s->close(code, reason);
}

Error Session::on(EventType type, Listener fn, void* user) {
    SessionSlot* s = ClientCore::slot_of(*this);
    if (s == nullptr) return Error::invalid_handle;
    return s->on(type, fn, user);
}

bool Session::off(EventType type, Listener fn, void* user) {
    SessionSlot* s = ClientCore::slot_of(*this);
    return s != nullptr && s->off(type, fn, user);
}

SessionState Session::state() const {
    const SessionSlot* s = ClientCore::slot_of(*this);
    return s != nullptr ? s->state() : SessionState::closed;
}

PublicState Session::public_state() const {
    const SessionSlot* s = ClientCore::slot_of(*this);
    return s != nullptr ? s->public_state() : PublicState::closed;
}

bool Session::valid() const {
    return ClientCore::slot_of(*this) != nullptr;
}

const char* session_state_name(SessionState s) {
    switch (s) {
        case SessionState::requesting_token:
            return "requesting_token";
        case SessionState::paying:
            return "paying";
        case SessionState::connecting:
            return "connecting";
        case SessionState::tls_handshake:
            return "tls_handshake";
        case SessionState::upgrading:
            return "upgrading";
        case SessionState::starting:
            return "starting";
        case SessionState::open:
            return "open";
        case SessionState::closing:
            return "closing";
        case SessionState::waiting_to_reconnect:
            return "waiting_to_reconnect";
        case SessionState::closed:
            return "closed";
    }
    return "unknown";
}

}  // namespace consensus
