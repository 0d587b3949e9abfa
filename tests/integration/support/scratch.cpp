// SPDX-License-Identifier: MIT
#include "support/scratch.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

namespace itest {

namespace {

// Plain char arrays, not cached std::strings: CppUTest would report a cache
// filled inside a test as that test's leak.
char g_scratch[PATH_MAX];
char g_cert[PATH_MAX];
char g_key[PATH_MAX];
unsigned g_counter = 0;

[[noreturn]] void die(const char* what) {
    fprintf(stderr, "integration support: %s\n", what);
    abort();
}

}  // namespace

const char* source_dir() {
    return CONSENSUS_SOURCE_DIR;
}
const char* devserver_path() {
    return CONSENSUS_DEVSERVER;
}
const char* node_path() {
    return CONSENSUS_NODE;
}
const char* interop_dir() {
    return CONSENSUS_SOURCE_DIR "/tests/interop";
}

const char* scratch_dir() {
    if (g_scratch[0] != '\0') return g_scratch;
    if (mkdir(CONSENSUS_SCRATCH_ROOT, 0755) != 0 && errno != EEXIST) die("cannot create scratch");
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s/%s", CONSENSUS_SCRATCH_ROOT, program_invocation_short_name);
    char cmd[PATH_MAX + 32];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);  // the previous run's files
    if (system(cmd) != 0 || mkdir(dir, 0755) != 0) die("cannot reset the scratch directory");
    snprintf(g_scratch, sizeof g_scratch, "%s", dir);
    return g_scratch;
}

std::string scratch_file(const char* stem, const char* ext) {
    char name[PATH_MAX];
    snprintf(name, sizeof name, "%s/%s-%u%s", scratch_dir(), stem, ++g_counter, ext);
    return name;
}

const char* dev_cert_file() {
    if (g_cert[0] != '\0') return g_cert;
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s/dev-cert", scratch_dir());
    char cmd[3 * PATH_MAX];
    snprintf(cmd, sizeof cmd, "'%s/scripts/gen-dev-cert' '%s' >/dev/null", source_dir(), dir);
    if (system(cmd) != 0) die("scripts/gen-dev-cert failed (is openssl installed?)");
    if (snprintf(g_key, sizeof g_key, "%s/key.pem", dir) >= static_cast<int>(sizeof g_key) ||
        snprintf(g_cert, sizeof g_cert, "%s/cert.pem", dir) >= static_cast<int>(sizeof g_cert)) {
        die("scratch path too long");
    }
    return g_cert;
}

const char* dev_key_file() {
    dev_cert_file();
    return g_key;
}

}  // namespace itest
