// SPDX-License-Identifier: MIT
#include "exit_status.h"

namespace consensus {
namespace cli {

int session_exit_status(const SessionSummary& s) {
    if (s.expired) return kExitOk;
    if (s.closed_by_us) return kExitOk;
    if (s.ever_opened) return kExitSessionLost;
    if (s.failed && s.last_failure == Phase::token) return kExitNoToken;
    return kExitNoOpen;
}

int run_exit_status(const SessionSummary* sessions, size_t count) {
    int worst = kExitOk;
    for (size_t i = 0; i < count; ++i) {
        int st = session_exit_status(sessions[i]);
        if (st > worst) worst = st;
    }
    return worst;
}

void mark_closed_by_us(SessionSummary* s) {
    s->closed_by_us = s->open_now || !s->abnormal;
}

void summarize_event(SessionSummary* s, const Event& ev, bool renew) {
    switch (ev.type) {
        case EventType::open:
            s->ever_opened = true;
            s->open_now = true;
            s->abnormal = false;
            s->expiry_seen = false;
            s->expired = false;  // a renewed session is live again
            return;
        case EventType::close:
            s->open_now = false;
            // Any close we did not ask for, except the one that follows an expiry.
            if (ev.initiator != Initiator::caller && !s->expiry_seen) s->abnormal = true;
            return;
        case EventType::error:
            s->failed = true;
            s->abnormal = true;
            s->last_failure = ev.phase;
            return;
        case EventType::session_expired:
            s->expiry_seen = true;
            if (!renew) s->expired = true;
            return;
        default:
            return;
    }
}

}  // namespace cli
}  // namespace consensus
