/* SPDX-License-Identifier: MIT */
// Fixed listener slots of one session: listeners_per_event entries per event
// type, carved from the client's memory block. on/off never allocate.
#pragma once

#include <stddef.h>

#include "consensus/events.h"

namespace consensus {

struct ListenerEntry {
    Listener fn;
    void* user;
};

class ListenerTable {
  public:
    void bind(ListenerEntry* entries, size_t per_event) {
        entries_ = entries;
        per_event_ = per_event;
    }
    void clear() {
        for (size_t i = 0; i < kEventTypeCount * per_event_; ++i) entries_[i] = ListenerEntry{};
    }
    Error add(EventType type, Listener fn, void* user) {
        if (fn == nullptr) return Error::invalid_params;
        ListenerEntry* row = row_of(type);
        for (size_t i = 0; i < per_event_; ++i) {
            if (row[i].fn == nullptr) {
                row[i] = ListenerEntry{fn, user};
                return Error::ok;
            }
        }
        return Error::no_resources;
    }
    bool remove(EventType type, Listener fn, void* user) {
        ListenerEntry* row = row_of(type);
        for (size_t i = 0; i < per_event_; ++i) {
            if (row[i].fn == fn && row[i].user == user) {
                row[i] = ListenerEntry{};
                return true;
            }
        }
        return false;
    }
    /// Calls every listener of ev.type while go() holds (it is asked after
    /// each call). A listener may add or remove listeners meanwhile, itself
    /// too: each entry is read just before its call.
    template <typename Go>
    void fire(Session& session, const Event& ev, const Go& go) const {
        const ListenerEntry* row = entries_ + static_cast<size_t>(ev.type) * per_event_;
        for (size_t i = 0; i < per_event_; ++i) {
            const ListenerEntry e = row[i];
            if (e.fn == nullptr) continue;
            e.fn(e.user, session, ev);
            if (!go()) return;
        }
    }

  private:
    ListenerEntry* row_of(EventType type) const {
        return entries_ + static_cast<size_t>(type) * per_event_;
    }
    ListenerEntry* entries_ = nullptr;
    size_t per_event_ = 0;
};

}  // namespace consensus
