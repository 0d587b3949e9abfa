// SPDX-License-Identifier: MIT
#include "payer.h"

#include <errno.h>
#include <fcntl.h>
#include <mbedtls/platform_util.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace consensus {
namespace cli {
namespace {

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

void close_fd(int* fd) {
    if (*fd >= 0) close(*fd);
    *fd = -1;
}

// Writes all of it to a fresh, empty pipe: fits the pipe, so it cannot block.
bool write_all(int fd, const char* data, size_t size) {
    while (size > 0) {
        ssize_t n = write(fd, data, size);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        data += n;
        size -= static_cast<size_t>(n);
    }
    return true;
}

pid_t spawn_shell(const char* command, int stdin_fd, int stdout_fd) {
    posix_spawn_file_actions_t fa;
    if (posix_spawn_file_actions_init(&fa) != 0) return -1;
    posix_spawn_file_actions_adddup2(&fa, stdin_fd, 0);
    posix_spawn_file_actions_adddup2(&fa, stdout_fd, 1);
    char sh[] = "/bin/sh";
    char dash_c[] = "-c";
    char* argv[] = {sh, dash_c, const_cast<char*>(command), nullptr};
    pid_t pid = -1;
    int rc = posix_spawn(&pid, sh, &fa, nullptr, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    return rc == 0 ? pid : -1;
}

}  // namespace

bool payer_output_to_header(const char* out, size_t size, size_t* start, size_t* len) {
    size_t b = 0;
    size_t e = size;
    while (b < e && is_space(out[b])) ++b;
    while (e > b && is_space(out[e - 1])) --e;
    if (b == e) return false;
    for (size_t i = b; i < e; ++i) {
        if (out[i] < 0x20 || out[i] > 0x7e) return false;
    }
    *start = b;
    *len = e - b;
    return true;
}

void PayerPool::init(PayerJob* jobs, size_t count, const char* command, PayerDone done,
                     void* user) {
    jobs_ = jobs;
    count_ = count;
    command_ = command;
    done_ = done;
    user_ = user;
    for (size_t i = 0; i < count_; ++i) jobs_[i].active = false;
}

bool PayerPool::start(const char* challenge_json, size_t size, PaymentTicket ticket) {
    if (size > kMaxChallengeToPayer) return false;
    PayerJob* job = nullptr;
    for (size_t i = 0; i < count_ && job == nullptr; ++i) {
        if (!jobs_[i].active) job = &jobs_[i];
    }
    if (job == nullptr) return false;
    int in_pipe[2];
    int out_pipe[2];
    if (pipe2(in_pipe, O_CLOEXEC) != 0) return false;
    if (pipe2(out_pipe, O_CLOEXEC) != 0) {
        close(in_pipe[0]);
        close(in_pipe[1]);
        return false;
    }
    pid_t pid = spawn_shell(command_, in_pipe[0], out_pipe[1]);
    close(in_pipe[0]);
    close(out_pipe[1]);
    if (pid < 0) {
        close(in_pipe[1]);
        close(out_pipe[0]);
        return false;
    }
    // A child that exits without reading gives EPIPE here (SIGPIPE is ignored
    // by the CLI); its exit status decides, as for any payer.
    write_all(in_pipe[1], challenge_json, size);
    close(in_pipe[1]);
    fcntl(out_pipe[0], F_SETFL, fcntl(out_pipe[0], F_GETFL) | O_NONBLOCK);
    job->active = true;
    job->pid = pid;
    job->out_fd = out_pipe[0];
    job->ticket = ticket;
    job->overflow = false;
    job->size = 0;
    return true;
}

size_t PayerPool::pollfds(struct pollfd* out, size_t max) const {
    size_t n = 0;
    for (size_t i = 0; i < count_ && n < max; ++i) {
        if (!jobs_[i].active || jobs_[i].out_fd < 0) continue;
        out[n].fd = jobs_[i].out_fd;
        out[n].events = POLLIN;
        out[n].revents = 0;
        ++n;
    }
    return n;
}

bool PayerPool::needs_reaping() const {
    for (size_t i = 0; i < count_; ++i) {
        if (jobs_[i].active && jobs_[i].out_fd < 0) return true;
    }
    return false;
}

size_t PayerPool::active() const {
    size_t n = 0;
    for (size_t i = 0; i < count_; ++i) n += jobs_[i].active ? 1 : 0;
    return n;
}

void PayerPool::service() {
    for (size_t i = 0; i < count_; ++i) {
        PayerJob& job = jobs_[i];
        if (!job.active) continue;
        while (job.out_fd >= 0) {
            char scratch[512];
            char* dst = job.overflow ? scratch : job.out + job.size;
            size_t room = job.overflow ? sizeof scratch : sizeof job.out - job.size;
            if (room == 0) {  // full: keep draining so the child can finish
                job.overflow = true;
                continue;
            }
            ssize_t n = read(job.out_fd, dst, room);
            if (n > 0) {
                if (!job.overflow) job.size += static_cast<size_t>(n);
                continue;
            }
            if (n < 0 && errno == EINTR) continue;
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
            close_fd(&job.out_fd);  // EOF or a read error
        }
        if (job.out_fd >= 0) continue;
        int status = 0;
        pid_t r = waitpid(job.pid, &status, WNOHANG);
        if (r == job.pid) finish(job, status);
    }
}

void PayerPool::finish(PayerJob& job, int wait_status) {
    job.active = false;
    job.pid = -1;
    size_t start = 0;
    size_t len = 0;
    bool ok = WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0 && !job.overflow &&
              payer_output_to_header(job.out, job.size, &start, &len);
    if (done_ != nullptr) done_(user_, job.ticket, ok, ok ? job.out + start : nullptr, len);
    wipe_output(job);  // the header went to the library (or nowhere): no copy stays
}

void PayerPool::wipe_output(PayerJob& job) {
    mbedtls_platform_zeroize(job.out, sizeof job.out);
    job.size = 0;
}

void PayerPool::kill_all() {
    for (size_t i = 0; i < count_; ++i) {
        PayerJob& job = jobs_[i];
        if (!job.active) continue;
        kill(job.pid, SIGKILL);
        int status = 0;
        while (waitpid(job.pid, &status, 0) < 0 && errno == EINTR) {
        }
        close_fd(&job.out_fd);
        job.active = false;
        wipe_output(job);
    }
}

}  // namespace cli
}  // namespace consensus
