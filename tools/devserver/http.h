/* SPDX-License-Identifier: MIT */
// HTTP/1.1 requests in (llhttp, HTTP_REQUEST mode, bounded sizes) and
// Express-shaped responses out.
#pragma once

#include <llhttp.h>

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace devserver {

using KeyValues = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
    std::string method;
    std::string url;       // request target as sent (Express's originalUrl)
    std::string path;      // url before '?'
    KeyValues query;       // decoded, in order
    KeyValues headers;     // names lower-cased, in order
    bool upgrade = false;  // llhttp saw Upgrade + Connection: upgrade

    // First value of a header (name in lower case) or of a query key; nullptr if absent.
    const std::string* header(const char* name) const;
    const std::string* query_value(const char* name) const;
};

class RequestParser {
  public:
    enum class Status { NeedMore, Complete, Error };

    // Bound on request line plus headers: the x402 payment header is ~1.1 KiB.
    static constexpr size_t kMaxHeaderBytes = 32 * 1024;

    RequestParser();
    RequestParser(const RequestParser&) = delete;
    RequestParser& operator=(const RequestParser&) = delete;

    // Parses more bytes. On Complete, `consumed` is the number of bytes that
    // belong to the request (for an upgrade, the rest is WebSocket data).
    Status feed(const char* data, size_t len, size_t& consumed);
    const HttpRequest& request() const { return req_; }

  private:
    static int on_url(llhttp_t* p, const char* at, size_t len);
    static int on_field(llhttp_t* p, const char* at, size_t len);
    static int on_value(llhttp_t* p, const char* at, size_t len);
    static int on_headers_complete(llhttp_t* p);
    static int on_message_complete(llhttp_t* p);
    bool count(size_t len);
    void commit_header();

    llhttp_settings_t settings_;
    llhttp_t parser_;
    HttpRequest req_;
    std::string field_, value_;
    bool in_value_ = false;
    bool done_ = false;
    size_t header_bytes_ = 0;
};

// Splits "a=1&b=x%20y" into decoded pairs (querystring rules: '+' is a space).
KeyValues parse_query(const std::string& query);

// A full response: status line, headers in the given order, blank line, body.
std::string http_response(int status, const KeyValues& headers, const std::string& body);

// An Express res.json() response: X-Powered-By, Content-Type, `before`,
// Content-Length, ETag, `after`, Date, Connection: close (the vectors' order).
std::string express_json(int status, const KeyValues& before, const KeyValues& after,
                         const std::string& body);

// The same with the ETag of `etag_body` instead of the body's own: a failed
// settlement keeps the ETag of the discarded 200 body (402-settle-failed.http).
std::string express_json(int status, const KeyValues& before, const KeyValues& after,
                         const std::string& body, const std::string& etag_body);

}  // namespace devserver
