/* SPDX-License-Identifier: MIT */
// The memory a consensus::Client on the POSIX port needs, owned in one place:
// the port's block for N streams and the client's block for a Config, both
// from malloc (the caller's memory, as on a device), released in reverse.
// init() is split from allocate() so a test can count the heap around
// Client::init alone.
#pragma once

#include <stdint.h>
#include <stdlib.h>

#include "consensus/client.h"
#include "consensus/port_posix.h"

namespace itest {

class ClientBlock {
  public:
    ClientBlock() = default;
    ClientBlock(const ClientBlock&) = delete;
    ClientBlock& operator=(const ClientBlock&) = delete;
    ~ClientBlock() { release(); }

    /// Allocates and initialises the port for `streams` and allocates (16-byte
    /// aligned) the client block for `config`. False when either fails.
    bool allocate(const consensus::Config& config, uint32_t streams) {
        release();
        const size_t port_bytes = cws_posix_port_bytes(streams);
        port_mem_ = malloc(port_bytes);
        if (port_mem_ == nullptr ||
            cws_posix_port_init(port_mem_, port_bytes, streams, &port_) != 0) {
            port_ = nullptr;
            return false;
        }
        client_bytes_ = consensus::Client::required_bytes(config);
        client_mem_ = aligned_alloc(16, (client_bytes_ + 15) / 16 * 16);
        return client_mem_ != nullptr;
    }

    /// Client::init on the allocated blocks.
    consensus::Error init(const consensus::Config& config,
                          const consensus::ClientOptions& options) {
        const consensus::Error e =
            client_.init(config, options, cws_posix_port_get(port_), client_mem_, client_bytes_);
        ready_ = e == consensus::Error::ok;
        return e;
    }

    /// Deinitialises the client and the port and frees both blocks.
    void release() {
        if (ready_) client_.deinit();
        ready_ = false;
        if (port_ != nullptr) cws_posix_port_deinit(port_);
        port_ = nullptr;
        free(port_mem_);
        port_mem_ = nullptr;
        free(client_mem_);
        client_mem_ = nullptr;
        client_bytes_ = 0;
    }

    consensus::Client& client() { return client_; }
    /// Client::deinit, keeping the block to look at (what deinit left in it).
    void deinit_client() {
        if (ready_) client_.deinit();
        ready_ = false;
    }
    const uint8_t* client_memory() const { return static_cast<const uint8_t*>(client_mem_); }
    cws_port port() const { return cws_posix_port_get(port_); }
    /// The POSIX port itself (e.g. for cws_posix_port_set_dns_servers).
    cws_posix_port* posix() const { return port_; }
    size_t client_bytes() const { return client_bytes_; }

  private:
    consensus::Client client_;
    bool ready_ = false;
    void* port_mem_ = nullptr;
    cws_posix_port* port_ = nullptr;
    void* client_mem_ = nullptr;
    size_t client_bytes_ = 0;
};

}  // namespace itest
