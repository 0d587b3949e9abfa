// SPDX-License-Identifier: MIT
// Connection with TLS over the fake port, against an in-memory mbedTLS server
// driven by the test: split reads, partial and would-block writes (the
// retry-with-the-same-record rule), pending decrypted bytes, verification
// failures, garbage and EOF during the handshake, close_notify, session
// tickets between records; TLS 1.3 and 1.2 where the mbedTLS line has both
// (common/mbedtls_line.h). Also the error paths of tls_shared_init.
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509.h>
#include <mbedtls/x509_crt.h>
#include <string.h>

#include <string>

#include "CppUTest/TestHarness.h"
#include "common/check_err.h"
#include "common/mbedtls_line.h"
#include "core/rng.h"
#include "fakes/fake_port.h"
#include "heap_wrap.h"
#include "net/connection.h"
#include "test_certs.h"
#include "test_ip_certs.h"
#include "tls/crypto.h"
#include "tls/tls.h"

using consensus::Connection;
using consensus::Error;
using consensus::Rng;
using consensus::TlsShared;
using consensus::fake::FakePort;
using consensus::fake::FakeStream;

namespace {

const uint8_t* u8(const char* s) {
    return reinterpret_cast<const uint8_t*>(s);
}

// The peer: an mbedTLS server whose transport is the fake stream (it reads
// what the client sent and pushes its answers as the client's inbound).
class MemServer {
  public:
    explicit MemServer(FakeStream* s) : stream_(s) {
        mbedtls_ssl_init(&ssl_);
        mbedtls_ssl_config_init(&conf_);
        mbedtls_x509_crt_init(&cert_);
        mbedtls_pk_init(&key_);
    }
    ~MemServer() {
        mbedtls_ssl_free(&ssl_);
        mbedtls_ssl_config_free(&conf_);
        mbedtls_x509_crt_free(&cert_);
        mbedtls_pk_free(&key_);
    }
    // cert_pem / key_pem: NUL-terminated PEM (the server's certificate and key).
    bool setup(const char* cert_pem = test_certs::kServerPem,
               const char* key_pem = test_certs::kServerKeyPem) {
        if (!consensus::tls_crypto_init()) return false;  // PSA on 3.x
        if (rng_.init(rng_port_.port()) != Error::ok) return false;
        if (mbedtls_x509_crt_parse(&cert_, u8(cert_pem), strlen(cert_pem) + 1) != 0) return false;
        if (mbedtls_line::parse_key(&key_, key_pem, &rng_) != 0) return false;
        if (mbedtls_ssl_config_defaults(&conf_, MBEDTLS_SSL_IS_SERVER, MBEDTLS_SSL_TRANSPORT_STREAM,
                                        MBEDTLS_SSL_PRESET_DEFAULT) != 0)
            return false;
        mbedtls_ssl_conf_rng(&conf_, Rng::mbedtls_rng, &rng_);
        mbedtls_ssl_conf_sni(&conf_, on_sni, this);  // records the client's server_name
        if (tls12_only_) mbedtls_line::cap_at_tls12(&conf_);
        // Tickets: TLS 1.2 sends one inside the handshake, TLS 1.3 after it.
        if (tickets_) mbedtls_ssl_conf_session_tickets_cb(&conf_, write_ticket, parse_ticket, this);
        if (mbedtls_ssl_conf_own_cert(&conf_, &cert_, &key_) != 0) return false;
        if (mbedtls_ssl_setup(&ssl_, &conf_) != 0) return false;
        mbedtls_ssl_set_bio(&ssl_, this, bio_send, bio_recv, nullptr);
        return true;
    }
    // One server step: advances the handshake until it is done.
    void step() {
        if (done_) return;
        rc_ = mbedtls_ssl_handshake(&ssl_);
        done_ = rc_ == 0;
    }
    bool done() const { return done_; }
    int write(const std::string& s) { return mbedtls_ssl_write(&ssl_, u8(s.c_str()), s.size()); }
    // Reads whatever application data arrived.
    std::string read_all() {
        std::string out;
        unsigned char buf[512];
        for (;;) {
            const int n = mbedtls_ssl_read(&ssl_, buf, sizeof buf);
            if (n <= 0) {
                last_read_ = n;
                return out;
            }
            out.append(reinterpret_cast<char*>(buf), static_cast<size_t>(n));
        }
    }
    int close_notify() { return mbedtls_ssl_close_notify(&ssl_); }
    int last_read() const { return last_read_; }
    int last_rc() const { return rc_; }
    // Before setup(): offer TLS 1.2 at most / issue session tickets.
    void tls12_only() { tls12_only_ = true; }
    void issue_tickets() { tickets_ = true; }
    int tickets_issued() const { return tickets_issued_; }
    bool tls13() const { return mbedtls_line::is_tls13(&ssl_); }
    unsigned char alert_record_type() const { return mbedtls_line::alert_record_type(&ssl_); }
    // The server_name extensions of the ClientHellos seen, and the last name.
    int sni_calls() const { return sni_calls_; }
    const std::string& sni() const { return sni_; }

  private:
    static int on_sni(void* ctx, mbedtls_ssl_context*, const unsigned char* name, size_t len) {
        MemServer* m = static_cast<MemServer*>(ctx);
        ++m->sni_calls_;
        m->sni_.assign(reinterpret_cast<const char*>(name), len);
        return 0;
    }
    // An opaque ticket the client stores and never reads; the server never
    // takes one back (these tests do not resume).
    static int write_ticket(void* ctx, const mbedtls_ssl_session*, unsigned char* start,
                            const unsigned char* end, size_t* len, uint32_t* lifetime) {
        static const char kTicket[] = "opaque test ticket, 32 bytes...";
        if (end - start < static_cast<long>(sizeof kTicket))
            return MBEDTLS_ERR_SSL_BUFFER_TOO_SMALL;
        memcpy(start, kTicket, sizeof kTicket);
        *len = sizeof kTicket;
        *lifetime = 3600;
        ++static_cast<MemServer*>(ctx)->tickets_issued_;
        return 0;
    }
    static int parse_ticket(void*, mbedtls_ssl_session*, unsigned char*, size_t) {
        return MBEDTLS_ERR_SSL_INVALID_MAC;
    }
    static int bio_send(void* ctx, const unsigned char* b, size_t n) {
        static_cast<MemServer*>(ctx)->stream_->push(b, n);
        return static_cast<int>(n);
    }
    static int bio_recv(void* ctx, unsigned char* b, size_t n) {
        MemServer* m = static_cast<MemServer*>(ctx);
        m->in_ += m->stream_->take_sent();
        if (m->pos_ == m->in_.size()) return MBEDTLS_ERR_SSL_WANT_READ;
        const size_t k = n < m->in_.size() - m->pos_ ? n : m->in_.size() - m->pos_;
        memcpy(b, m->in_.data() + m->pos_, k);
        m->pos_ += k;
        return static_cast<int>(k);
    }

    FakeStream* stream_;
    FakePort rng_port_;
    Rng rng_;
    mbedtls_ssl_context ssl_;
    mbedtls_ssl_config conf_;
    mbedtls_x509_crt cert_;
    mbedtls_pk_context key_;
    std::string in_;
    size_t pos_ = 0;
    bool done_ = false;
    int rc_ = 0;
    int last_read_ = 0;
    int sni_calls_ = 0;
    std::string sni_;
    bool tls12_only_ = false;
    bool tickets_ = false;
    int tickets_issued_ = 0;
};

}  // namespace

TEST_GROUP(TlsFake) {
    FakePort fp;
    Rng rng;
    TlsShared tls;
    Connection conn;

    void setup() override {
        fp.random_next = 100;  // client and server DRBGs differ
        CHECK_ERR(Error::ok, rng.init(fp.port()));
    }
    void teardown() override {
        conn.close();
        consensus::tls_shared_free(&tls);
    }
    void trust(const char* pem, size_t len) {
        CHECK_ERR(Error::ok, tls_shared_init(&tls, &rng, pem, len, nullptr));
    }
    // Runs client and server until the client's handshake ends.
    Error handshake(MemServer & srv, const char* host = "localhost") {
        CHECK_ERR(Error::ok, conn.open(fp.port(), &tls, host, 443));
        for (int i = 0; i < 2000; ++i) {
            const Error e = conn.progress();
            if (e != Error::would_block) {
                srv.step();  // let the server read the client's last flight
                return e;
            }
            srv.step();
        }
        return Error::timeout;
    }
};

TEST(TlsFake, HandshakeWithSplitReadsAndPartialWrites) {
    trust(test_certs::kCaPem, sizeof test_certs::kCaPem);
    fp.stream(0).chunk = 1;       // every recv delivers one byte
    fp.stream(0).send_limit = 7;  // every send takes at most 7 bytes
    MemServer srv(&fp.stream(0));
    CHECK_TRUE(srv.setup());
    CHECK_ERR(Error::ok, handshake(srv));
    CHECK_TRUE(srv.done());
    CHECK_TRUE(conn.is_open());
    LONGS_EQUAL(0, conn.verify_flags());

    LONGS_EQUAL(5, conn.send(u8("hello"), 5));
    STRCMP_EQUAL("hello", srv.read_all().c_str());
    LONGS_EQUAL(5, srv.write("world"));
    std::string got;
    uint8_t buf[16];
    for (int i = 0; i < 200 && got.size() < 5; ++i) {
        const long n = conn.recv(buf, sizeof buf);
        if (n > 0) got.append(reinterpret_cast<char*>(buf), static_cast<size_t>(n));
    }
    STRCMP_EQUAL("world", got.c_str());
}

TEST(TlsFake, WouldBlockSendIsRetriedWithTheSameRecord) {
    trust(test_certs::kCaPem, sizeof test_certs::kCaPem);
    MemServer srv(&fp.stream(0));
    CHECK_TRUE(srv.setup());
    CHECK_ERR(Error::ok, handshake(srv));
    conn.set_interest(true, false);

    std::string data(200, 'a');
    for (size_t i = 100; i < 200; ++i) data[i] = 'b';
    fp.stream(0).send_would_block = true;
    LONGS_EQUAL(CWS_IO_WOULD_BLOCK, conn.send(u8(data.c_str()), 100));
    fp.stream(0).send_would_block = false;
    // The caller now offers more; the pending 100-byte record goes out first.
    LONGS_EQUAL(100, conn.send(u8(data.c_str()), 200));
    LONGS_EQUAL(100, conn.send(u8(data.c_str()) + 100, 100));
    CHECK_TRUE(srv.read_all() == data);
}

TEST(TlsFake, PartiallyFlushedRecordIsRetried) {
    trust(test_certs::kCaPem, sizeof test_certs::kCaPem);
    MemServer srv(&fp.stream(0));
    CHECK_TRUE(srv.setup());
    CHECK_ERR(Error::ok, handshake(srv));
    // The socket takes 50 bytes, then is full: the record leaves in pieces
    // across several Connection::send retries, each offering more data.
    std::string data(300, 'z');
    data += std::string(100, 'y');
    fp.stream(0).send_limit = 10;
    fp.stream(0).send_budget = 50;
    LONGS_EQUAL(CWS_IO_WOULD_BLOCK, conn.send(u8(data.c_str()), 300));
    LONGS_EQUAL(50u, fp.stream(0).sent_size());
    fp.stream(0).send_budget = 50;
    LONGS_EQUAL(CWS_IO_WOULD_BLOCK, conn.send(u8(data.c_str()), 350));
    fp.stream(0).send_budget = SIZE_MAX;
    LONGS_EQUAL(300, conn.send(u8(data.c_str()), 400));
    LONGS_EQUAL(100, conn.send(u8(data.c_str()) + 300, 100));
    CHECK_TRUE(srv.read_all() == data);
}

TEST(TlsFake, RetryWithFewerBytesIsACallerBug) {
    trust(test_certs::kCaPem, sizeof test_certs::kCaPem);
    MemServer srv(&fp.stream(0));
    CHECK_TRUE(srv.setup());
    CHECK_ERR(Error::ok, handshake(srv));
    fp.stream(0).send_would_block = true;
    LONGS_EQUAL(CWS_IO_WOULD_BLOCK, conn.send(u8("0123456789"), 10));
    fp.stream(0).send_would_block = false;
    LONGS_EQUAL(CWS_IO_ERROR, conn.send(u8("0123"), 4));
    CHECK_ERR(Error::invalid_params, conn.last_error());
    CHECK_TRUE(fp.stream(0).closed);
}

TEST(TlsFake, PendingDecryptedBytesAreReadable) {
    trust(test_certs::kCaPem, sizeof test_certs::kCaPem);
    MemServer srv(&fp.stream(0));
    CHECK_TRUE(srv.setup());
    CHECK_ERR(Error::ok, handshake(srv));
    const std::string msg(100, 'm');
    LONGS_EQUAL(100, srv.write(msg));
    uint8_t buf[100];
    LONGS_EQUAL(10, conn.recv(buf, 10));
    CHECK_TRUE(conn.has_pending());
    conn.set_interest(true, false);
    fp.port().ops->wait(fp.port().ctx, 0);  // the fake stream itself is drained
    CHECK_TRUE(conn.readable());
    LONGS_EQUAL(90, conn.recv(buf, sizeof buf));
    CHECK_FALSE(conn.has_pending());
    LONGS_EQUAL(CWS_IO_WOULD_BLOCK, conn.recv(buf, sizeof buf));
}

TEST(TlsFake, WrongHostIsCertInvalid) {
    trust(test_certs::kCaPem, sizeof test_certs::kCaPem);
    MemServer srv(&fp.stream(0));
    CHECK_TRUE(srv.setup());
    CHECK_ERR(Error::cert_invalid, handshake(srv, "wrong.example"));
    CHECK_TRUE((conn.verify_flags() & MBEDTLS_X509_BADCERT_CN_MISMATCH) != 0);
    CHECK_TRUE(fp.stream(0).closed);
    STRCMP_EQUAL("wrong.example", fp.stream(0).host.c_str());
}

TEST(TlsFake, DnsHostIsSentAsSni) {
    trust(test_certs::kCaPem, sizeof test_certs::kCaPem);
    MemServer srv(&fp.stream(0));
    CHECK_TRUE(srv.setup());
    CHECK_ERR(Error::ok, handshake(srv));
    LONGS_EQUAL(1, srv.sni_calls());
    STRCMP_EQUAL("localhost", srv.sni().c_str());
}

// ---- IP literal hosts: iPAddress SANs only, no SNI ----

TEST(TlsFake, Ipv4HostMatchesAnIpv4San) {
    trust(test_ip_certs::kIpCaPem, sizeof test_ip_certs::kIpCaPem);
    MemServer srv(&fp.stream(0));
    CHECK_TRUE(srv.setup(test_ip_certs::kIpServerPem, test_ip_certs::kIpLeafKeyPem));
    CHECK_ERR(Error::ok, handshake(srv, "127.0.0.1"));
    CHECK_TRUE(srv.done());
    LONGS_EQUAL(0, conn.verify_flags());
    LONGS_EQUAL(0, srv.sni_calls());  // RFC 6066: no address in server_name
    STRCMP_EQUAL("127.0.0.1", fp.stream(0).host.c_str());
    LONGS_EQUAL(5, conn.send(u8("hello"), 5));
    STRCMP_EQUAL("hello", srv.read_all().c_str());
}

TEST(TlsFake, Ipv6HostMatchesAnIpv6San) {
    trust(test_ip_certs::kIpCaPem, sizeof test_ip_certs::kIpCaPem);
    MemServer srv(&fp.stream(0));
    CHECK_TRUE(srv.setup(test_ip_certs::kIpServerPem, test_ip_certs::kIpLeafKeyPem));
    CHECK_ERR(Error::ok, handshake(srv, "::1"));
    LONGS_EQUAL(0, conn.verify_flags());
    LONGS_EQUAL(0, srv.sni_calls());
}

TEST(TlsFake, Ipv6HostIsComparedAsBytesNotText) {
    trust(test_ip_certs::kIpCaPem, sizeof test_ip_certs::kIpCaPem);
    MemServer srv(&fp.stream(0));
    CHECK_TRUE(srv.setup(test_ip_certs::kIpServerPem, test_ip_certs::kIpLeafKeyPem));
    CHECK_ERR(Error::ok, handshake(srv, "0:0:0:0:0:0:0:0001"));
    LONGS_EQUAL(0, conn.verify_flags());
}

TEST(TlsFake, DnsHostStillMatchesDnsSanOfAnIpCertificate) {
    trust(test_ip_certs::kIpCaPem, sizeof test_ip_certs::kIpCaPem);
    MemServer srv(&fp.stream(0));
    CHECK_TRUE(srv.setup(test_ip_certs::kIpServerPem, test_ip_certs::kIpLeafKeyPem));
    CHECK_ERR(Error::ok, handshake(srv, "localhost"));
    LONGS_EQUAL(0, conn.verify_flags());
    STRCMP_EQUAL("localhost", srv.sni().c_str());
}

namespace {

// The handshake for `host` against `cert` (signed by the IP test CA) fails on
// the name alone: the chain is trusted, the address matches no iPAddress SAN.
void check_ip_name_rejected(Error got, const Connection& conn, FakeStream& stream,
                            const MemServer& srv) {
    CHECK_ERR(Error::cert_invalid, got);
    LONGS_EQUAL(MBEDTLS_X509_BADCERT_CN_MISMATCH, conn.verify_flags());
    LONGS_EQUAL(0, srv.sni_calls());
    CHECK_TRUE(stream.closed);
}

}  // namespace

TEST(TlsFake, Ipv4HostMismatchIsCertInvalid) {
    trust(test_ip_certs::kIpCaPem, sizeof test_ip_certs::kIpCaPem);
    MemServer srv(&fp.stream(0));
    CHECK_TRUE(srv.setup(test_ip_certs::kIp2ServerPem, test_ip_certs::kIpLeafKeyPem));
    const Error e = handshake(srv, "127.0.0.1");  // the certificate names 127.0.0.2
    check_ip_name_rejected(e, conn, fp.stream(0), srv);
}

TEST(TlsFake, Ipv4HostAbsentFromTheSansIsCertInvalid) {
    trust(test_ip_certs::kIpCaPem, sizeof test_ip_certs::kIpCaPem);
    MemServer srv(&fp.stream(0));
    CHECK_TRUE(srv.setup(test_ip_certs::kIpServerPem, test_ip_certs::kIpLeafKeyPem));
    const Error e = handshake(srv, "127.0.0.2");
    check_ip_name_rejected(e, conn, fp.stream(0), srv);
}

TEST(TlsFake, IpHostNeverMatchesTheCn) {
    trust(test_ip_certs::kIpCaPem, sizeof test_ip_certs::kIpCaPem);
    MemServer srv(&fp.stream(0));
    CHECK_TRUE(srv.setup(test_ip_certs::kCnIpServerPem, test_ip_certs::kIpLeafKeyPem));
    const Error e = handshake(srv, "127.0.0.1");  // CN=127.0.0.1, SAN DNS:localhost
    check_ip_name_rejected(e, conn, fp.stream(0), srv);
}

TEST(TlsFake, IpHostNeverFallsBackToTheCn) {
    trust(test_ip_certs::kIpCaPem, sizeof test_ip_certs::kIpCaPem);
    MemServer srv(&fp.stream(0));
    CHECK_TRUE(srv.setup(test_ip_certs::kNoSanIpPem, test_ip_certs::kIpLeafKeyPem));
    const Error e = handshake(srv, "127.0.0.1");  // CN=127.0.0.1, no SAN at all
    check_ip_name_rejected(e, conn, fp.stream(0), srv);
}

TEST(TlsFake, IpHostNeverMatchesADnsSan) {
    trust(test_ip_certs::kIpCaPem, sizeof test_ip_certs::kIpCaPem);
    MemServer srv(&fp.stream(0));
    CHECK_TRUE(srv.setup(test_ip_certs::kDnsIpServerPem, test_ip_certs::kIpLeafKeyPem));
    const Error e = handshake(srv, "127.0.0.1");  // SAN DNS:127.0.0.1
    check_ip_name_rejected(e, conn, fp.stream(0), srv);
}

TEST(TlsFake, MappedIpv6HostIsNotTheIpv4San) {
    trust(test_ip_certs::kIpCaPem, sizeof test_ip_certs::kIpCaPem);
    MemServer srv(&fp.stream(0));
    CHECK_TRUE(srv.setup(test_ip_certs::kIpServerPem, test_ip_certs::kIpLeafKeyPem));
    const Error e = handshake(srv, "::ffff:127.0.0.1");  // 16 bytes; the SAN holds 4
    check_ip_name_rejected(e, conn, fp.stream(0), srv);
}

TEST(TlsFake, IpHostStillNeedsATrustedChain) {
    trust(test_certs::kCaPem, sizeof test_certs::kCaPem);  // not the IP test CA
    MemServer srv(&fp.stream(0));
    CHECK_TRUE(srv.setup(test_ip_certs::kIpServerPem, test_ip_certs::kIpLeafKeyPem));
    CHECK_ERR(Error::cert_invalid, handshake(srv, "127.0.0.1"));
    // The address matches; the issuer is unknown.
    LONGS_EQUAL(MBEDTLS_X509_BADCERT_NOT_TRUSTED, conn.verify_flags());
}

TEST(TlsFake, IpHostMismatchAndUntrustedChainAreBothReported) {
    trust(test_certs::kCaPem, sizeof test_certs::kCaPem);
    MemServer srv(&fp.stream(0));
    CHECK_TRUE(srv.setup(test_ip_certs::kIp2ServerPem, test_ip_certs::kIpLeafKeyPem));
    CHECK_ERR(Error::cert_invalid, handshake(srv, "127.0.0.1"));
    LONGS_EQUAL(MBEDTLS_X509_BADCERT_NOT_TRUSTED | MBEDTLS_X509_BADCERT_CN_MISMATCH,
                conn.verify_flags());
}

TEST(TlsFake, ReopenFromIpHostToDnsHostLeavesNoIpCheckBehind) {
    trust(test_ip_certs::kIpCaPem, sizeof test_ip_certs::kIpCaPem);
    {
        MemServer srv(&fp.stream(0));
        CHECK_TRUE(srv.setup(test_ip_certs::kIpServerPem, test_ip_certs::kIpLeafKeyPem));
        CHECK_ERR(Error::ok, handshake(srv, "127.0.0.1"));
    }
    // The same connection, now to a name, on a certificate without any
    // iPAddress SAN: mbedTLS's name check alone decides.
    MemServer srv(&fp.stream(1));
    CHECK_TRUE(srv.setup(test_ip_certs::kCnIpServerPem, test_ip_certs::kIpLeafKeyPem));
    CHECK_ERR(Error::ok, handshake(srv, "localhost"));
    LONGS_EQUAL(0, conn.verify_flags());
    STRCMP_EQUAL("localhost", srv.sni().c_str());
}

TEST(TlsFake, HostWithColonsThatIsNoAddressIsInvalidParams) {
    trust(test_ip_certs::kIpCaPem, sizeof test_ip_certs::kIpCaPem);
    CHECK_ERR(Error::invalid_params, conn.open(fp.port(), &tls, "fe80::1%eth0", 443));
    CHECK_ERR(Error::invalid_params, conn.open(fp.port(), &tls, "localhost:443", 443));
    LONGS_EQUAL(0, fp.open_calls());
}

TEST(TlsFake, UntrustedChainIsCertInvalid) {
    trust(test_certs::kOtherCaPem, sizeof test_certs::kOtherCaPem);
    MemServer srv(&fp.stream(0));
    CHECK_TRUE(srv.setup());
    CHECK_ERR(Error::cert_invalid, handshake(srv));
    CHECK_TRUE((conn.verify_flags() & MBEDTLS_X509_BADCERT_NOT_TRUSTED) != 0);
}

TEST(TlsFake, GarbageInsteadOfServerHelloIsTlsFailed) {
    trust(test_certs::kCaPem, sizeof test_certs::kCaPem);
    fp.stream(0).push("HTTP/1.1 400 Bad Request\r\n\r\n");
    CHECK_ERR(Error::ok, conn.open(fp.port(), &tls, "localhost", 443));
    Error e = Error::would_block;
    for (int i = 0; i < 10 && e == Error::would_block; ++i) e = conn.progress();
    CHECK_ERR(Error::tls_failed, e);
    CHECK(conn.tls_error_code() != 0);
    CHECK_TRUE(fp.stream(0).closed);
}

TEST(TlsFake, EofDuringHandshakeIsTlsFailed) {
    trust(test_certs::kCaPem, sizeof test_certs::kCaPem);
    fp.stream(0).push_eof();
    CHECK_ERR(Error::ok, conn.open(fp.port(), &tls, "localhost", 443));
    Error e = Error::would_block;
    for (int i = 0; i < 10 && e == Error::would_block; ++i) e = conn.progress();
    CHECK_ERR(Error::tls_failed, e);
}

TEST(TlsFake, HandshakeWaitsForWriteThenRead) {
    trust(test_certs::kCaPem, sizeof test_certs::kCaPem);
    CHECK_ERR(Error::ok, conn.open(fp.port(), &tls, "localhost", 443));
    CHECK_FALSE(conn.handshaking());  // TCP first: a session says `connecting`
    fp.stream(0).send_would_block = true;
    CHECK_ERR(Error::would_block, conn.progress());  // ClientHello cannot leave
    CHECK(conn.handshaking());                       // what a session reports as `tls_handshake`
    CHECK(conn.tls_version() == nullptr);            // nothing negotiated yet
    LONGS_EQUAL(CWS_WANT_WRITE, fp.stream(0).interest);
    fp.stream(0).send_would_block = false;
    CHECK_ERR(Error::would_block, conn.progress());  // sent; now waits for ServerHello
    LONGS_EQUAL(CWS_WANT_READ, fp.stream(0).interest);
    CHECK(fp.stream(0).sent_size() > 0);
}

TEST(TlsFake, TransportErrorAfterOpenIsClosed) {
    trust(test_certs::kCaPem, sizeof test_certs::kCaPem);
    MemServer srv(&fp.stream(0));
    CHECK_TRUE(srv.setup());
    CHECK_ERR(Error::ok, handshake(srv));
    fp.stream(0).push_error();
    uint8_t buf[8];
    LONGS_EQUAL(CWS_IO_ERROR, conn.recv(buf, sizeof buf));
    CHECK_ERR(Error::closed, conn.last_error());
}

TEST(TlsFake, ServerCloseNotifyIsClosed) {
    trust(test_certs::kCaPem, sizeof test_certs::kCaPem);
    MemServer srv(&fp.stream(0));
    CHECK_TRUE(srv.setup());
    CHECK_ERR(Error::ok, handshake(srv));
    LONGS_EQUAL(0, srv.close_notify());
    uint8_t buf[8];
    LONGS_EQUAL(CWS_IO_CLOSED, conn.recv(buf, sizeof buf));
    CHECK_ERR(Error::closed, conn.last_error());
    CHECK_FALSE(conn.is_active());
}

TEST(TlsFake, EofAfterOpenIsClosed) {
    trust(test_certs::kCaPem, sizeof test_certs::kCaPem);
    MemServer srv(&fp.stream(0));
    CHECK_TRUE(srv.setup());
    CHECK_ERR(Error::ok, handshake(srv));
    fp.stream(0).push_eof();
    uint8_t buf[8];
    LONGS_EQUAL(CWS_IO_CLOSED, conn.recv(buf, sizeof buf));
}

TEST(TlsFake, CloseSendsCloseNotifyOnce) {
    trust(test_certs::kCaPem, sizeof test_certs::kCaPem);
    MemServer srv(&fp.stream(0));
    CHECK_TRUE(srv.setup());
    CHECK_ERR(Error::ok, handshake(srv));
    fp.stream(0).take_sent();
    conn.close();
    const std::string alert = fp.stream(0).sent();
    CHECK(alert.size() > 5);
    LONGS_EQUAL(srv.alert_record_type(), static_cast<unsigned char>(alert[0]));
    CHECK_TRUE(fp.stream(0).closed);
    conn.close();
    LONGS_EQUAL(0, fp.stream(0).calls_after_close);
    srv.read_all();
    LONGS_EQUAL(MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY, srv.last_read());
}

// ---- protocol versions and session tickets ----

namespace {

// "hello" out, "world" back over an open connection.
void exchange(Connection& conn, MemServer& srv) {
    LONGS_EQUAL(5, conn.send(u8("hello"), 5));
    STRCMP_EQUAL("hello", srv.read_all().c_str());
    LONGS_EQUAL(5, srv.write("world"));
    uint8_t buf[16];
    LONGS_EQUAL(5, conn.recv(buf, sizeof buf));
    CHECK_TRUE(memcmp(buf, "world", 5) == 0);
}

}  // namespace

TEST(TlsFake, NegotiatesTls13WhereTheLineHasIt) {
    trust(test_certs::kCaPem, sizeof test_certs::kCaPem);
    MemServer srv(&fp.stream(0));
    CHECK_TRUE(srv.setup());
    CHECK_ERR(Error::ok, handshake(srv));
    CHECK_EQUAL(mbedtls_line::kHasTls13, srv.tls13());
    STRCMP_EQUAL(mbedtls_line::kHasTls13 ? "TLSv1.3" : "TLSv1.2", conn.tls_version());
    CHECK_FALSE(conn.tls_no_common_version());
    exchange(conn, srv);
}

TEST(TlsFake, Tls12ServerStillWorks) {
    trust(test_certs::kCaPem, sizeof test_certs::kCaPem);
    MemServer srv(&fp.stream(0));
    srv.tls12_only();
    CHECK_TRUE(srv.setup());
    CHECK_ERR(Error::ok, handshake(srv));
    CHECK_FALSE(srv.tls13());
    STRCMP_EQUAL("TLSv1.2", conn.tls_version());
    exchange(conn, srv);
    fp.stream(0).take_sent();
    conn.close();
    CHECK(conn.tls_version() == nullptr);  // no connection, no version
    LONGS_EQUAL(0x15, static_cast<unsigned char>(fp.stream(0).sent()[0]));  // alert, in the clear
    srv.read_all();
    LONGS_EQUAL(MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY, srv.last_read());
}

// TLS 1.3 servers send NewSessionTicket after the handshake, before or
// between data records (OpenSSL sends two); mbedTLS 3.x reports each from
// mbedtls_ssl_read. A ticket is no data and no error: the read goes on.
TEST(TlsFake, SessionTicketAloneIsNoDataYet) {
    trust(test_certs::kCaPem, sizeof test_certs::kCaPem);
    MemServer srv(&fp.stream(0));
    srv.issue_tickets();
    CHECK_TRUE(srv.setup());
    CHECK_ERR(Error::ok, handshake(srv));
    CHECK(srv.tickets_issued() >= 1);
    uint8_t buf[16];
    LONGS_EQUAL(CWS_IO_WOULD_BLOCK, conn.recv(buf, sizeof buf));
    CHECK_FALSE(conn.has_pending());
    CHECK_TRUE(conn.is_open());
    exchange(conn, srv);
}

TEST(TlsFake, SessionTicketThenDataIsReadInOneCall) {
    trust(test_certs::kCaPem, sizeof test_certs::kCaPem);
    fp.stream(0).chunk = 3;  // the ticket record arrives in pieces too
    MemServer srv(&fp.stream(0));
    srv.issue_tickets();
    CHECK_TRUE(srv.setup());
    CHECK_ERR(Error::ok, handshake(srv));
    LONGS_EQUAL(5, srv.write("world"));  // queued behind the ticket
    std::string got;
    uint8_t buf[16];
    for (int i = 0; i < 200 && got.size() < 5; ++i) {
        const long n = conn.recv(buf, sizeof buf);
        CHECK(n > 0 || n == CWS_IO_WOULD_BLOCK);
        if (n > 0) got.append(reinterpret_cast<char*>(buf), static_cast<size_t>(n));
    }
    STRCMP_EQUAL("world", got.c_str());
    CHECK_TRUE(conn.is_open());
}

TEST(TlsFake, Tls12SessionTicketInTheHandshake) {
    trust(test_certs::kCaPem, sizeof test_certs::kCaPem);
    MemServer srv(&fp.stream(0));
    srv.tls12_only();
    srv.issue_tickets();
    CHECK_TRUE(srv.setup());
    CHECK_ERR(Error::ok, handshake(srv));
    LONGS_EQUAL(1, srv.tickets_issued());
    exchange(conn, srv);
}

// ---- no protocol version in common ----

namespace {

// A TLS 1.2 record of the given content type carrying `body`, in the clear.
std::string record(uint8_t type, const std::string& body) {
    std::string r;
    r += static_cast<char>(type);
    r += "\x03\x03";
    r += static_cast<char>(body.size() >> 8);
    r += static_cast<char>(body.size() & 0xFF);
    return r + body;
}

// What an OpenSSL 3 server limited to TLS 1.3 answers a ClientHello without
// TLS 1.3 (mbedTLS 2.28's): a fatal protocol_version (70) alert.
const std::string kProtocolVersionAlert = record(21, std::string("\x02\x46", 2));

// A ServerHello that picks TLS 1.1 (0x0302), no supported_versions: a server
// whose newest version is older than the client's oldest (1.2).
std::string tls11_server_hello() {
    std::string hello("\x03\x02", 2);  // server_version
    hello += std::string(32, '\x11');  // random (no downgrade sentinel)
    hello += std::string("\x00", 1);   // session id: empty
    hello += "\xc0\x2b";               // TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
    hello += std::string("\x00", 1);   // compression: null
    std::string msg("\x02\x00", 2);    // server_hello, 24-bit length
    msg += static_cast<char>(hello.size() >> 8);
    msg += static_cast<char>(hello.size() & 0xFF);
    return record(22, msg + hello);
}

}  // namespace

TEST(TlsFake, ProtocolVersionAlertIsNoCommonVersion) {
    trust(test_certs::kCaPem, sizeof test_certs::kCaPem);
    fp.stream(0).chunk = 1;  // the alert arrives byte by byte
    fp.stream(0).push(kProtocolVersionAlert);
    CHECK_ERR(Error::ok, conn.open(fp.port(), &tls, "localhost", 443));
    Error e = Error::would_block;
    for (int i = 0; i < 50 && e == Error::would_block; ++i) e = conn.progress();
    CHECK_ERR(Error::tls_failed, e);
    LONGS_EQUAL(MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE, conn.tls_error_code());
    CHECK_TRUE(conn.tls_no_common_version());
    CHECK(conn.tls_version() == nullptr);
}

TEST(TlsFake, OtherFatalAlertIsNotAVersionProblem) {
    trust(test_certs::kCaPem, sizeof test_certs::kCaPem);
    fp.stream(0).push(record(21, std::string("\x02\x28", 2)));  // handshake_failure (40)
    CHECK_ERR(Error::ok, conn.open(fp.port(), &tls, "localhost", 443));
    Error e = Error::would_block;
    for (int i = 0; i < 10 && e == Error::would_block; ++i) e = conn.progress();
    CHECK_ERR(Error::tls_failed, e);
    LONGS_EQUAL(MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE, conn.tls_error_code());
    CHECK_FALSE(conn.tls_no_common_version());
}

TEST(TlsFake, ServerChoosingAnOlderVersionIsNoCommonVersion) {
    trust(test_certs::kCaPem, sizeof test_certs::kCaPem);
    fp.stream(0).push(tls11_server_hello());
    CHECK_ERR(Error::ok, conn.open(fp.port(), &tls, "localhost", 443));
    Error e = Error::would_block;
    for (int i = 0; i < 10 && e == Error::would_block; ++i) e = conn.progress();
    CHECK_ERR(Error::tls_failed, e);
    LONGS_EQUAL(-0x6E80, conn.tls_error_code());  // BAD_(HS_)PROTOCOL_VERSION on both lines
    CHECK_TRUE(conn.tls_no_common_version());
}

TEST(TlsFake, VersionVerdictIsClearedByTheNextConnection) {
    trust(test_certs::kCaPem, sizeof test_certs::kCaPem);
    fp.stream(0).push(kProtocolVersionAlert);
    CHECK_ERR(Error::ok, conn.open(fp.port(), &tls, "localhost", 443));
    Error e = Error::would_block;
    for (int i = 0; i < 10 && e == Error::would_block; ++i) e = conn.progress();
    CHECK_ERR(Error::tls_failed, e);
    CHECK_TRUE(conn.tls_no_common_version());
    MemServer srv(&fp.stream(1));
    CHECK_TRUE(srv.setup());
    CHECK_ERR(Error::ok, handshake(srv));
    CHECK_FALSE(conn.tls_no_common_version());
    CHECK(conn.tls_version() != nullptr);
}

TEST(TlsFake, HostLongerThanMbedtlsAllowsIsInvalidParams) {
    trust(test_certs::kCaPem, sizeof test_certs::kCaPem);
    const std::string host(300, 'h');
    CHECK_ERR(Error::invalid_params, conn.open(fp.port(), &tls, host.c_str(), 443));
    LONGS_EQUAL(0, fp.open_calls());
}

TEST(TlsFake, OpenErrorsReleaseTheTlsContext) {
    trust(test_certs::kCaPem, sizeof test_certs::kCaPem);
    fp.script_open(CWS_OPEN_DNS_FAILED);
    CHECK_ERR(Error::dns_failed, conn.open(fp.port(), &tls, "localhost", 443));
    CHECK_FALSE(conn.is_active());
    MemServer srv(&fp.stream(0));
    CHECK_TRUE(srv.setup());
    CHECK_ERR(Error::ok, handshake(srv));
}

// ---- the mbedtls_ssl_context: mbedTLS's heap, at connect only ----

// The session holds a pointer to its context, not the context: a connection
// that never starts TLS (ws://) does not carry it.
TEST(TlsFake, SessionDoesNotEmbedTheTlsContext) {
    CHECK(sizeof(consensus::TlsSession) < sizeof(mbedtls_ssl_context));
}

// The first thing a TLS open allocates is the context itself; when the heap
// refuses it, the open fails with no_resources before any stream is taken,
// and the next open works.
TEST(TlsFake, RefusedTlsContextIsNoResources) {
    trust(test_certs::kCaPem, sizeof test_certs::kCaPem);
    heap_wrap::start(1);  // the next calloc fails
    const Error e = conn.open(fp.port(), &tls, "localhost", 443);
    heap_wrap::stop();
    LONGS_EQUAL(1, heap_wrap::failed());
    LONGS_EQUAL(1, heap_wrap::callocs());  // nothing after the refused context
    CHECK_ERR(Error::no_resources, e);
    CHECK_ERR(Error::no_resources, conn.last_error());
    LONGS_EQUAL(MBEDTLS_ERR_SSL_ALLOC_FAILED, conn.tls_error_code());
    CHECK_FALSE(conn.is_active());
    LONGS_EQUAL(0, fp.open_calls());
    CHECK(conn.tls_version() == nullptr);
    MemServer srv(&fp.stream(0));
    CHECK_TRUE(srv.setup());
    CHECK_ERR(Error::ok, handshake(srv));
}

// What a TLS open takes from the heap (the context; with a static mbedTLS,
// its buffers too) close() gives back; a plain open takes nothing.
TEST(TlsFake, CloseReturnsWhatTheTlsOpenTook) {
    trust(test_certs::kCaPem, sizeof test_certs::kCaPem);
    heap_wrap::start();
    CHECK_ERR(Error::ok, conn.open(fp.port(), &tls, "localhost", 443));
    const size_t taken = heap_wrap::callocs();
    conn.close();
    heap_wrap::stop();
    CHECK(taken >= 1);
    LONGS_EQUAL(taken, heap_wrap::frees());

    heap_wrap::start();
    CHECK_ERR(Error::ok, conn.open(fp.port(), nullptr, "localhost", 80));
    conn.close();
    heap_wrap::stop();
    LONGS_EQUAL(0, heap_wrap::callocs());
    LONGS_EQUAL(0, heap_wrap::frees());
}

// ---- tls_shared_init ----

TEST(TlsFake, SharedNeedsACa) {
    CHECK_ERR(Error::invalid_config, tls_shared_init(&tls, &rng, nullptr, 0, nullptr));
    CHECK_FALSE(tls.initialized);
}

TEST(TlsFake, SharedRejectsGarbagePem) {
    const char junk[] = "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n";
    CHECK_ERR(Error::invalid_config, tls_shared_init(&tls, &rng, junk, sizeof junk, nullptr));
}

TEST(TlsFake, SharedRejectsMissingFile) {
    CHECK_ERR(Error::invalid_config,
              tls_shared_init(&tls, &rng, nullptr, 0, "/nonexistent/ca-bundle.pem"));
}

TEST(TlsFake, SharedNeedsAReadyRng) {
    Rng cold;
    CHECK_ERR(Error::invalid_config,
              tls_shared_init(&tls, &cold, test_certs::kCaPem, sizeof test_certs::kCaPem, nullptr));
    CHECK_ERR(Error::invalid_config, tls_shared_init(&tls, nullptr, test_certs::kCaPem,
                                                     sizeof test_certs::kCaPem, nullptr));
}

TEST(TlsFake, SharedTakesAnRfc6066FragmentLengthOrZero) {
    for (uint16_t ok : {0, 512, 1024, 2048, 4096}) {
        CHECK_ERR(Error::ok, tls_shared_init(&tls, &rng, test_certs::kCaPem,
                                             sizeof test_certs::kCaPem, nullptr, ok));
        consensus::tls_shared_free(&tls);
    }
    for (uint16_t bad : {1, 3000, 16384}) {
        CHECK_ERR(Error::invalid_config, tls_shared_init(&tls, &rng, test_certs::kCaPem,
                                                         sizeof test_certs::kCaPem, nullptr, bad));
        CHECK_FALSE(tls.initialized);
    }
}

TEST(TlsFake, SharedAcceptsTwoCasAndFreesTwice) {
    std::string both = std::string(test_certs::kCaPem) + test_certs::kOtherCaPem;
    CHECK_ERR(Error::ok, tls_shared_init(&tls, &rng, both.c_str(), both.size() + 1, nullptr));
    CHECK_TRUE(tls.initialized);
    consensus::tls_shared_free(&tls);
    CHECK_FALSE(tls.initialized);
    consensus::tls_shared_free(&tls);
}
