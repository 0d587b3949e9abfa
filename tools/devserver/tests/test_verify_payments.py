#!/usr/bin/env python3
"""Black-box tests of consensus-devserver --verify-payments: each check of the
x402 exact EVM facilitator, its order and its reason name in the 402.

    test_verify_payments.py --server PATH [--signer PATH] [--workdir DIR]

Payments are signed by devserver-test-signer (--signer; built next to the
server from the library's EVM module) with keys this file derives from fixed
phrases: they hold nothing on any chain. Without --signer (a build with
CONSENSUS_EVM=OFF) only the refusal of the option is tested.
"""
import argparse
import base64
import hashlib
import json
import os
import subprocess
import sys
import time
import unittest

import test_devserver as td  # DevServer, the vectors, QUERY (same directory)

ARGS = None
KEY = hashlib.sha256(b"consensus-ws devserver --verify-payments test key").hexdigest()
OTHER_KEY = hashlib.sha256(b"consensus-ws devserver --verify-payments other key").hexdigest()
SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
OTHER_ADDRESS = "0x1111111111111111111111111111111111111111"
ONLY_WITH_EVM = "built without consensus_evm (no --signer)"


def signer(*args, stdin=""):
    out = subprocess.run([ARGS.signer, *args], input=stdin, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return out.stdout.split("\n")[:-1]


def address(key):
    return signer("address", key)[0]


def sign_all(key, requirement, auths):
    """The EIP-712 TransferWithAuthorization signatures of `auths` by `key`
    in the domain of `requirement`."""
    extra = requirement["extra"]
    lines = ["\t".join([extra["name"], extra["version"], requirement["network"],
                        requirement["asset"], a["from"], a["to"], a["value"], a["validAfter"],
                        a["validBefore"], a["nonce"]]) + "\n" for a in auths]
    return signer("sign", key, stdin="".join(lines))


def header(payload):
    return td.b64json(payload)


def error_of(hdrs):
    return json.loads(base64.b64decode(dict(hdrs)["PAYMENT-REQUIRED"]))["error"]


def high_s(sig):
    """The same signature with s -> n - s and v flipped: valid for ecrecover
    libraries that allow it, refused by the USDC contract."""
    raw = bytes.fromhex(sig[2:])
    s = SECP256K1_N - int.from_bytes(raw[32:64], "big")
    v = 27 + 28 - raw[64]
    return "0x" + (raw[:32] + s.to_bytes(32, "big") + bytes([v])).hex()


class VerifiedPayments(unittest.TestCase):
    """One --verify-payments server for every test: each payment has its own nonce."""

    @classmethod
    def setUpClass(cls):
        if not ARGS.signer:
            raise unittest.SkipTest(ONLY_WITH_EVM)
        cls.srv = td.DevServer("--verify-payments")
        status, hdrs, _ = cls.srv.get(td.QUERY, host=td.VECTOR_HOST)
        assert status == 402, status
        cls.requirement = json.loads(base64.b64decode(dict(hdrs)["PAYMENT-REQUIRED"]))["accepts"][0]
        cls.payer = address(KEY)

    @classmethod
    def tearDownClass(cls):
        assert cls.srv.stop() == 0

    def authorization(self, **fields):
        """An authorization the route accepts, with `fields` changed."""
        auth = {"from": self.payer, "to": self.requirement["payTo"],
                "value": self.requirement["amount"], "validAfter": "0",
                "validBefore": str(int(time.time()) + 300), "nonce": "0x" + os.urandom(32).hex()}
        auth.update(fields)
        return auth

    def payload(self, auth, signature=None, key=KEY, accepted=None):
        accepted = accepted or self.requirement
        if signature is None:
            signature = sign_all(key, accepted, [auth])[0]
        return {"x402Version": 2, "payload": {"authorization": auth, "signature": signature},
                "resource": {"url": "http://%s%s" % (td.VECTOR_HOST, td.QUERY),
                             "description": "Pay-per-use WebSockets on demand",
                             "mimeType": "application/json"},
                "accepted": accepted}

    def pay(self, payload):
        """(status, headers, body) of the paid retry."""
        value = payload if isinstance(payload, str) else header(payload)
        return self.srv.get(td.QUERY, {"PAYMENT-SIGNATURE": value}, host=td.VECTOR_HOST)

    def assert_refused(self, payload, reason):
        status, hdrs, body = self.pay(payload)
        self.assertEqual((status, body), (402, b"{}"))
        self.assertEqual(error_of(hdrs), reason)
        return hdrs

    def test_a_valid_payment_gets_a_token(self):
        status, hdrs, body = self.pay(self.payload(self.authorization()))
        self.assertEqual(status, 200, body)
        receipt = json.loads(base64.b64decode(dict(hdrs)["PAYMENT-RESPONSE"]))
        self.assertEqual((receipt["success"], receipt["payer"]), (True, self.payer))
        token = json.loads(body)["token"]
        ws = td.WsClient(self.srv.port, "/ws-connect?token=" + token)
        self.assertEqual(ws.recv_json()["type"], "session_start")

    def test_addresses_are_compared_in_any_case(self):
        # as viem's getAddress: the case of from/to is not a checksum to enforce
        auth = self.authorization(to=self.requirement["payTo"].lower())
        auth["from"] = auth["from"].upper().replace("0X", "0x")
        self.assertEqual(self.pay(self.payload(auth))[0], 200)

    def test_the_fake_demo_signature_is_refused(self):
        # the vector's payment is what `consensus-ws --demo-payer` sends: 0xabab...
        value = td.vector_header("paid-request.http", "PAYMENT-SIGNATURE")
        self.assertIn('"signature":"0x' + "ab" * 65 + '"', base64.b64decode(value).decode())
        self.assert_refused(value, "invalid_exact_evm_signature")

    def test_a_replayed_payment_is_refused_as_the_vector(self):
        value = header(self.payload(self.authorization()))
        self.assertEqual(self.pay(value)[0], 200)
        hdrs = self.assert_refused(value, "invalid_exact_evm_nonce_already_used")
        vec = td.vector_json("402-nonce-reused.json")
        self.assertEqual([k for k, _ in hdrs], vec["headerNames"])
        self.assertEqual(dict(hdrs)["PAYMENT-REQUIRED"],
                         td.vector_header("402-nonce-reused.http", "PAYMENT-REQUIRED"))
        self.assertEqual(dict(hdrs)["ETag"], td.vector_header("402-nonce-reused.http", "ETag"))
        # the same nonce by another payer, or signed again, is another authorization
        other = self.authorization(nonce=json.loads(base64.b64decode(value))["payload"]
                                   ["authorization"]["nonce"], **{"from": address(OTHER_KEY)})
        self.assertEqual(self.pay(self.payload(other, key=OTHER_KEY))[0], 200)

    def test_signature_reasons(self):
        auth = self.authorization()
        good = sign_all(KEY, self.requirement, [auth])[0]
        raw = bytes.fromhex(good[2:])
        cases = {
            "another key": sign_all(OTHER_KEY, self.requirement, [auth])[0],
            "64 bytes": good[:-2],
            "66 bytes": good + "00",
            "not hex": "0x" + "zz" * 65,
            "high s": high_s(good),
            "v 0/1": "0x" + (raw[:64] + bytes([raw[64] - 27])).hex(),
            "another domain": sign_all(KEY, dict(self.requirement, extra={"name": "USD Coin",
                                                                          "version": "2"}),
                                       [auth])[0],
            "another chain": sign_all(KEY, dict(self.requirement, network="eip155:8453"),
                                      [auth])[0],
        }
        for what, sig in cases.items():
            with self.subTest(what):
                self.assert_refused(self.payload(auth, signature=sig),
                                    "invalid_exact_evm_signature")
        # none of them used the nonce up
        self.assertEqual(self.pay(self.payload(auth, signature=good))[0], 200)

    def test_recipient_mismatch(self):
        self.assert_refused(self.payload(self.authorization(to=OTHER_ADDRESS)),
                            "invalid_exact_evm_recipient_mismatch")

    def test_valid_before_is_refused_as_the_vector(self):
        now = int(time.time())
        for valid_before in (now - 3600, now, now + 4):  # less than 6 s ahead
            with self.subTest(valid_before - now):
                hdrs = self.assert_refused(
                    self.payload(self.authorization(validBefore=str(valid_before))),
                    "invalid_exact_evm_payload_authorization_valid_before")
        self.assertEqual(dict(hdrs)["PAYMENT-REQUIRED"],
                         td.vector_header("402-authorization-expired.http", "PAYMENT-REQUIRED"))
        self.assertEqual(self.pay(self.payload(self.authorization(
            validBefore=str(int(time.time()) + 10))))[0], 200)

    def test_valid_after(self):
        self.assert_refused(
            self.payload(self.authorization(validAfter=str(int(time.time()) + 120))),
            "invalid_exact_evm_payload_authorization_valid_after")
        self.assertEqual(self.pay(self.payload(self.authorization(
            validAfter=str(int(time.time()) - 5))))[0], 200)

    def test_value_mismatch(self):
        for value in ("7499", "7501", "75000", "0"):
            with self.subTest(value):
                self.assert_refused(self.payload(self.authorization(value=value)),
                                    "invalid_exact_evm_payload_authorization_value_mismatch")
        # a decimal with leading zeros is the same number (BigInt reads it so)
        auth = self.authorization()
        sig = sign_all(KEY, self.requirement, [auth])[0]
        self.assertEqual(self.pay(self.payload(dict(auth, value="00" + auth["value"]), sig))[0],
                         200)

    def test_unusable_authorization_fields(self):
        auth = self.authorization()
        sig = sign_all(KEY, self.requirement, [auth])[0]
        cases = {"nonce": "0x1234", "value": "7.5e3", "validBefore": "-1", "from": "0x1234",
                 "to": None}
        for field, value in cases.items():
            with self.subTest(field):
                bad = dict(auth)
                if value is None:
                    del bad[field]
                else:
                    bad[field] = value
                self.assert_refused(self.payload(bad, signature=sig), "invalid_payload")
        self.assert_refused(self.payload(auth, signature=12345), "invalid_payload")

    def test_the_first_failed_check_names_the_reason(self):
        now = int(time.time())
        everything = {"to": OTHER_ADDRESS, "validBefore": str(now - 60),
                      "validAfter": str(now + 60), "value": "1"}
        order = ["invalid_exact_evm_recipient_mismatch",
                 "invalid_exact_evm_payload_authorization_valid_before",
                 "invalid_exact_evm_payload_authorization_valid_after",
                 "invalid_exact_evm_payload_authorization_value_mismatch"]
        fields = list(everything)
        for i, reason in enumerate(order):
            with self.subTest(reason):
                auth = self.authorization(**{f: everything[f] for f in fields[i:]})
                self.assert_refused(self.payload(auth), reason)
                # a bad signature comes before all of them
                self.assert_refused(self.payload(auth, key=OTHER_KEY),
                                    "invalid_exact_evm_signature")

    def test_the_requirement_match_comes_first(self):
        # the middleware's own check, before the facilitator is asked: its error
        accepted = dict(self.requirement, amount="1")
        auth = self.authorization(value="1")
        self.assert_refused(self.payload(auth, accepted=accepted),
                            "No matching payment requirements")
        self.assert_refused(self.payload(auth, accepted=dict(self.requirement, scheme="upto")),
                            "No matching payment requirements")

    def test_refusals_are_logged_with_their_reason(self):
        self.assert_refused(self.payload(self.authorization(to=OTHER_ADDRESS)),
                            "invalid_exact_evm_recipient_mismatch")
        refused = [e for e in self.srv.log() if e["event"] == "payment_refused"]
        self.assertEqual(refused[-1], {"event": "payment_refused",
                                       "reason": "invalid_exact_evm_recipient_mismatch",
                                       "payer": self.payer})
        requests = [e for e in self.srv.log() if e["event"] == "token_request"]
        self.assertEqual((requests[-1]["status"], requests[-1]["paid"]), (402, False))


class ChecksTheRouteCannotReach(unittest.TestCase):
    """Scheme, EIP-712 domain, network and asset: the route's own requirement
    has them right, and the middleware refuses an `accepted` that differs
    before the facilitator is asked. verify_payment is checked directly."""

    def setUp(self):
        if not ARGS.signer:
            self.skipTest(ONLY_WITH_EVM)
        self.requirement = td.vector_json("402-hybrid.json")["accepts"][0]
        self.now = int(time.time())
        self.payer = address(KEY)

    def check(self, requirement, accepted, key=KEY):
        auth = {"from": self.payer, "to": requirement["payTo"], "value": requirement["amount"],
                "validAfter": "0", "validBefore": str(self.now + 300),
                "nonce": "0x" + os.urandom(32).hex()}
        sig = sign_all(key, self.requirement, [auth])[0]  # in the route's own domain
        payload = {"x402Version": 2, "payload": {"authorization": auth, "signature": sig},
                   "accepted": accepted}
        lines = json.dumps(requirement) + "\n" + json.dumps(payload) + "\n"
        return signer("check", str(self.now), stdin=lines)[0]

    def test_valid(self):
        self.assertEqual(self.check(self.requirement, self.requirement), "valid")

    def test_scheme(self):
        req = self.requirement
        self.assertEqual(self.check(req, dict(req, scheme="upto")), "invalid_exact_evm_scheme")
        upto = dict(req, scheme="upto")
        self.assertEqual(self.check(upto, upto), "invalid_exact_evm_scheme")

    def test_missing_eip712_domain(self):
        for extra in ({}, {"name": "USDC"}, {"version": "2"}, {"name": "", "version": "2"}):
            with self.subTest(extra=extra):
                req = dict(self.requirement, extra=extra)
                self.assertEqual(self.check(req, req), "invalid_exact_evm_missing_eip712_domain")

    def test_network_mismatch(self):
        req = self.requirement
        self.assertEqual(self.check(req, dict(req, network="eip155:8453")),
                         "invalid_exact_evm_network_mismatch")
        solana = dict(req, network="solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp")
        self.assertEqual(self.check(solana, solana), "invalid_exact_evm_network_mismatch")

    def test_asset_mismatch(self):
        req = self.requirement
        self.assertEqual(self.check(req, dict(req, asset=OTHER_ADDRESS)),
                         "invalid_exact_evm_asset_mismatch")
        self.assertEqual(self.check(req, dict(req, asset=req["asset"].lower())), "valid")

    def test_order_scheme_domain_network_then_signature(self):
        req = self.requirement
        self.assertEqual(self.check(dict(req, scheme="upto", extra={}),
                                    dict(req, network="eip155:1")), "invalid_exact_evm_scheme")
        self.assertEqual(self.check(dict(req, extra={}), dict(req, network="eip155:1")),
                         "invalid_exact_evm_missing_eip712_domain")
        # the network check comes before the signature's (which uses its chain id)
        self.assertEqual(self.check(req, dict(req, network="eip155:1"), key=OTHER_KEY),
                         "invalid_exact_evm_network_mismatch")


class NonceTableBound(unittest.TestCase):
    CAPACITY = 4096  # NonceTable::kCapacity, as --help and docs/CLI.md state it

    def test_full_of_live_nonces_refuses_then_forgets_the_expired(self):
        if not ARGS.signer:
            self.skipTest(ONLY_WITH_EVM)
        srv = td.DevServer("--verify-payments")
        try:
            status, hdrs, _ = srv.get(td.QUERY)
            req = json.loads(base64.b64decode(dict(hdrs)["PAYMENT-REQUIRED"]))["accepts"][0]
            payer, now = address(KEY), int(time.time())

            def auth(valid_before):
                return {"from": payer, "to": req["payTo"], "value": req["amount"],
                        "validAfter": "0", "validBefore": str(valid_before),
                        "nonce": "0x" + os.urandom(32).hex()}

            def pay(auth, sig):
                payload = {"x402Version": 2, "accepted": req,
                           "payload": {"authorization": auth, "signature": sig}}
                status, hdrs, _ = srv.get(td.QUERY, {"PAYMENT-SIGNATURE": header(payload)})
                return "paid" if status == 200 else error_of(hdrs)

            # CAPACITY - 1 long-lived nonces, then one that expires in 8 s
            auths = [auth(now + 3600) for _ in range(self.CAPACITY + 1)]
            sigs = sign_all(KEY, req, auths)
            self.assertEqual({pay(auths[i], sigs[i]) for i in range(self.CAPACITY - 1)}, {"paid"})
            short = auth(int(time.time()) + 8)
            self.assertEqual(pay(short, sign_all(KEY, req, [short])[0]), "paid")
            full = "devserver_nonce_table_full"
            self.assertEqual(pay(auths[-2], sigs[-2]), full)
            self.assertEqual(pay(auths[0], sigs[0]), "invalid_exact_evm_nonce_already_used")
            # once its validBefore is less than 6 s away, its nonce may be forgotten
            time.sleep(max(0.0, int(short["validBefore"]) - 5 + 0.2 - time.time()))
            self.assertEqual(pay(auths[-2], sigs[-2]), "paid")
            self.assertEqual(pay(auths[-1], sigs[-1]), full)
        finally:
            self.assertEqual(srv.stop(), 0)


class Modes(unittest.TestCase):
    def test_settle_failure_does_not_use_the_nonce(self):
        if not ARGS.signer:
            self.skipTest(ONLY_WITH_EVM)
        srv = td.DevServer("--verify-payments", "--settle-fail", "no funds")
        try:
            _, hdrs, _ = srv.get(td.QUERY)
            req = json.loads(base64.b64decode(dict(hdrs)["PAYMENT-REQUIRED"]))["accepts"][0]
            auth = {"from": address(KEY), "to": req["payTo"], "value": req["amount"],
                    "validAfter": "0", "validBefore": str(int(time.time()) + 300),
                    "nonce": "0x" + os.urandom(32).hex()}
            payload = {"x402Version": 2, "accepted": req, "payload": {
                "authorization": auth, "signature": sign_all(KEY, req, [auth])[0]}}
            for _ in range(2):  # refused by settlement both times, never as a replay
                status, hdrs, _ = srv.get(td.QUERY, {"PAYMENT-SIGNATURE": header(payload)})
                self.assertEqual(status, 402)
                self.assertNotIn("PAYMENT-REQUIRED", dict(hdrs))
                receipt = json.loads(base64.b64decode(dict(hdrs)["PAYMENT-RESPONSE"]))
                self.assertEqual((receipt["success"], receipt["errorMessage"]), (False, "no funds"))
            # a bad signature is refused before settlement is tried
            payload["payload"]["signature"] = "0x" + "ab" * 65
            status, hdrs, _ = srv.get(td.QUERY, {"PAYMENT-SIGNATURE": header(payload)})
            self.assertEqual(error_of(hdrs), "invalid_exact_evm_signature")
        finally:
            self.assertEqual(srv.stop(), 0)

    def test_startup_line_replaces_the_warning(self):
        if not ARGS.signer:
            self.skipTest(ONLY_WITH_EVM)
        srv = td.DevServer("--verify-payments")
        self.assertEqual(srv.stop(), 0)
        self.assertIn("payments are verified", srv.stderr)
        self.assertNotIn("DOES NOT VERIFY", srv.stderr)

    def test_without_the_flag_the_demo_payment_is_still_taken(self):
        srv = td.DevServer()
        try:
            value = td.vector_header("paid-request.http", "PAYMENT-SIGNATURE")
            status, _, _ = srv.get(td.QUERY, {"PAYMENT-SIGNATURE": value}, host=td.VECTOR_HOST)
            self.assertEqual(status, 200)
        finally:
            self.assertEqual(srv.stop(), 0)
        self.assertIn("DOES NOT VERIFY PAYMENTS", srv.stderr)

    def test_usage_errors(self):
        if ARGS.signer:
            cases = [(["--verify-payments", "--free"],
                      "--verify-payments needs paid mode, not --free")]
        else:  # the build's refusal comes first
            off = "--verify-payments is not in this build (configured with CONSENSUS_EVM=OFF)"
            cases = [(["--verify-payments"], off), (["--free", "--verify-payments"], off)]
        for argv, what in cases:
            with self.subTest(argv=argv):
                bad = subprocess.run([ARGS.server, *argv], capture_output=True, text=True)
                self.assertEqual((bad.returncode, bad.stdout), (2, ""))
                self.assertEqual(bad.stderr, "consensus-devserver: %s; see --help\n" % what)

    def test_help_and_docs_describe_the_flag(self):
        out = subprocess.run([ARGS.server, "--help"], capture_output=True, text=True).stdout
        self.assertIn("--verify-payments", out)
        self.assertIn("4096", out)
        self.assertIn("PAYMENTS ARE NOT VERIFIED without --verify-payments", out)
        docs = os.path.join(td.HERE, "../../../docs")
        with open(os.path.join(docs, "CLI.md")) as f:
            cli = f.read()
        with open(os.path.join(docs, "SERVICE.md")) as f:
            service = f.read()
        self.assertTrue("--verify-payments" in service, "docs/SERVICE.md")
        for text in ("`--verify-payments`", "4096", "invalid_payload",
                     "invalid_exact_evm_scheme", "invalid_exact_evm_missing_eip712_domain",
                     "invalid_exact_evm_network_mismatch", "invalid_exact_evm_signature",
                     "invalid_exact_evm_recipient_mismatch",
                     "invalid_exact_evm_payload_authorization_valid_before",
                     "invalid_exact_evm_payload_authorization_valid_after",
                     "invalid_exact_evm_payload_authorization_value_mismatch",
                     "invalid_exact_evm_asset_mismatch", "invalid_exact_evm_nonce_already_used",
                     "devserver_nonce_table_full", "payment_refused"):
            self.assertTrue(text in cli, "docs/CLI.md lacks %s" % text)


def main():
    global ARGS
    p = argparse.ArgumentParser()
    p.add_argument("--server", required=True)
    p.add_argument("--signer")
    p.add_argument("--workdir", default=None)
    ARGS, rest = p.parse_known_args()
    if ARGS.workdir:
        os.makedirs(ARGS.workdir, exist_ok=True)
    td.ARGS = ARGS  # DevServer reads --server and --workdir from there
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2, warnings="ignore")


if __name__ == "__main__":
    main()
