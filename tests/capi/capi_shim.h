/* SPDX-License-Identifier: MIT */
/* C-callable shim over the C++ fake port (tests/fakes/fake_port.h) and the
 * C++ side of the library, for the C API's test suite (capi_test.c): the
 * test logic stays in C, the shim only scripts streams and reports what the
 * C++ types say. Streams are numbered by open() order, as in FakePort. */
#ifndef CONSENSUS_TESTS_CAPI_SHIM_H
#define CONSENSUS_TESTS_CAPI_SHIM_H

#include <stddef.h>
#include <stdint.h>

#include "consensus/consensus.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct capi_fake capi_fake;

capi_fake* capi_fake_create(void);
void capi_fake_destroy(capi_fake* f);
cws_port capi_fake_port(capi_fake* f);
void capi_fake_advance(capi_fake* f, uint64_t ms);
uint64_t capi_fake_now(const capi_fake* f);
size_t capi_fake_opened(const capi_fake* f);
int capi_fake_closed(capi_fake* f, size_t stream);

/* The result of the next open() (a cws_open_result); then open() succeeds again. */
void capi_fake_script_open(capi_fake* f, int result);

/* Inbound bytes of a stream (what the client will read). */
void capi_fake_push(capi_fake* f, size_t stream, const char* bytes, size_t len);
void capi_fake_push_eof(capi_fake* f, size_t stream);
/* A captured x402 response of tests/vectors/x402 (e.g. "402-hybrid.http"). */
void capi_fake_push_vector(capi_fake* f, size_t stream, const char* name);
/* A free token purchase: 200 with {token, connect_url ws://host/ws-connect}, then EOF. */
void capi_fake_push_token(capi_fake* f, size_t stream, const char* token, const char* host);
/* The 101 answering the upgrade request the stream sent. */
void capi_fake_push_101(capi_fake* f, size_t stream);
/* The service's session_start message as a server text frame. */
void capi_fake_push_session_start(capi_fake* f, size_t stream);
/* A server text frame / close frame. */
void capi_fake_push_text(capi_fake* f, size_t stream, const char* text);
void capi_fake_push_close(capi_fake* f, size_t stream, uint16_t code, const char* reason);

/* Every byte the client sent on a stream, NUL-terminated (valid until the
 * next call on that stream); *len gets the size when not NULL. */
const char* capi_fake_sent(capi_fake* f, size_t stream, size_t* len);
/* The nth masked client frame after the HTTP upgrade: its opcode, payload
 * copied to out (NUL-terminated, cut at cap - 1). -1 when there is none. */
int capi_fake_client_frame(capi_fake* f, size_t stream, size_t nth, char* out, size_t cap);

/* The C++ side. NULL when every field equals consensus::Config{}'s /
 * consensus::ClientOptions{}'s, else the name of the first that does not. */
const char* capi_config_mismatch(const cws_config* c);
const char* capi_options_mismatch(const cws_options* o);
/* Client::required_bytes of the config, converted field by field here. */
size_t capi_cpp_required_bytes(const cws_config* c);
size_t capi_cpp_session_size(void);
size_t capi_cpp_session_align(void);
/* consensus::error_name / session_state_name of a raw value. */
const char* capi_cpp_error_name(int e);
const char* capi_cpp_state_name(int s);

#ifdef __cplusplus
}
#endif

#endif /* CONSENSUS_TESTS_CAPI_SHIM_H */
