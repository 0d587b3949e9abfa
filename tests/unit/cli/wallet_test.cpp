// SPDX-License-Identifier: MIT
// The --wallet-key file: what is taken, what is refused, and that a refusal
// names the file but never its contents.
#include "wallet.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "CppUTest/TestHarness.h"

using namespace consensus::cli;

namespace {

constexpr char kKeyHex[] = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";

struct KeyFile {
    char dir[64];
    std::string path;
    KeyFile(const std::string& contents, mode_t mode) {
        strcpy(dir, "/tmp/cws-wallet-XXXXXX");
        CHECK(mkdtemp(dir) != nullptr);
        path = std::string(dir) + "/key";
        FILE* f = fopen(path.c_str(), "w");
        fwrite(contents.data(), 1, contents.size(), f);
        fclose(f);
        chmod(path.c_str(), mode);
    }
    ~KeyFile() {
        unlink(path.c_str());
        rmdir(dir);
    }
};

// Loads; on failure checks the message names the file and carries no key text.
bool load(const KeyFile& f, uint8_t key[32], char* msg) {
    const bool ok = load_wallet_key(f.path.c_str(), key, msg, 256);
    if (!ok) {
        STRCMP_CONTAINS(f.path.c_str(), msg);
        CHECK(strstr(msg, "4c0883a6") == nullptr);
        for (int i = 0; i < 32; ++i) LONGS_EQUAL(0, key[i]);
    }
    return ok;
}

}  // namespace

TEST_GROUP(cli_wallet){};

TEST(cli_wallet, TakesTheDocumentedForms) {
    const std::string forms[] = {std::string(kKeyHex), "0x" + std::string(kKeyHex) + "\n",
                                 "  \t0x" + std::string(kKeyHex) + "\r\n\n"};
    for (const std::string& text : forms) {
        KeyFile f(text, 0600);
        uint8_t key[32] = {};
        char msg[256] = "";
        CHECK_TEXT(load(f, key, msg), msg);
        LONGS_EQUAL(0x4c, key[0]);
        LONGS_EQUAL(0x18, key[31]);
    }
    KeyFile owner_only_read(kKeyHex, 0400);
    uint8_t key[32];
    char msg[256];
    CHECK(load(owner_only_read, key, msg));
}

TEST(cli_wallet, RefusesFilesOthersCanRead) {
    for (mode_t mode : {0644, 0640, 0604}) {
        KeyFile f(kKeyHex, mode);
        uint8_t key[32];
        char msg[256];
        CHECK_FALSE(load(f, key, msg));
        STRCMP_CONTAINS("readable by group or others", msg);
    }
}

TEST(cli_wallet, RefusesWhatIsNotAKey) {
    const std::string bad[] = {
        "",
        std::string(kKeyHex).substr(0, 63),
        std::string(kKeyHex) + "0",
        "0x" + std::string(kKeyHex).substr(0, 62) + "zz",
        std::string(64, '0'),
        "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141",  // the order n
        std::string(kKeyHex) + std::string(300, ' '),  // longer than any key file
        "0x" + std::string(kKeyHex) + "\n0x" + std::string(kKeyHex),
    };
    for (const std::string& text : bad) {
        KeyFile f(text, 0600);
        uint8_t key[32];
        memset(key, 0xee, sizeof key);
        char msg[256];
        CHECK_FALSE(load(f, key, msg));
        STRCMP_CONTAINS("does not hold a private key", msg);
    }
}

TEST(cli_wallet, MissingFileAndDirectory) {
    uint8_t key[32];
    char msg[256];
    CHECK_FALSE(load_wallet_key("/nonexistent/cws-key", key, msg, sizeof msg));
    STRCMP_CONTAINS("'/nonexistent/cws-key'", msg);
    CHECK_FALSE(load_wallet_key("/tmp", key, msg, sizeof msg));
    STRCMP_CONTAINS("is not a regular file", msg);
}
