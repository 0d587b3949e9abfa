// SPDX-License-Identifier: MIT
// consensus-devserver: a local stand-in for the Consensus WebSocket service
// (docs/SERVICE.md, docs/CLI.md). One process, one thread, one poll() loop.
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "log.h"
#include "options.h"
#include "server.h"

namespace {

int g_stop_pipe[2] = {-1, -1};

extern "C" void on_stop_signal(int) {
    char b = 1;
    ssize_t ignored = ::write(g_stop_pipe[1], &b, 1);  // async-signal-safe wake-up
    (void)ignored;
}

bool install_signals() {
    if (::pipe2(g_stop_pipe, O_NONBLOCK | O_CLOEXEC) != 0) return false;
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    signal(SIGPIPE, SIG_IGN);
    return sigaction(SIGTERM, &sa, nullptr) == 0 && sigaction(SIGINT, &sa, nullptr) == 0;
}

// 1000+ concurrent sessions need more descriptors than the usual soft limit.
void raise_fd_limit() {
    rlimit rl{};
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

}  // namespace

int main(int argc, char** argv) {
    devserver::Options opts;
    std::string error;
    if (!devserver::parse_options(argc, argv, opts, error)) {
        // One line: the usage text would bury what is wrong.
        std::fprintf(stderr, "consensus-devserver: %s; see --help\n", error.c_str());
        return 2;
    }
    if (opts.help) {
        std::fputs(devserver::usage_text(), stdout);
        return 0;
    }
    if (opts.version) {
        std::printf("consensus-devserver %s\n", CONSENSUS_TOOLS_VERSION);
        return 0;
    }
    raise_fd_limit();
    devserver::EventLog log;
    if (!opts.log_file.empty() && !log.open(opts.log_file)) {
        std::fprintf(stderr, "consensus-devserver: cannot open log %s: %s\n", opts.log_file.c_str(),
                     std::strerror(errno));
        return 2;
    }
    if (opts.log_times) log.add_times();
    if (!install_signals()) {
        std::perror("consensus-devserver: signals");
        return 1;
    }
    devserver::Server server(opts, log);
    if (!server.listen(error)) {
        std::fprintf(stderr, "consensus-devserver: %s\n", error.c_str());
        return 1;
    }
    if (!opts.free_mode) {
        std::fputs(opts.verify_payments ? devserver::verified_payment_notice()
                                        : devserver::unverified_payment_warning(),
                   stderr);
    }
    std::fprintf(stderr, "consensus-devserver: listening on %s://%s:%d (%s mode)\n",
                 opts.tls ? "https" : "http", opts.host.c_str(), server.port(),
                 opts.free_mode ? "free" : "paid");
    std::printf("READY %d\n", server.port());
    std::fflush(stdout);
    server.run(g_stop_pipe[0]);
    std::fprintf(stderr, "consensus-devserver: stopped\n");
    return 0;
}
