// SPDX-License-Identifier: MIT
#include "wallet.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "consensus/x402_evm.h"

namespace consensus {
namespace cli {

namespace {

// A key line with 0x, CRLF and some spaces fits with room to spare; anything
// longer is not a key file.
constexpr size_t kMaxKeyFile = 256;

bool refuse(const char* path, const char* why, uint8_t key[32], char* msg, size_t cap) {
    wipe_secret(key, 32);
    snprintf(msg, cap, "--wallet-key: '%.120s' %s", path, why);
    return false;
}

}  // namespace

void wipe_secret(void* p, size_t n) {
    volatile uint8_t* v = static_cast<volatile uint8_t*>(p);
    for (size_t i = 0; i < n; ++i) v[i] = 0;
}

bool load_wallet_key(const char* path, uint8_t key[32], char* msg, size_t cap) {
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);  // before any key byte is in memory
    const int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return refuse(path, strerror(errno), key, msg, cap);
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return refuse(path, "is not a regular file", key, msg, cap);
    }
    if ((st.st_mode & (S_IRGRP | S_IROTH)) != 0) {
        close(fd);
        return refuse(path, "is readable by group or others (chmod 600 it)", key, msg, cap);
    }
    char text[kMaxKeyFile + 1];
    size_t n = 0;
    ssize_t r = 0;
    while (n < sizeof text && (r = read(fd, text + n, sizeof text - n)) > 0) {
        n += static_cast<size_t>(r);
    }
    close(fd);
    const bool ok = r >= 0 && n <= kMaxKeyFile && evm_parse_private_key(text, n, key);
    wipe_secret(text, sizeof text);
    if (!ok) {
        return refuse(path,
                      "does not hold a private key (64 hex digits, optional 0x, a value "
                      "below the secp256k1 order and not zero)",
                      key, msg, cap);
    }
    return true;
}

Wallet::~Wallet() {
    signer_.deinit();  // wipes the key and the context
    free(memory_);
}

bool Wallet::open(const Args& a, const cws_port* port, uint32_t max_header, char* msg, size_t cap) {
    uint8_t key[32];
    if (!load_wallet_key(a.wallet_key, key, msg, cap)) return false;
    EvmSignerOptions o;
    o.private_key = key;
    o.port = port;
    o.pay_to = a.pay_to;
    o.pay_to_count = a.pay_to_count;
    if (a.limit_micro_usd > 0) o.max_amount = a.limit_micro_usd;
    o.max_header = max_header;
    const size_t need = EvmSigner::memory_needed(o);
    memory_ = aligned_alloc(16, (need + 15) / 16 * 16);
    const char* why = "out of memory";
    const bool ok = memory_ != nullptr && signer_.init(o, memory_, need, &why) == Error::ok;
    wipe_secret(key, sizeof key);
    if (!ok) snprintf(msg, cap, "--wallet-key: %s", why);
    return ok;
}

}  // namespace cli
}  // namespace consensus
