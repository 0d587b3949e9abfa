// SPDX-License-Identifier: MIT
#include "routes.h"

#include <ctime>

#include "encoding.h"
#include "json.h"
#include "pricing.h"
#include "x402.h"
#ifdef CONSENSUS_DEVSERVER_VERIFY
#include "verify.h"
#endif

namespace devserver {

namespace {

constexpr const char* kNodeHeaders[] = {"x-node-region", "x-node-domain", "x-node-exclude"};

std::string node_headers_json(const HttpRequest& req) {
    KeyValues kv;
    for (const char* name : kNodeHeaders) {
        if (const std::string* v = req.header(name)) kv.emplace_back(name, *v);
    }
    return json_string_object(kv);
}

std::string authority(const HttpRequest& req, const ServerContext& ctx) {
    const std::string* host = req.header("host");
    return host != nullptr ? *host : ctx.listen_authority;
}

std::string error_body(const std::string& message) {
    return "{\"error\":" + json_quote(message) + "}";
}

void log_token_request(const HttpRequest& req, ServerContext& ctx, bool paid, int status,
                       const std::string& token) {
    Fields f = {{"query", json_string_object(req.query)},
                {"headers", node_headers_json(req)},
                {"paid", paid ? "true" : "false"},
                {"status", std::to_string(status)}};
    if (!token.empty()) f.emplace_back("token", json_quote(token));
    ctx.log.write("token_request", f);
}

bool read_params(const HttpRequest& req, SessionParams& out) {
    const std::string* model = req.query_value("model");
    const std::string* minutes = req.query_value("minutes");
    const std::string* megabytes = req.query_value("megabytes");
    static const std::string kNone;
    return parse_params(model != nullptr, model ? *model : kNone, minutes != nullptr,
                        minutes ? *minutes : kNone, megabytes != nullptr,
                        megabytes ? *megabytes : kNone, out);
}

// `auth` ("host", "host:port", "[v6]" or "[v6]:port") with its port set to `port`.
std::string with_port(const std::string& auth, int port) {
    size_t end = auth.size();
    if (!auth.empty() && auth[0] == '[') {
        size_t bracket = auth.find(']');
        if (bracket != std::string::npos) end = bracket + 1;
    } else {
        size_t colon = auth.rfind(':');
        if (colon != std::string::npos) end = colon;
    }
    return auth.substr(0, end) + ":" + std::to_string(port);
}

std::string token_body(const std::string& token, const HttpRequest& req, const ServerContext& ctx) {
    int port = ctx.options.modes.connect_url_port;
    std::string host = port != 0 ? with_port(authority(req, ctx), port) : authority(req, ctx);
    std::string url =
        std::string(ctx.options.tls ? "wss://" : "ws://") + host + "/ws-connect?token=" + token;
    return "{\"token\":" + json_quote(token) + ",\"connect_url\":" + json_quote(url) +
           ",\"expires_in\":" + std::to_string(ctx.options.token_ttl_s) + "}";
}

// --settle-fail: the handler ran and minted `token`, then the facilitator refused
// to settle. @x402/express then discards the body (keeping its ETag) and sends
// PAYMENT-RESPONSE {success:false}, no PAYMENT-REQUIRED, body {}.
std::string settle_failure(const HttpRequest& req, ServerContext& ctx, const PaymentCheck& check,
                           const std::string& token) {
    const std::string& details = ctx.options.modes.settle_fail_details;
    log_token_request(req, ctx, false, 402, "");
    ctx.log.write("settle_failed",
                  {{"details", json_quote(details)}, {"discarded_token", json_quote(token)}});
    return express_json(
        402, {},
        {{"PAYMENT-RESPONSE", base64_encode(settle_failed_json(check.payer, details))},
         {"Cache-Control", "no-store"}},
        "{}", token_body(token, req, ctx));
}

#ifdef CONSENSUS_DEVSERVER_VERIFY
// --verify-payments: the facilitator's checks on a payment the middleware
// accepted. Refused: the verdict says why, and the log names the reason.
void verify(const std::string& amount, ServerContext& ctx, PaymentCheck& check, UsedNonce* paid) {
    JsonDoc doc;
    uint64_t now_s = static_cast<uint64_t>(std::time(nullptr));
    PaymentReason r = doc.parse(check.json)  // it parsed in check_payment
                          ? verify_payment(doc, requirement_for(amount), now_s, ctx.nonces, paid)
                          : PaymentReason::InvalidPayload;
    if (r == PaymentReason::Valid) return;
    check.verdict = PaymentVerdict::Refused;
    check.error = payment_reason_name(r);
    ctx.log.write("payment_refused",
                  {{"reason", json_quote(check.error)}, {"payer", json_quote(check.payer)}});
}
#endif

std::string sell_token(const HttpRequest& req, ServerContext& ctx, const SessionParams& params,
                       int64_t now_ms) {
    std::string amount;
    if (!atomic_amount(params, amount)) {  // the money parser of the middleware throws
        log_token_request(req, ctx, false, 500, "");
        return express_json(500, {}, {}, error_body("Internal Server Error"));
    }
    const std::string* header = req.header("payment-signature");
    PaymentCheck check = check_payment(header != nullptr, header ? *header : "", amount);
    UsedNonce paid{};
#ifdef CONSENSUS_DEVSERVER_VERIFY
    if (check.verdict == PaymentVerdict::Accepted && ctx.options.verify_payments) {
        verify(amount, ctx, check, &paid);
    }
#endif
    if (check.verdict != PaymentVerdict::Accepted) {
        std::string url =
            std::string(ctx.options.tls ? "https://" : "http://") + authority(req, ctx) + req.url;
        std::string challenge = base64_encode(challenge_json(check.error, url, amount));
        log_token_request(req, ctx, false, 402, "");
        return express_json(402, {{"PAYMENT-REQUIRED", challenge}, {"Cache-Control", "no-store"}},
                            {}, "{}");
    }
    std::string token = ctx.tokens.issue(params, now_ms);
    if (ctx.options.modes.settle_fail) return settle_failure(req, ctx, check, token);
    if (ctx.options.verify_payments) ctx.nonces.add(paid);  // settled: the nonce is used
    log_token_request(req, ctx, true, 200, token);
    return express_json(200, {},
                        {{"PAYMENT-RESPONSE", base64_encode(settle_json(check.payer))},
                         {"Cache-Control", "private"}},
                        token_body(token, req, ctx));
}

std::string token_request(const HttpRequest& req, ServerContext& ctx, int64_t now_ms) {
    SessionParams params;
    if (!read_params(req, params)) {
        log_token_request(req, ctx, false, 400, "");
        return express_json(400, {}, {},
                            error_body("Invalid model. Must be one of: hybrid, time, data"));
    }
    if (!ctx.options.free_mode) return sell_token(req, ctx, params, now_ms);
    if (params.minutes < 0 || params.megabytes < 0) {
        log_token_request(req, ctx, false, 400, "");
        return express_json(400, {}, {}, error_body("minutes and megabytes must not be negative"));
    }
    std::string token = ctx.tokens.issue(params, now_ms);
    log_token_request(req, ctx, false, 200, token);
    return express_json(200, {}, {}, token_body(token, req, ctx));
}

// RFC 6455 4.2.1 checks that the ws library applies before its 101.
bool valid_handshake(const HttpRequest& req) {
    const std::string* key = req.header("sec-websocket-key");
    const std::string* version = req.header("sec-websocket-version");
    std::string raw;
    return req.method == "GET" && key != nullptr && base64_decode(*key, raw) && raw.size() == 16 &&
           version != nullptr && *version == "13";
}

void log_upgrade(const HttpRequest& req, ServerContext& ctx, const std::string& token, int status,
                 const std::string& session) {
    Fields f = {{"path", json_quote(req.path)},
                {"token", json_quote(token)},
                {"status", std::to_string(status)},
                {"headers", node_headers_json(req)}};
    if (!session.empty()) f.emplace_back("session", json_quote(session));
    ctx.log.write("upgrade", f);
}

SessionSpec make_spec(const SessionParams& params, ServerContext& ctx) {
    SessionSpec spec;
    spec.id = random_uuid();
    spec.params = params;
    spec.limits = limits_for(params, ctx.options.time_scale);
    spec.pricing = pricing_for(params);
    spec.max_message_bytes = ctx.options.max_message_bytes;
    spec.modes = ctx.options.modes;
    if (!ctx.control_used) {  // test controls apply to the first session only
        spec.control = ctx.options.control;
        ctx.control_used = true;
    }
    return spec;
}

}  // namespace

std::string handle_request(const HttpRequest& req, ServerContext& ctx, int64_t now_ms) {
    if (req.method == "GET" && req.path == "/ws") return token_request(req, ctx, now_ms);
    ctx.log.write("not_found", {{"method", json_quote(req.method)}, {"url", json_quote(req.url)}});
    return express_json(404, {}, {}, error_body("Not found"));
}

UpgradeResult handle_upgrade(const HttpRequest& req, ServerContext& ctx, int64_t now_ms) {
    UpgradeResult r;
    const std::string* token = req.query_value("token");
    std::string tok = token != nullptr ? *token : "";
    if (req.path != "/ws-connect") {  // destroyed without a reply, like the reference server
        log_upgrade(req, ctx, tok, 0, "");
        return r;
    }
    SessionParams params;
    bool valid = ctx.tokens.redeem(tok, now_ms, params);
    if (ctx.options.modes.refuse_upgrades) {  // the token is used up all the same
        ctx.log.write("upgrade_refused",
                      {{"token", json_quote(tok)}, {"token_valid", valid ? "true" : "false"}});
    }
    if (!valid || ctx.options.modes.refuse_upgrades) {
        log_upgrade(req, ctx, tok, 401, "");
        r.kind = UpgradeResult::Kind::Reply;
        r.response = "HTTP/1.1 401 Unauthorized\r\n\r\n";
        return r;
    }
    if (!valid_handshake(req)) {
        log_upgrade(req, ctx, tok, 400, "");
        r.kind = UpgradeResult::Kind::Reply;
        std::string body = "Invalid WebSocket upgrade request";
        r.response = http_response(400,
                                   {{"Connection", "close"},
                                    {"Content-Type", "text/html"},
                                    {"Content-Length", std::to_string(body.size())}},
                                   body);
        return r;
    }
    r.kind = UpgradeResult::Kind::Accept;
    r.spec = make_spec(params, ctx);
    r.response =
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: "
        "Upgrade\r\nSec-WebSocket-Accept: " +
        websocket_accept(*req.header("sec-websocket-key")) + "\r\n\r\n";
    log_upgrade(req, ctx, tok, 101, r.spec.id);
    return r;
}

}  // namespace devserver
