#!/usr/bin/env node
// Reference vectors for the C++ EVM payer (include/consensus/x402_evm.h), made
// by viem, an implementation nobody on this project wrote: Keccak-256, EIP-55
// addresses, EIP-712 hashing (the spec's Mail example) and EIP-3009
// TransferWithAuthorization signatures (RFC 6979, so deterministic).
//
// Usage: node evm-vectors.mjs               prints the JSON document on stdout
//        node evm-vectors.mjs --check FILE  exit 0 when FILE holds exactly those bytes
//
// Deterministic by construction: fixed keys, messages and nonces, no clock, no
// randomness. The committed output is tests/vectors/evm/viem-vectors.json; the
// ctest interop.evm_vectors runs --check on it, so a change in viem or in the
// file shows up. Every private key here is a throwaway that holds nothing.
import crypto from "node:crypto";
import fs from "node:fs";
import {
  concat,
  domainSeparator,
  getAddress,
  hashStruct,
  hashTypedData,
  keccak256,
  parseSignature,
  recoverAddress,
  recoverTypedDataAddress,
  toBytes,
  toHex,
  verifyTypedData,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { TRANSFER_WITH_AUTHORIZATION_TYPES } from "./strict-facilitator.mjs";

class VectorError extends Error {}

function expect(condition, message) {
  if (!condition) throw new VectorError(message);
}

const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const MAX_UINT256 = (1n << 256n) - 1n;

function key32(n) {
  return "0x" + n.toString(16).padStart(64, "0");
}

function sha256Key(phrase) {
  return "0x" + crypto.createHash("sha256").update(phrase, "utf8").digest("hex");
}

// ---------------------------------------------------------------------------
// Keccak-256 across the rate boundary (136 bytes) and its multiples.
function patternBytes(length) {
  const b = new Uint8Array(length);
  for (let i = 0; i < length; i++) b[i] = (i * 7 + 3) % 256;
  return b;
}

// Published digests (Keccak-256 as Ethereum uses it, not FIPS SHA3-256).
const KNOWN_KECCAK = {
  "": "0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470",
  abc: "0x4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45",
  "The quick brown fox jumps over the lazy dog": "0x4d741b6f1eb29cb2a9b9911c82f56fa8d73b04959d3d9d222895df6c0b28aa15",
};

function keccakVectors() {
  const inputs = [];
  for (const length of [0, 1, 3, 55, 56, 135, 136, 137, 271, 272, 273, 1000]) {
    inputs.push(length === 3 ? toBytes("abc") : patternBytes(length));
  }
  inputs.push(toBytes("The quick brown fox jumps over the lazy dog"));
  const out = inputs.map((bytes) => ({ length: bytes.length, input_hex: toHex(bytes), digest_hex: keccak256(bytes) }));
  for (const [text, digest] of Object.entries(KNOWN_KECCAK)) {
    expect(keccak256(toBytes(text)) === digest, `viem keccak256(${JSON.stringify(text)}) is not the published ${digest}`);
  }
  return out;
}

// ---------------------------------------------------------------------------
// EIP-712's own example (the "Mail" test in the specification).
const MAIL = {
  domain: {
    name: "Ether Mail",
    version: "1",
    chainId: 1,
    verifyingContract: "0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC",
  },
  types: {
    Person: [
      { name: "name", type: "string" },
      { name: "wallet", type: "address" },
    ],
    Mail: [
      { name: "from", type: "Person" },
      { name: "to", type: "Person" },
      { name: "contents", type: "string" },
    ],
  },
  primaryType: "Mail",
  message: {
    from: { name: "Cow", wallet: "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826" },
    to: { name: "Bob", wallet: "0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB" },
    contents: "Hello, Bob!",
  },
};
// Values published with the specification's example.
const MAIL_PUBLISHED = {
  domain_separator: "0xf2cee375fa42b42143804025fc449deafd50cc031ca257e0b194a650a912090f",
  struct_hash: "0xc52c0ee5d84264471806290a3f2c4cecfc5490626bf912d01f240d7a274b371e",
  digest: "0xbe609aee343fb3c4b28e1df9e632fca64fcfaede20f02e86244efddf30957bd2",
  // The example signs with keccak256("cow") as the private key.
  signer: "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826",
  v: 28,
  r: "0x4355c47d63924e8a72e509b65029052eb6c299d53a04e167c5775fd466751c9d",
  s: "0x07299936d304c153f6443dfa05f40ff007d72911b6f72307f996231605b91562",
};

async function mailVector() {
  const ds = domainSeparator({ domain: MAIL.domain });
  const sh = hashStruct({ data: MAIL.message, primaryType: "Mail", types: MAIL.types });
  const digest = hashTypedData(MAIL);
  expect(digest === MAIL_PUBLISHED.digest, `EIP-712 Mail digest ${digest}, the EIP publishes ${MAIL_PUBLISHED.digest}`);
  expect(ds === MAIL_PUBLISHED.domain_separator, `EIP-712 Mail domain separator ${ds}, the EIP publishes ${MAIL_PUBLISHED.domain_separator}`);
  expect(sh === MAIL_PUBLISHED.struct_hash, `EIP-712 Mail struct hash ${sh}, the EIP publishes ${MAIL_PUBLISHED.struct_hash}`);
  expect(keccak256(concat(["0x1901", ds, sh])) === digest, "Mail: keccak256(0x1901 || domain || struct) differs from hashTypedData");

  const privateKey = keccak256(toBytes("cow"));
  const account = privateKeyToAccount(privateKey);
  expect(account.address === MAIL_PUBLISHED.signer, `keccak256("cow") gives ${account.address}, the EIP names ${MAIL_PUBLISHED.signer}`);
  const signature = await account.signTypedData(MAIL);
  const sig = parseSignature(signature);
  expect(
    Number(sig.v) === MAIL_PUBLISHED.v && sig.r === MAIL_PUBLISHED.r && sig.s === MAIL_PUBLISHED.s,
    `Mail signature ${signature} is not the EIP's v=${MAIL_PUBLISHED.v} r=${MAIL_PUBLISHED.r} s=${MAIL_PUBLISHED.s}`,
  );
  return {
    domain: MAIL.domain,
    types: MAIL.types,
    primary_type: MAIL.primaryType,
    message: MAIL.message,
    encoded_type: "Mail(Person from,Person to,string contents)Person(string name,address wallet)",
    type_hash: keccak256(toBytes("Mail(Person from,Person to,string contents)Person(string name,address wallet)")),
    domain_separator: ds,
    struct_hash: sh,
    digest,
    private_key: privateKey,
    address: account.address,
    signature,
  };
}

// ---------------------------------------------------------------------------
// EIP-3009 TransferWithAuthorization, as @x402/evm's exact scheme signs it.
const TWA_ENCODED_TYPE =
  "TransferWithAuthorization(address from,address to,uint256 value,uint256 validAfter,uint256 validBefore,bytes32 nonce)";

const BASE_SEPOLIA_USDC = { name: "USDC", version: "2", chainId: 84532n, verifyingContract: "0x036CbD53842c5426634e7929541eC2318f3dCF7e" };
const BASE_USDC = { name: "USD Coin", version: "2", chainId: 8453n, verifyingContract: "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913" };
const PAY_TO = "0xC0Dec0dec0DeC0Dec0dEc0DEC0DEC0DEC0DEC0dE";

// want_v: each case searches nonces (index 0, 1, ...) until its signature has
// that v, so both recovery ids are covered whatever the keys give.
const TWA_CASES = [
  {
    name: "base_sepolia_usdc_7500",
    note: "the service's challenge (tests/vectors/x402/402-hybrid.json) paid with a sha256-derived key",
    private_key: sha256Key("consensus-ws evm vectors: payer"),
    domain: BASE_SEPOLIA_USDC,
    to: PAY_TO,
    value: 7500n,
    validAfter: 0n,
    validBefore: 1795625609n,
    want_v: 27,
  },
  {
    name: "value_zero_key_one",
    note: "private key 1, value 0",
    private_key: key32(1n),
    domain: BASE_SEPOLIA_USDC,
    to: PAY_TO,
    value: 0n,
    validAfter: 0n,
    validBefore: 1795625609n,
    want_v: 28,
  },
  {
    name: "value_max_uint256_key_two",
    note: "private key 2, value 2^256-1",
    private_key: key32(2n),
    domain: BASE_SEPOLIA_USDC,
    to: PAY_TO,
    value: MAX_UINT256,
    validAfter: 1700000000n,
    validBefore: MAX_UINT256,
    want_v: 27,
  },
  {
    name: "chain_id_2pow53_plus_1_key_n_minus_1",
    note: "chainId 2^53+1 (not exact as a double), private key n-1 (the largest valid key)",
    private_key: key32(SECP256K1_N - 1n),
    domain: { ...BASE_SEPOLIA_USDC, chainId: (1n << 53n) + 1n },
    to: PAY_TO,
    value: 1000000n,
    validAfter: 0n,
    validBefore: 4294967296n,
    want_v: 28,
  },
  {
    name: "non_ascii_token_name",
    note: "domain name \"USD\u20ae\" (UTF-8 e2 82 ae), hashed as its UTF-8 bytes",
    private_key: sha256Key("consensus-ws evm vectors: non-ascii"),
    domain: { name: "USD\u20ae", version: "1", chainId: 1n, verifyingContract: "0xdAC17F958D2ee523a2206206994597C13D831ec7" },
    to: "0x000000000000000000000000000000000000dEaD",
    value: 123456789n,
    validAfter: 0n,
    validBefore: 1795625609n,
    want_v: 27,
  },
  {
    name: "base_mainnet_usdc",
    note: "Base mainnet USDC domain (name \"USD Coin\"); the payee is written in lowercase",
    private_key: sha256Key("consensus-ws evm vectors: mainnet domain"),
    domain: BASE_USDC,
    to: "0xc0dec0dec0dec0dec0dec0dec0dec0dec0dec0de",
    value: 5000n,
    validAfter: 0n,
    validBefore: 1795625609n,
    want_v: 28,
  },
  {
    name: "key_three_long_version",
    note: "private key 3, a longer version string, validAfter = validBefore - 1",
    private_key: key32(3n),
    domain: { name: "USDC", version: "2.2.0-consensus-test", chainId: 84532n, verifyingContract: BASE_SEPOLIA_USDC.verifyingContract },
    to: PAY_TO,
    value: 42n,
    validAfter: 1795625608n,
    validBefore: 1795625609n,
    want_v: 27,
  },
];

function decimalDomain(d) {
  return { name: d.name, version: d.version, chainId: d.chainId.toString(), verifyingContract: d.verifyingContract };
}

async function twaVector(c) {
  const account = privateKeyToAccount(c.private_key);
  for (let index = 0; index < 64; index++) {
    const nonce = keccak256(toBytes(`consensus-ws/evm-vectors/${c.name}/nonce/${index}`));
    const message = {
      from: account.address,
      to: c.to, // as given: a lowercase payee must hash the same
      value: c.value,
      validAfter: c.validAfter,
      validBefore: c.validBefore,
      nonce,
    };
    const typed = { domain: c.domain, types: TRANSFER_WITH_AUTHORIZATION_TYPES, primaryType: "TransferWithAuthorization", message };
    const signature = await account.signTypedData(typed);
    const v = parseInt(signature.slice(-2), 16);
    if (v !== c.want_v) continue;

    const ds = domainSeparator({ domain: c.domain });
    const sh = hashStruct({ data: message, primaryType: "TransferWithAuthorization", types: TRANSFER_WITH_AUTHORIZATION_TYPES });
    const digest = hashTypedData(typed);
    expect(keccak256(concat(["0x1901", ds, sh])) === digest, `${c.name}: digest is not keccak256(0x1901 || domain || struct)`);
    expect(signature.length === 2 + 130, `${c.name}: signature is not 65 bytes`);
    const s = BigInt("0x" + signature.slice(66, 130));
    expect(s <= SECP256K1_N / 2n, `${c.name}: viem gave a high-s signature`);
    expect(await verifyTypedData({ address: account.address, signature, ...typed }), `${c.name}: verifyTypedData refuses viem's own signature`);
    expect((await recoverTypedDataAddress({ signature, ...typed })) === account.address, `${c.name}: recoverTypedDataAddress differs`);
    return {
      name: c.name,
      note: c.note,
      private_key: c.private_key,
      address: account.address,
      domain: decimalDomain(c.domain),
      domain_name_utf8_hex: toHex(toBytes(c.domain.name)),
      message: {
        from: message.from,
        to: message.to,
        value: message.value.toString(),
        validAfter: message.validAfter.toString(),
        validBefore: message.validBefore.toString(),
        nonce: message.nonce,
      },
      nonce_index: index,
      domain_separator: ds,
      struct_hash: sh,
      digest,
      signature,
      v,
    };
  }
  throw new VectorError(`${c.name}: no nonce among 64 gave v=${c.want_v}`);
}

// ---------------------------------------------------------------------------
// Addresses: from private keys, and EIP-55 checksums.
const KNOWN_KEY_ADDRESSES = {
  [key32(1n)]: "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf",
  [key32(2n)]: "0x2B5AD5c4795c026514f8317c7a215E218DcCD6cF",
};

// The EIP-55 specification's examples, in their checksummed form.
const EIP55_SPEC = [
  "0x52908400098527886E0F7030069857D2E4169EE7",
  "0x8617E340B3D01FA5F11F306F4090FD50E238070D",
  "0xde709f2102306220921060314715629080e2fb77",
  "0x27b1fdb04752bbc536007a920d24acb045561c26",
  "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
  "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
  "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
  "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb",
];
const EIP55_MORE = [
  "0x0000000000000000000000000000000000000000",
  "0xffffffffffffffffffffffffffffffffffffffff",
  PAY_TO,
  BASE_SEPOLIA_USDC.verifyingContract,
  BASE_USDC.verifyingContract,
  MAIL.domain.verifyingContract,
];

function addressVectors() {
  const keys = [
    key32(1n),
    key32(2n),
    key32(3n),
    key32(SECP256K1_N - 1n),
    sha256Key("consensus-ws evm vectors: payer"),
    sha256Key("consensus-ws interop throwaway test key"),
  ];
  const fromKeys = keys.map((k) => ({ private_key: k, address: privateKeyToAccount(k).address }));
  for (const { private_key, address } of fromKeys) {
    const known = KNOWN_KEY_ADDRESSES[private_key];
    expect(known === undefined || known === address, `key ${private_key}: viem gives ${address}, expected ${known}`);
  }
  const checksums = [...EIP55_SPEC, ...EIP55_MORE].map((a) => ({ lower: a.toLowerCase(), eip55: getAddress(a.toLowerCase()) }));
  for (const spec of EIP55_SPEC) {
    expect(getAddress(spec.toLowerCase()) === spec, `EIP-55: viem gives ${getAddress(spec.toLowerCase())}, the EIP ${spec}`);
  }
  return { from_private_key: fromKeys, eip55: checksums };
}

async function recoverVectors(transfers) {
  const out = [];
  for (const t of transfers) {
    const recovered = await recoverAddress({ hash: t.digest, signature: t.signature });
    expect(recovered === t.address, `${t.name}: recoverAddress gives ${recovered}, expected ${t.address}`);
    out.push({ name: t.name, digest: t.digest, signature: t.signature, address: recovered });
  }
  return out;
}

async function buildDocument() {
  const transfers = [];
  for (const c of TWA_CASES) transfers.push(await twaVector(c));
  const vs = new Set(transfers.map((t) => t.v));
  expect(vs.has(27) && vs.has(28), "the transfer cases must cover v = 27 and v = 28");
  return {
    about:
      "Reference vectors made by viem (tests/interop/evm-vectors.mjs; regenerate with `node tests/interop/evm-vectors.mjs > tests/vectors/evm/viem-vectors.json`). Hex is 0x-prefixed lower case; addresses are EIP-55 (one message `to` is lower case on purpose); integers of the EIP-712 messages and domains are decimal strings. Every key is a throwaway that holds nothing: never fund it.",
    keccak256: keccakVectors(),
    eip712_mail: await mailVector(),
    transfer_with_authorization_types: {
      primary_type: "TransferWithAuthorization",
      types: TRANSFER_WITH_AUTHORIZATION_TYPES,
      encoded_type: TWA_ENCODED_TYPE,
      type_hash: keccak256(toBytes(TWA_ENCODED_TYPE)),
      domain_encoded_type: "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)",
      domain_type_hash: keccak256(toBytes("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)")),
    },
    transfer_with_authorization: transfers,
    addresses: addressVectors(),
    recover: await recoverVectors(transfers),
  };
}

async function main() {
  const args = process.argv.slice(2);
  if (!(args.length === 0 || (args.length === 2 && args[0] === "--check"))) {
    process.stderr.write("usage: node evm-vectors.mjs [--check FILE]\n");
    process.exit(2);
  }
  const text = JSON.stringify(await buildDocument(), null, 2) + "\n";
  if (args.length === 0) {
    process.stdout.write(text);
    return;
  }
  const file = args[1];
  const committed = fs.readFileSync(file, "utf8");
  if (committed === text) {
    process.stdout.write(`evm-vectors: ${file} matches viem's output (${text.length} bytes)\n`);
    return;
  }
  // Name the first differing line, so a drift is easy to locate.
  const a = committed.split("\n");
  const b = text.split("\n");
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  process.stderr.write(
    `evm-vectors: ${file} differs from viem's output at line ${i + 1}\n` +
      `  file: ${a[i] === undefined ? "(end of file)" : a[i]}\n` +
      `  viem: ${b[i] === undefined ? "(end of output)" : b[i]}\n` +
      "regenerate with: node tests/interop/evm-vectors.mjs > tests/vectors/evm/viem-vectors.json (and review the diff)\n",
  );
  process.exit(1);
}

main().catch((err) => {
  process.stderr.write(`evm-vectors: ${err instanceof VectorError ? err.message : err.stack || err}\n`);
  process.exit(1);
});
