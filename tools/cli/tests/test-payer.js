// A test payer for `consensus-ws --payer`: reads the decoded 402 challenge on
// stdin, prints a well-formed x402 v2 PaymentPayload (base64) for accepts[0]
// with a FAKE signature. Only consensus-devserver (which does not verify
// signatures) accepts it.
'use strict';
const crypto = require('crypto');
let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', () => {
  const challenge = JSON.parse(input);
  if (challenge.x402Version !== 2 || !Array.isArray(challenge.accepts)) process.exit(4);
  const req = challenge.accepts[0];
  const payload = {
    x402Version: 2,
    payload: {
      authorization: {
        from: '0x2f5c34fbc99dd9f01ace001cd3c0599843b8a4b3',
        to: req.payTo,
        value: req.amount,
        validAfter: '0',
        validBefore: String(Math.floor(Date.now() / 1000) + req.maxTimeoutSeconds),
        nonce: '0x' + crypto.randomBytes(32).toString('hex'),
      },
      signature: '0x' + 'cd'.repeat(65),
    },
    resource: challenge.resource,
    accepted: req,
  };
  process.stdout.write(Buffer.from(JSON.stringify(payload)).toString('base64') + '\n');
});
