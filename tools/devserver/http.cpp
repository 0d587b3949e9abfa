// SPDX-License-Identifier: MIT
#include "http.h"

#include <cctype>
#include <cstring>
#include <ctime>

#include "encoding.h"

namespace devserver {

namespace {

std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

RequestParser& self(llhttp_t* p) {
    return *static_cast<RequestParser*>(p->data);
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

std::string url_decode(const std::string& s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '+') {
            out.push_back(' ');
        } else if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 &&
                   hex_value(s[i + 2]) >= 0) {
            out.push_back(static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2])));
            i += 2;
        } else {
            out.push_back(s[i]);  // a stray '%' stays literal, as querystring does
        }
    }
    return out;
}

const std::string* lookup(const KeyValues& kv, const char* name) {
    for (const auto& p : kv) {
        if (p.first == name) return &p.second;
    }
    return nullptr;
}

const char* reason_phrase(int status) {
    switch (status) {
        case 200:
            return "OK";
        case 400:
            return "Bad Request";
        case 401:
            return "Unauthorized";
        case 402:
            return "Payment Required";
        case 404:
            return "Not Found";
        case 431:
            return "Request Header Fields Too Large";
        case 500:
            return "Internal Server Error";
        default:
            return "Unknown";
    }
}

std::string http_date() {
    char buf[64];
    std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    return buf;
}

}  // namespace

const std::string* HttpRequest::header(const char* name) const {
    return lookup(headers, name);
}

const std::string* HttpRequest::query_value(const char* name) const {
    return lookup(query, name);
}

RequestParser::RequestParser() {
    llhttp_settings_init(&settings_);
    settings_.on_url = on_url;
    settings_.on_header_field = on_field;
    settings_.on_header_value = on_value;
    settings_.on_headers_complete = on_headers_complete;
    settings_.on_message_complete = on_message_complete;
    llhttp_init(&parser_, HTTP_REQUEST, &settings_);
    parser_.data = this;
}

bool RequestParser::count(size_t len) {
    header_bytes_ += len;
    return header_bytes_ <= kMaxHeaderBytes;
}

int RequestParser::on_url(llhttp_t* p, const char* at, size_t len) {
    RequestParser& s = self(p);
    if (!s.count(len)) return -1;
    s.req_.url.append(at, len);
    return 0;
}

void RequestParser::commit_header() {
    if (!field_.empty()) req_.headers.emplace_back(lower(field_), value_);
    field_.clear();
    value_.clear();
    in_value_ = false;
}

int RequestParser::on_field(llhttp_t* p, const char* at, size_t len) {
    RequestParser& s = self(p);
    if (!s.count(len)) return -1;
    if (s.in_value_) s.commit_header();
    s.field_.append(at, len);
    return 0;
}

int RequestParser::on_value(llhttp_t* p, const char* at, size_t len) {
    RequestParser& s = self(p);
    if (!s.count(len)) return -1;
    s.in_value_ = true;
    s.value_.append(at, len);
    return 0;
}

int RequestParser::on_headers_complete(llhttp_t* p) {
    RequestParser& s = self(p);
    s.commit_header();
    s.req_.method = llhttp_method_name(static_cast<llhttp_method_t>(llhttp_get_method(p)));
    size_t q = s.req_.url.find('?');
    s.req_.path = s.req_.url.substr(0, q);
    if (q != std::string::npos) s.req_.query = parse_query(s.req_.url.substr(q + 1));
    s.req_.upgrade = llhttp_get_upgrade(p) != 0;
    return 0;
}

int RequestParser::on_message_complete(llhttp_t* p) {
    self(p).done_ = true;
    return HPE_PAUSED;  // one request per connection: stop right after it
}

RequestParser::Status RequestParser::feed(const char* data, size_t len, size_t& consumed) {
    consumed = 0;
    if (done_) return Status::Complete;
    llhttp_errno_t err = llhttp_execute(&parser_, data, len);
    if (err == HPE_OK) {
        consumed = len;
        return Status::NeedMore;
    }
    if ((err == HPE_PAUSED || err == HPE_PAUSED_UPGRADE) && done_) {
        consumed = static_cast<size_t>(llhttp_get_error_pos(&parser_) - data);
        return Status::Complete;
    }
    return Status::Error;
}

KeyValues parse_query(const std::string& query) {
    KeyValues out;
    size_t start = 0;
    while (start <= query.size()) {
        size_t end = query.find('&', start);
        if (end == std::string::npos) end = query.size();
        std::string part = query.substr(start, end - start);
        if (!part.empty()) {
            size_t eq = part.find('=');
            std::string key = part.substr(0, eq);
            std::string value = eq == std::string::npos ? std::string() : part.substr(eq + 1);
            out.emplace_back(url_decode(key), url_decode(value));
        }
        start = end + 1;
    }
    return out;
}

std::string http_response(int status, const KeyValues& headers, const std::string& body) {
    std::string out = "HTTP/1.1 " + std::to_string(status) + " " + reason_phrase(status) + "\r\n";
    for (const auto& h : headers) out += h.first + ": " + h.second + "\r\n";
    return out + "\r\n" + body;
}

std::string express_json(int status, const KeyValues& before, const KeyValues& after,
                         const std::string& body) {
    return express_json(status, before, after, body, body);
}

std::string express_json(int status, const KeyValues& before, const KeyValues& after,
                         const std::string& body, const std::string& etag_body) {
    KeyValues h = {{"X-Powered-By", "Express"},
                   {"Content-Type", "application/json; charset=utf-8"}};
    h.insert(h.end(), before.begin(), before.end());
    h.emplace_back("Content-Length", std::to_string(body.size()));
    h.emplace_back("ETag", express_etag(etag_body));
    h.insert(h.end(), after.begin(), after.end());
    h.emplace_back("Date", http_date());
    h.emplace_back("Connection", "close");
    return http_response(status, h, body);
}

}  // namespace devserver
