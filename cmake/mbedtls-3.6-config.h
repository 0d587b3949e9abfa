/* SPDX-License-Identifier: MIT */
/*
 * consensus-ws: the mbedTLS 3.6 LTS configuration for host builds
 * (-DCONSENSUS_MBEDTLS=3.6, built by `scripts/install-deps mbedtls-3.6`).
 *
 * Passed as MBEDTLS_CONFIG_FILE both when mbedTLS is built and to everything
 * that includes its headers (cmake/deps.cmake puts the define on the imported
 * MbedTLS:: targets): the struct layouts depend on it, so both sides must see
 * the very same file. The install script records its SHA-256 in the prefix's
 * stamp; cmake/deps.cmake refuses a prefix built from another version of it.
 *
 * Derived from upstream's default include/mbedtls/mbedtls_config.h of 3.6.6
 * by keeping what the library, its tools (consensus-ws, consensus-devserver),
 * the bench clients and the tests use, and dropping the rest (DTLS, PSK and
 * static key exchanges, finite-field DH, legacy ciphers, X.509 writing, PSA
 * persistent key storage, self tests). Protocol behaviour options keep
 * upstream's defaults (extended master secret, encrypt-then-MAC, all alert
 * messages, TLS 1.3 middlebox compatibility, renegotiation compiled in but
 * refused at run time as mbedTLS does by default) so the client behaves on
 * the wire as a stock 3.6 build would. The record buffers are cut for memory
 * (issue 17; see "Record buffers" below and docs/MEMORY.md).
 *
 * Only the options listed here are on; everything else is off. mbedTLS's
 * check_config.h (included by build_info.h after this file) rejects an
 * inconsistent set at compile time.
 */
#ifndef CONSENSUS_MBEDTLS_3_6_CONFIG_H
#define CONSENSUS_MBEDTLS_3_6_CONFIG_H

/* Lets src/tls tell this configuration from a distribution's 3.x build. */
#define CONSENSUS_MBEDTLS_CONFIG 1
/* This mbedTLS is built with cmake/mbedtls-3.6-mfl.patch (install-mbedtls-3.6
 * applies it; cmake/deps.cmake checks the stamp): src/tls may ask for a
 * Maximum Fragment Length, which released 3.6 gets wrong under TLS 1.3. */
#define CONSENSUS_MBEDTLS_MFL_PATCHED 1

/* ---- Platform ---------------------------------------------------------- */
#define MBEDTLS_HAVE_ASM       /* bignum and AES assembly where available */
#define MBEDTLS_HAVE_TIME      /* time() for session ticket lifetimes */
#define MBEDTLS_HAVE_TIME_DATE /* X.509 validity: "has expired" / "not valid yet" */
#define MBEDTLS_PLATFORM_C     /* mbedtls_platform_zeroize (core/wipe.h), calloc hooks */
/* mbedtls_platform_set_calloc_free: a device may give mbedTLS its own heap
 * (an arena, a pool), and integration.tlsmem counts mbedTLS's own bytes per
 * session with it. One indirect call per allocation; the default is libc's. */
#define MBEDTLS_PLATFORM_MEMORY
#define MBEDTLS_FS_IO          /* --ca FILE / ClientOptions.ca_file, the dev server's key and chain */
#define MBEDTLS_ENTROPY_C      /* PSA's RNG and the dev server's / bench's CTR-DRBG seed */
#define MBEDTLS_CTR_DRBG_C     /* core/rng: the library's generator (TLS randoms, WebSocket masks) */
#define MBEDTLS_HMAC_DRBG_C    /* deterministic ECDSA (the dev server signs) */
#define MBEDTLS_ERROR_C        /* mbedtls_strerror in the dev server's logs */
#define MBEDTLS_VERSION_C      /* mbedtls_version_get_string: `consensus-ws --version` */
#define MBEDTLS_NET_C          /* the bench's insecure_ca helper (mbedtls_net_connect) */

/* ---- PSA crypto: TLS 1.3 runs on it ------------------------------------ */
/* psa_crypto_init() is called once per process (src/tls/crypto.h) before any
 * TLS context is set up. Keys are volatile only: no persistent key storage
 * (upstream's default has MBEDTLS_PSA_CRYPTO_STORAGE_C and a file backend). */
#define MBEDTLS_PSA_CRYPTO_C
#define MBEDTLS_PSA_KEY_STORE_DYNAMIC

/* ---- Symmetric ciphers and modes ----------------------------------------- */
#define MBEDTLS_AES_C
#define MBEDTLS_AESNI_C /* x86-64 AES-NI, chosen at run time */
#define MBEDTLS_AESCE_C /* Armv8 crypto extensions (arm64), chosen at run time */
#define MBEDTLS_GCM_C   /* AES-GCM: the first choice of TLS 1.2 and 1.3 */
#define MBEDTLS_CHACHA20_C
#define MBEDTLS_POLY1305_C
#define MBEDTLS_CHACHAPOLY_C /* ChaCha20-Poly1305: fast without AES hardware */
#define MBEDTLS_CIPHER_C
/* CBC for TLS 1.2 servers that offer ECDHE with AES-CBC-SHA256/384 only;
 * encrypt-then-MAC below is negotiated when the server agrees. */
#define MBEDTLS_CIPHER_MODE_CBC
#define MBEDTLS_CIPHER_PADDING_PKCS7

/* ---- Hashes ------------------------------------------------------------ */
#define MBEDTLS_MD_C
#define MBEDTLS_SHA1_C   /* Sec-WebSocket-Accept (RFC 6455), SHA-1 signed roots */
#define MBEDTLS_SHA224_C /* with SHA-256, as upstream pairs them */
#define MBEDTLS_SHA256_C
#define MBEDTLS_SHA384_C /* TLS_AES_256_GCM_SHA384, ECDSA-P384 chains */
#define MBEDTLS_SHA512_C /* SHA-512 signed certificates */
/* HKDF: the TLS 1.3 key schedule (PSA derives HKDF-Extract/Expand from it). */
#define MBEDTLS_HKDF_C

/* ---- Public key -------------------------------------------------------- */
#define MBEDTLS_BIGNUM_C
#define MBEDTLS_ECP_C
#define MBEDTLS_ECP_NIST_OPTIM
/* The client offers X25519, P-256, P-384 (src/tls/tls.cpp); P-521 stays for
 * verifying chains signed with it. */
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECP_DP_SECP384R1_ENABLED
#define MBEDTLS_ECP_DP_SECP521R1_ENABLED
#define MBEDTLS_ECP_DP_CURVE25519_ENABLED
#define MBEDTLS_ECDH_C
#define MBEDTLS_ECDSA_C
#define MBEDTLS_ECDSA_DETERMINISTIC
#define MBEDTLS_RSA_C /* most public servers and roots are RSA */
#define MBEDTLS_PKCS1_V15
#define MBEDTLS_PKCS1_V21 /* RSA-PSS: TLS 1.3 signs with it */
#define MBEDTLS_PK_C
#define MBEDTLS_PK_PARSE_C
#define MBEDTLS_PK_WRITE_C /* keys handed to PSA in TLS 1.3 */
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C
#define MBEDTLS_OID_C
#define MBEDTLS_BASE64_C    /* PEM, and base64 in the core (src/tls/crypto.h) */
#define MBEDTLS_PEM_PARSE_C /* PEM CA bundles and keys */
#define MBEDTLS_PEM_WRITE_C /* the bench's insecure_ca helper writes the chain as PEM */

/* ---- X.509: verification only ----------------------------------------- */
#define MBEDTLS_X509_USE_C
#define MBEDTLS_X509_CRT_PARSE_C
#define MBEDTLS_X509_RSASSA_PSS_SUPPORT

/* ---- TLS --------------------------------------------------------------- */
#define MBEDTLS_SSL_TLS_C
#define MBEDTLS_SSL_CLI_C /* the library */
#define MBEDTLS_SSL_SRV_C /* consensus-devserver and the in-process test server */
#define MBEDTLS_SSL_PROTO_TLS1_2
#define MBEDTLS_SSL_PROTO_TLS1_3
#define MBEDTLS_SSL_TLS1_3_COMPATIBILITY_MODE
/* TLS 1.3: full handshakes (ephemeral) and, for session resumption,
 * ticket-based PSK with and without a fresh (EC)DHE. */
#define MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_EPHEMERAL_ENABLED
#define MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_PSK_ENABLED
#define MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_PSK_EPHEMERAL_ENABLED
/* TLS 1.2: forward-secret ECDHE only (no static RSA, DHE or PSK). */
#define MBEDTLS_KEY_EXCHANGE_ECDHE_ECDSA_ENABLED
#define MBEDTLS_KEY_EXCHANGE_ECDHE_RSA_ENABLED
#define MBEDTLS_SSL_SERVER_NAME_INDICATION
#define MBEDTLS_SSL_SESSION_TICKETS /* resumption (TLS 1.2 tickets, TLS 1.3 tickets) */
#define MBEDTLS_SSL_MAX_FRAGMENT_LENGTH /* RFC 6066 MFL: lets a device shrink its buffers */
#define MBEDTLS_SSL_EXTENDED_MASTER_SECRET
#define MBEDTLS_SSL_ENCRYPT_THEN_MAC
#define MBEDTLS_SSL_ALL_ALERT_MESSAGES
#define MBEDTLS_SSL_RENEGOTIATION
/* TLS 1.3 needs the peer's certificate kept (check_config.h); the bench's
 * insecure_ca helper reads it too. */
#define MBEDTLS_SSL_KEEP_PEER_CERTIFICATE

/* ---- Record buffers (issue 17: the memory per session) ---------------------
 * Incoming: a server that did not agree to a shorter maximum fragment length
 * (RFC 6066) may send 16 KiB records, so the input buffer holds one (16,384 +
 * 333 B of header and cipher overhead). Outgoing: the client sends short
 * records only. Its handshake messages (ClientHello with a session ticket,
 * ClientKeyExchange, Finished; no client certificate) are well under 4 KiB,
 * and TlsSession::write cuts what it sends (HTTP requests, WebSocket frames)
 * into records of mbedtls_ssl_get_max_out_record_payload(), so the output
 * buffer needs 4,096 (+ 333 B), not 16 KiB: 12 KiB less per session for the
 * whole life of the session. The dev server and the in-process test servers
 * link this build too: they send 4 KiB records (any client reads them).
 * Variable buffer length: after the handshake mbedTLS cuts the input buffer
 * to the fragment length the server agreed to (ClientOptions::
 * tls_max_fragment_bytes, 4 KiB by default): ~12 KiB less per session with a
 * server that accepts MFL (OpenSSL does, in TLS 1.2 and 1.3). Upstream 3.6.6
 * gets this wrong in three ways (a refused or absent MFL still cut the
 * buffer; TLS 1.3 failed with a server that accepts MFL; TLS 1.3 never cut):
 * cmake/mbedtls-3.6-mfl.patch fixes them, scripts/install-mbedtls-3.6
 * applies it. */
#define MBEDTLS_SSL_IN_CONTENT_LEN  16384
#define MBEDTLS_SSL_OUT_CONTENT_LEN 4096
#define MBEDTLS_SSL_VARIABLE_BUFFER_LENGTH

#endif /* CONSENSUS_MBEDTLS_3_6_CONFIG_H */
