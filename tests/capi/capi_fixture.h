/* SPDX-License-Identifier: MIT */
/* The C API test suite's client on the fake port (scripted through
 * capi_shim.h): a fixture that owns the client's memory, a listener that
 * records every event, a payment hook and a token callback, and lookups
 * over the records. Included by capi_test.c alone (its definitions are
 * static). */
#ifndef CONSENSUS_TESTS_CAPI_FIXTURE_H
#define CONSENSUS_TESTS_CAPI_FIXTURE_H

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capi/c_check.h"
#include "capi/capi_shim.h"
#include "consensus/consensus.h"

enum { kMaxRecords = 64, kTextBytes = 256 };

typedef struct record {
    cws_event_type type;
    cws_error error;
    uint16_t code;
    cws_initiator initiator;
    uint32_t attempt;
    bool binary;
    bool paid;
    bool tls_version_null;
    uint16_t session_index;
    char text[kTextBytes]; /* message data, token, close reason or error text */
    char session_id[CWS_MAX_SESSION_ID + 1];
    int64_t time_seconds;
    size_t size;     /* message, message_part */
    uint64_t offset; /* message_part */
    bool last;       /* message_part */
} record;

typedef struct fixture {
    capi_fake* fake;
    cws_config config;
    cws_options options;
    unsigned char* raw; /* malloc'd by the test, the block aligned inside it */
    void* block;
    size_t block_size;
    cws_client* client;
    record events[kMaxRecords];
    size_t event_count;
    /* payment hook */
    cws_payment_decision decision;
    int hook_calls;
    cws_payment_ticket ticket;
    size_t accepts_count;
    char amount[64];
    char network[64];
    /* token callback */
    int token_calls;
    cws_error token_error;
    bool token_paid;
    cws_token_auth auth;
    /* a listener added with cws_on */
    int extra_calls;
    /* what the reentrant listener does */
    cws_session second;
    cws_error second_result;
    int reopened;
} fixture;

static void copy_view(char* out, size_t cap, const char* data, size_t size) {
    const size_t n = size < cap - 1 ? size : cap - 1;
    if (n > 0) memcpy(out, data, n);
    out[n] = '\0';
}

static void record_event(void* user, cws_session session, const cws_event* ev) {
    fixture* f = (fixture*)user;
    record* r;
    if (f->event_count == kMaxRecords) return;
    r = &f->events[f->event_count++];
    memset(r, 0, sizeof *r);
    r->type = ev->type;
    r->error = ev->error;
    r->code = ev->code;
    r->initiator = ev->initiator;
    r->attempt = ev->attempt;
    r->binary = ev->binary;
    r->paid = ev->payment_paid;
    r->tls_version_null = ev->tls_version == NULL;
    r->session_index = ev->session_index;
    CHECK(ev->session_index == cws_session_index(session));
    if (ev->type == CWS_EV_MESSAGE || ev->type == CWS_EV_MESSAGE_PART) {
        copy_view(r->text, sizeof r->text, (const char*)ev->data, ev->size);
        r->size = ev->size;
        r->offset = ev->offset;
        r->last = ev->last;
    } else if (ev->type == CWS_EV_TOKEN) {
        copy_view(r->text, sizeof r->text, ev->token.data, ev->token.size);
    } else if (ev->reason.data != NULL) {
        copy_view(r->text, sizeof r->text, ev->reason.data, ev->reason.size);
    }
    if (ev->start != NULL) {
        memcpy(r->session_id, ev->start->session_id, sizeof r->session_id);
        r->time_seconds = ev->start->time_seconds;
    }
    CHECK((ev->start != NULL) == (ev->type == CWS_EV_SESSION_START));
}

static void count_extra(void* user, cws_session session, const cws_event* ev) {
    (void)session;
    (void)ev;
    ++((fixture*)user)->extra_calls;
}

static cws_payment_decision hook(void* user, const cws_payment_challenge* ch,
                                 cws_payment_ticket ticket, cws_payment_header_out* header) {
    fixture* f = (fixture*)user;
    ++f->hook_calls;
    f->ticket = ticket;
    f->accepts_count = ch->accepts_count;
    if (ch->accepts_count > 0) {
        copy_view(f->amount, sizeof f->amount, ch->accepts[0].amount.data,
                  ch->accepts[0].amount.size);
        copy_view(f->network, sizeof f->network, ch->accepts[0].network.data,
                  ch->accepts[0].network.size);
    }
    if (f->decision == CWS_PAY_PAID) {
        static const char kHeader[] = "UEFZTUVOVA==";
        memcpy(header->data, kHeader, sizeof kHeader - 1);
        header->size = sizeof kHeader - 1;
    }
    return f->decision;
}

static void on_token(void* user, const cws_token_result* r) {
    fixture* f = (fixture*)user;
    ++f->token_calls;
    f->token_error = r->error;
    f->token_paid = r->paid;
    if (r->auth != NULL) f->auth = *r->auth;
}

static void fixture_setup(fixture* f) {
    memset(f, 0, sizeof *f);
    f->fake = capi_fake_create();
    cws_config_default(&f->config);
    f->config.max_sessions = 2;
    cws_options_default(&f->options);
    f->options.server_url = "http://127.0.0.1:8080";
    f->options.payment_hook = hook;
    f->options.payment_user = f;
    f->decision = CWS_PAY_REFUSED;
}

/* A block of `size` bytes at a 16-aligned address + offset. */
static void* fixture_memory(fixture* f, size_t size, size_t offset) {
    uintptr_t p;
    free(f->raw);
    f->raw = (unsigned char*)malloc(size + 32);
    p = (uintptr_t)f->raw;
    f->block = f->raw + ((16 - p % 16) % 16) + offset;
    f->block_size = size;
    return f->block;
}

static cws_error fixture_init(fixture* f, const char** why) {
    const size_t need = cws_client_required_bytes(&f->config);
    const cws_port port = capi_fake_port(f->fake);
    fixture_memory(f, need, 0);
    return cws_client_init(f->block, need, &f->config, &f->options, &port, &f->client, why);
}

static void dump(const fixture* f) {
    size_t i;
    for (i = 0; i < f->event_count; ++i) {
        fprintf(stderr, "  event %d error %s text %s\n", (int)f->events[i].type,
                cws_error_name(f->events[i].error), f->events[i].text);
    }
}

static void fixture_teardown(fixture* f) {
    if (getenv("CAPI_DUMP") != NULL) dump(f);
    cws_client_deinit(f->client);
    free(f->raw);
    capi_fake_destroy(f->fake);
}

static void spin(fixture* f) {
    int i;
    for (i = 0; i < 8; ++i) cws_client_poll(f->client, 0);
}

/* The first event of a type; a zeroed record (no crash, the checks on it
 * fail) when there is none. */
static const record* find(const fixture* f, cws_event_type type) {
    static const record kMissing;
    size_t i;
    for (i = 0; i < f->event_count; ++i) {
        if (f->events[i].type == type) return &f->events[i];
    }
    return &kMissing;
}

static size_t count(const fixture* f, cws_event_type type) {
    size_t i, n = 0;
    for (i = 0; i < f->event_count; ++i) n += f->events[i].type == type ? 1u : 0u;
    return n;
}

static cws_session_options listening(fixture* f) {
    cws_session_options o;
    cws_session_options_default(&o);
    o.listener = record_event;
    o.user = f;
    return o;
}

#endif
