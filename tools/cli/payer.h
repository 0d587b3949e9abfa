/* SPDX-License-Identifier: MIT */
// `--payer CMD`: one child process per 402 challenge, run through /bin/sh -c,
// without blocking the poll loop. The challenge JSON goes to the child's
// stdin; its stdout (trimmed) is the PAYMENT-SIGNATURE value; exit 0 = paid,
// anything else (or no output, or output that is not a header value) = refused.
#pragma once

#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "consensus/payment.h"

namespace consensus {
namespace cli {

/// Largest payment header a payer may print (the library's bound is smaller
/// or equal; Config::max_payment_header).
constexpr size_t kMaxPayerOutput = 8192;
/// Largest challenge written to a payer's stdin: it must fit an empty pipe
/// (64 KiB on Linux) so the write never blocks.
constexpr size_t kMaxChallengeToPayer = 60000;

struct PayerJob {
    bool active = false;
    pid_t pid = -1;
    int out_fd = -1;  // child's stdout, non-blocking; -1 once EOF was read
    PaymentTicket ticket;
    bool overflow = false;
    size_t size = 0;
    char out[kMaxPayerOutput];
};

/// Called once per job with the outcome. `header` is valid during the call.
using PayerDone = void (*)(void* user, PaymentTicket ticket, bool paid, const char* header,
                           size_t size);

/// A fixed pool of payer jobs over caller memory.
class PayerPool {
  public:
    void init(PayerJob* jobs, size_t count, const char* command, PayerDone done, void* user);
    /// Starts the command for one challenge. False when no job slot is free,
    /// the challenge is too large, or the process could not start (the caller
    /// then refuses the payment).
    bool start(const char* challenge_json, size_t size, PaymentTicket ticket);
    /// Appends a pollfd per running job's stdout; returns how many were added.
    size_t pollfds(struct pollfd* out, size_t max) const;
    /// Reads what is available, reaps finished children, fires `done`. Never blocks.
    void service();
    /// True while a child has closed its stdout but not been reaped yet
    /// (the loop then wakes up soon instead of waiting on fds).
    bool needs_reaping() const;
    size_t active() const;
    /// Kills (SIGKILL) and reaps every running child, firing nothing.
    void kill_all();

  private:
    void finish(PayerJob& job, int wait_status);
    static void wipe_output(PayerJob& job);
    PayerJob* jobs_ = nullptr;
    size_t count_ = 0;
    const char* command_ = nullptr;
    PayerDone done_ = nullptr;
    void* user_ = nullptr;
};

/// Trims trailing/leading whitespace; true when what is left is a non-empty
/// header value (printable ASCII only: no CR/LF injection). Sets *start/*len.
bool payer_output_to_header(const char* out, size_t size, size_t* start, size_t* len);

}  // namespace cli
}  // namespace consensus
