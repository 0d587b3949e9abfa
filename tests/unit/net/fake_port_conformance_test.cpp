// SPDX-License-Identifier: MIT
// The port conformance checks (tests/port_conformance) against the FakePort:
// the core's unit tests are written against the fake, so it must keep the
// same contract as a real port. The test plays the peer through the fake's
// script (push, push_eof, ...) and its capture of sent bytes.
#include <string>

#include "fakes/fake_port.h"
#include "port_conformance/conformance.h"

// After the standard headers: CppUTest's leak detector redefines new.
#include "CppUTest/TestHarness.h"

namespace {

using consensus::fake::FakePort;
using consensus::fake::FakeStream;

class FakePeer final : public port_conformance::Peer {
  public:
    explicit FakePeer(FakePort& fp) : fp_(fp) {}

    const char* host() override { return "peer.test"; }
    uint16_t port() override { return 80; }
    uint16_t refused_port() override {
        fp_.stream(fp_.opened()).connect_fails = true;  // the next stream open() hands out
        return 81;
    }
    bool accept() override {
        if (fp_.opened() == 0) return false;
        stream_ = &fp_.last();
        stream_->send_budget = kSocketBuffer;
        return true;
    }
    bool write(const uint8_t* data, size_t len) override {
        stream_->push(data, len);
        return true;
    }
    size_t read(uint8_t* buf, size_t len) override {
        unread_ += stream_->take_sent();
        const size_t n = len < unread_.size() ? len : unread_.size();
        unread_.copy(reinterpret_cast<char*>(buf), n);
        unread_.erase(0, n);
        stream_->send_budget += n;  // what the peer reads frees the "socket buffer"
        return n;
    }
    void finish() override { stream_->push_eof(); }
    void reset() override {
        stream_->push_error();
        stream_->send_error = true;
    }

  private:
    // Not a multiple of the checks' 64 KiB sends, so filling it ends in a
    // short write, as a real socket's would.
    static constexpr size_t kSocketBuffer = 100000;

    FakePort& fp_;
    FakeStream* stream_ = nullptr;
    std::string unread_;  // sent by the port, not yet read by the peer
};

class FakeFixture {
  public:
    void setup() {
        fp_.auto_advance = true;  // wait() with nothing ready "sleeps" its timeout
    }
    void teardown() {
        for (size_t i = 0; i < fp_.opened(); ++i) LONGS_EQUAL(0, fp_.stream(i).calls_after_close);
    }
    port_conformance::Target target() {
        // The fake never reuses a stream (they are numbered by open order):
        // it has no fixed pool, so the pool check is skipped.
        return port_conformance::Target{fp_.port(), &peer_, 0};
    }

  private:
    FakePort fp_;
    FakePeer peer_{fp_};
};

}  // namespace

CWS_PORT_CONFORMANCE_TESTS(FakePortConformance, FakeFixture)
