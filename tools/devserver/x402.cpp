// SPDX-License-Identifier: MIT
#include "x402.h"

#include "encoding.h"
#include "json.h"

namespace devserver {

namespace {

constexpr char kScheme[] = "exact";
constexpr char kNetwork[] = "eip155:84532";
constexpr char kAsset[] = "0x036CbD53842c5426634e7929541eC2318f3dCF7e";
constexpr char kPayTo[] = "0xC0Dec0dec0DeC0Dec0dEc0DEC0DEC0DEC0DEC0dE";
constexpr char kTokenName[] = "USDC";  // extra: the EIP-712 domain of the token
constexpr char kTokenVersion[] = "2";
constexpr char kMaxTimeoutSeconds[] = "300";
constexpr char kDescription[] = "Pay-per-use WebSockets on demand";
constexpr char kPaymentRequired[] = "Payment required";
constexpr char kNoMatch[] = "No matching payment requirements";
constexpr char kSettleFailedReason[] = "invalid_exact_evm_transaction_failed";

bool string_field_is(const JsonDoc& doc, int obj, const char* key, const std::string& want) {
    int t = doc.find(obj, key);
    return doc.is_string(t) && doc.str(t) == want;
}

// Deep equality on every non-extra field; `extra` must contain ours.
bool accepted_matches(const JsonDoc& doc, int acc, const std::string& amount) {
    if (!doc.is_object(acc)) return false;
    int timeout = doc.find(acc, "maxTimeoutSeconds");
    if (!doc.is_primitive(timeout) || doc.raw(timeout) != kMaxTimeoutSeconds) return false;
    int extra = doc.find(acc, "extra");
    return string_field_is(doc, acc, "scheme", kScheme) &&
           string_field_is(doc, acc, "network", kNetwork) &&
           string_field_is(doc, acc, "amount", amount) &&
           string_field_is(doc, acc, "asset", kAsset) &&
           string_field_is(doc, acc, "payTo", kPayTo) && doc.is_object(extra) &&
           string_field_is(doc, extra, "name", kTokenName) &&
           string_field_is(doc, extra, "version", kTokenVersion);
}

std::string payer_of(const JsonDoc& doc) {
    int auth = doc.find(doc.find(0, "payload"), "authorization");
    int from = doc.find(auth, "from");
    return doc.is_string(from) ? doc.str(from) : std::string();
}

PaymentCheck verdict(PaymentVerdict v, std::string error) {
    PaymentCheck c;
    c.verdict = v;
    c.error = std::move(error);
    return c;
}

}  // namespace

Requirement requirement_for(const std::string& amount) {
    return Requirement{kScheme, kNetwork, amount, kAsset, kPayTo, kTokenName, kTokenVersion};
}

std::string challenge_json(const std::string& error, const std::string& resource_url,
                           const std::string& amount) {
    return std::string("{\"x402Version\":2,\"error\":") + json_quote(error) +
           ",\"resource\":{\"url\":" + json_quote(resource_url) +
           ",\"description\":" + json_quote(kDescription) +
           ",\"mimeType\":\"application/json\"},\"accepts\":[{\"scheme\":\"" + kScheme +
           "\",\"network\":\"" + kNetwork + "\",\"amount\":" + json_quote(amount) +
           ",\"asset\":\"" + kAsset + "\",\"payTo\":\"" + kPayTo +
           "\",\"maxTimeoutSeconds\":" + kMaxTimeoutSeconds + ",\"extra\":{\"name\":\"" +
           kTokenName + "\",\"version\":\"" + kTokenVersion + "\"}}]}";
}

PaymentCheck check_payment(bool present, const std::string& header, const std::string& amount) {
    std::string decoded;
    JsonDoc doc;
    // Undecodable headers count as no payment at all, as in @x402/core.
    if (!present || !base64_decode(header, decoded) || !doc.parse(decoded) || !doc.is_object(0)) {
        return verdict(PaymentVerdict::Missing, kPaymentRequired);
    }
    int version = doc.find(0, "x402Version");
    std::string v = doc.is_primitive(version) ? doc.raw(version) : "undefined";
    if (v != "1" && v != "2") {
        return verdict(PaymentVerdict::Unsupported, "Unsupported x402 version: " + v);
    }
    // A v1 payload has no `accepted`: it never matches a v2 requirement.
    if (v != "2" || !accepted_matches(doc, doc.find(0, "accepted"), amount)) {
        return verdict(PaymentVerdict::NoMatch, kNoMatch);
    }
    PaymentCheck ok = verdict(PaymentVerdict::Accepted, std::string());
    ok.payer = payer_of(doc);
    ok.json = std::move(decoded);
    return ok;
}

std::string settle_json(const std::string& payer) {
    std::string out = "{\"success\":true";
    if (!payer.empty()) out += ",\"payer\":" + json_quote(payer);
    return out + ",\"transaction\":\"" + random_hex(32) + "\",\"network\":\"" + kNetwork + "\"}";
}

std::string settle_failed_json(const std::string& payer, const std::string& message) {
    std::string out = std::string("{\"success\":false,\"errorReason\":\"") + kSettleFailedReason +
                      "\",\"errorMessage\":" + json_quote(message);
    if (!payer.empty()) out += ",\"payer\":" + json_quote(payer);
    return out + ",\"transaction\":\"\",\"network\":\"" + kNetwork + "\"}";
}

}  // namespace devserver
