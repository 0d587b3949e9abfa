// SPDX-License-Identifier: MIT
#include "output.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "json_text.h"
#include "terminal_text.h"

namespace consensus {
namespace cli {
namespace {

const char* initiator_name(Initiator i) {
    switch (i) {
        case Initiator::caller:
            return "caller";
        case Initiator::server:
            return "server";
        case Initiator::network:
            return "network";
    }
    return "network";
}

const char* phase_name(Phase p) {
    switch (p) {
        case Phase::token:
            return "token";
        case Phase::open:
            return "open";
        case Phase::session:
            return "session";
    }
    return "session";
}

// Opens a JSON line: {"type":"<type>"[,"session":i]
void begin_json(const Output& o, int session, const char* type) {
    fprintf(o.out, "{\"type\":\"%s\"", type);
    if (o.tag_sessions && session >= 0) fprintf(o.out, ",\"session\":%d", session);
}

void end_json(const Output& o) {
    fputs("}\n", o.out);
    fflush(o.out);
}

// Human lines on stderr start with the session tag when there are several.
FILE* begin_human(const Output& o, int session) {
    if (o.tag_sessions && session >= 0) fprintf(o.err, "[session %d] ", session);
    return o.err;
}

void end_human(const Output& o) {
    fputc('\n', o.err);
    fflush(o.err);
}

void print_message(const Output& o, const Event& ev) {
    int s = ev.session_index;
    if (o.json) {
        begin_json(o, s, "message");
        fprintf(o.out, ",\"binary\":%s,\"data\":", ev.binary ? "true" : "false");
        if (ev.binary) {
            fputc('"', o.out);
            write_base64(o.out, ev.data, ev.size);
            fputc('"', o.out);
        } else {
            write_json_string(o.out, reinterpret_cast<const char*>(ev.data), ev.size);
        }
        end_json(o);
        return;
    }
    if (o.tag_sessions) fprintf(o.out, "[session %d] ", s);
    if (ev.binary) {
        fprintf(o.out, "[binary %lu bytes] ", static_cast<unsigned long>(ev.size));
        write_base64(o.out, ev.data, ev.size);
    } else {
        // Escaped like every server string; a newline too, so one message stays one line.
        write_terminal_text(o.out, reinterpret_cast<const char*>(ev.data), ev.size);
    }
    fputc('\n', o.out);
    fflush(o.out);
}

void print_session_start(const Output& o, const Event& ev) {
    const SessionStartInfo* st = ev.start;
    if (st == nullptr) return;
    int s = ev.session_index;
    if (o.json) {
        begin_json(o, s, "session_start");
        fputs(",\"session_id\":", o.out);
        write_json_cstr(o.out, st->session_id);
        fputs(",\"limits\":{", o.out);
        bool first = true;
        if (st->time_seconds >= 0) {
            fputs("\"time_seconds\":", o.out);
            write_i64(o.out, st->time_seconds);
            first = false;
        }
        if (st->data_mb >= 0) {
            fputs(first ? "\"data_mb\":" : ",\"data_mb\":", o.out);
            write_json_number(o.out, st->data_mb);
        }
        fputc('}', o.out);
        if (st->served_by[0] != '\0') {
            fputs(",\"served_by\":", o.out);
            write_json_cstr(o.out, st->served_by);
        }
        end_json(o);
        return;
    }
    FILE* f = begin_human(o, s);
    fputs("session started: id ", f);
    write_terminal_cstr(f, st->session_id);
    if (st->time_seconds >= 0) {
        fputs(", ", f);
        write_i64(f, st->time_seconds);
        fputs(" s", f);
    }
    if (st->data_mb >= 0) {
        fputs(", ", f);
        write_json_number(f, st->data_mb);
        fputs(" MB", f);
    }
    if (st->served_by[0] != '\0') {
        fputs(", served by ", f);
        write_terminal_cstr(f, st->served_by);
    }
    end_human(o);
}

void print_expired(const Output& o, const Event& ev) {
    const char* text = "other";
    size_t len = 5;
    if (ev.expired != nullptr && ev.expired->reason_text.data != nullptr) {
        text = ev.expired->reason_text.data;
        len = ev.expired->reason_text.size;
    }
    if (o.json) {
        begin_json(o, ev.session_index, "session_expired");
        fputs(",\"reason\":", o.out);
        write_json_string(o.out, text, len);
        end_json(o);
        return;
    }
    FILE* f = begin_human(o, ev.session_index);
    fputs("session expired: ", f);
    write_terminal_text(f, text, len);
    end_human(o);
}

void print_close(const Output& o, const Event& ev) {
    const char* reason = ev.reason.data != nullptr ? ev.reason.data : "";
    if (o.json) {
        begin_json(o, ev.session_index, "close");
        fprintf(o.out, ",\"code\":%u,\"reason\":", unsigned{ev.code});
        write_json_string(o.out, reason, ev.reason.size);
        fprintf(o.out, ",\"initiator\":\"%s\"", initiator_name(ev.initiator));
        end_json(o);
        return;
    }
    FILE* f = begin_human(o, ev.session_index);
    fprintf(f, "closed by %s: code %u", initiator_name(ev.initiator), unsigned{ev.code});
    if (ev.reason.size > 0) {
        fputs(" \"", f);
        write_terminal_text(f, reason, ev.reason.size);
        fputc('"', f);
    }
    end_human(o);
}

void print_simple(const Output& o, const Event& ev) {
    int s = ev.session_index;
    switch (ev.type) {
        case EventType::open:
            if (o.json) {
                begin_json(o, s, "open");
                fprintf(o.out, ",\"attempt\":%" PRIu32, ev.attempt);
                if (ev.tls_version != nullptr) {
                    fputs(",\"tls\":", o.out);
                    write_json_string(o.out, ev.tls_version, strlen(ev.tls_version));
                }
                end_json(o);
            } else {
                FILE* f = begin_human(o, s);
                fprintf(f, "open (attempt %" PRIu32, ev.attempt);
                if (ev.tls_version != nullptr) fprintf(f, ", %s", ev.tls_version);
                fputc(')', f);
                end_human(o);
            }
            return;
        case EventType::reconnecting:
            if (o.json) {
                begin_json(o, s, "reconnecting");
                fprintf(o.out, ",\"attempt\":%" PRIu32 ",\"in_ms\":%" PRIu32, ev.attempt, ev.in_ms);
                end_json(o);
            } else {
                fprintf(begin_human(o, s), "reconnecting in %" PRIu32 " ms (attempt %" PRIu32 ")",
                        ev.in_ms, ev.attempt);
                end_human(o);
            }
            return;
        default:
            return;
    }
}

}  // namespace

void write_json_number(FILE* f, double v) {
    if (!isfinite(v)) {
        fputs("null", f);
        return;
    }
    if (v == floor(v) && fabs(v) < 1e15) {
        write_i64(f, static_cast<int64_t>(v));
        return;
    }
    write_g6(f, v);
}

void print_error(const Output& o, int session, Error code, const char* message, size_t message_len,
                 int http_status) {
    if (message == nullptr) message_len = 0;
    if (o.json) {
        begin_json(o, session, "error");
        fprintf(o.out, ",\"code\":\"%s\",\"message\":", error_name(code));
        write_json_string(o.out, message != nullptr ? message : "", message_len);
        if (http_status != 0) fprintf(o.out, ",\"http_status\":%d", http_status);
        end_json(o);
        return;
    }
    FILE* f = begin_human(o, session);
    fprintf(f, "error: %s", error_name(code));
    if (message_len > 0) {
        fputs(": ", f);
        write_terminal_text(f, message, message_len);
    }
    if (http_status != 0) fprintf(f, " (HTTP %d)", http_status);
    end_human(o);
}

void print_token(const Output& o, int session, const char* token, const char* connect_url,
                 uint32_t expires_in_s) {
    // Human mode prints the service's JSON object, still valid JSON, with
    // DEL and C1 escaped as well: no byte of it acts on a terminal.
    JsonEscapes escapes = JsonEscapes::terminal;
    if (o.json) {
        begin_json(o, session, "token");
        fputc(',', o.out);
        escapes = JsonEscapes::json;
    } else {
        fputc('{', o.out);
    }
    fputs("\"token\":", o.out);
    write_json_cstr(o.out, token, escapes);
    fputs(",\"connect_url\":", o.out);
    write_json_cstr(o.out, connect_url, escapes);
    fprintf(o.out, ",\"expires_in\":%" PRIu32, expires_in_s);
    end_json(o);
}

void print_payment(const Output& o, int session, bool paid) {
    if (o.json) {
        begin_json(o, session, "payment");
        fprintf(o.out, ",\"status\":\"%s\"", paid ? "paid" : "required");
        end_json(o);
        return;
    }
    fputs(paid ? "payment accepted" : "payment required (402)", begin_human(o, session));
    end_human(o);
}

void print_note(const Output& o, const char* text) {
    if (o.json) return;
    fputs(text, o.err);
    end_human(o);
}

bool should_print(RepeatFilter* filter, const Event& ev) {
    const bool repeat = filter->after_status_event && ev.type == EventType::message && !ev.binary;
    // A session_start without its info prints nothing: its frame is then shown as a message.
    filter->after_status_event = (ev.type == EventType::session_start && ev.start != nullptr) ||
                                 ev.type == EventType::session_expired;
    return !repeat;
}

void print_event(const Output& o, const Event& ev) {
    int s = ev.session_index;
    switch (ev.type) {
        case EventType::message:
            print_message(o, ev);
            return;
        case EventType::session_start:
            print_session_start(o, ev);
            return;
        case EventType::session_expired:
            print_expired(o, ev);
            return;
        case EventType::close:
            print_close(o, ev);
            return;
        case EventType::error: {
            // The phase is extra information scripts may use; the code is the contract.
            const char* text = ev.reason.data != nullptr ? ev.reason.data : "";
            if (o.json) {
                begin_json(o, s, "error");
                fprintf(o.out, ",\"code\":\"%s\",\"message\":", error_name(ev.error));
                write_json_string(o.out, text, ev.reason.size);
                if (ev.http_status != 0) fprintf(o.out, ",\"http_status\":%d", ev.http_status);
                fprintf(o.out, ",\"phase\":\"%s\"", phase_name(ev.phase));
                end_json(o);
            } else {
                print_error(o, s, ev.error, text, ev.reason.size, ev.http_status);
            }
            return;
        }
        case EventType::token:
            if (o.json) {
                begin_json(o, s, "token");
                fputs(",\"token\":", o.out);
                write_json_string(o.out, ev.token.data, ev.token.size);
                fputs(",\"connect_url\":", o.out);
                write_json_string(o.out, ev.connect_url.data, ev.connect_url.size);
                fprintf(o.out, ",\"expires_in\":%" PRIu32, ev.expires_in_s);
                end_json(o);
            } else {
                fprintf(begin_human(o, s), "token obtained (expires in %" PRIu32 " s)",
                        ev.expires_in_s);
                end_human(o);
            }
            return;
        case EventType::payment:
            print_payment(o, s, ev.payment_paid);
            return;
        case EventType::open:
        case EventType::reconnecting:
            print_simple(o, ev);
            return;
        case EventType::ended:
            // Human mode only: the JSON contract has no such line, and the
            // error/close lines before it already carry the facts.
            if (!o.json && ev.error != Error::ok) {
                fprintf(begin_human(o, s), "session over: gave up after %s", error_name(ev.error));
                end_human(o);
            }
            return;
        case EventType::message_part:
            // The parts go to --save-messages files only; human mode notes the
            // message once, at its end (no JSON line: the contract has none).
            if (!o.json && ev.last) {
                fprintf(begin_human(o, s), "streamed %s message of %llu bytes received",
                        ev.binary ? "binary" : "text",
                        static_cast<unsigned long long>(ev.offset + ev.size));
                end_human(o);
            }
            return;
        case EventType::writable:
            return;
    }
}

}  // namespace cli
}  // namespace consensus
