// A token endpoint that always answers GET /ws with 200 and the connect_url
// given on the command line (e.g. a refused port, or a bogus token on a real
// dev server): the token is "obtained" but the session cannot open.
// usage: node fake-token-server.js <connect_url>   (prints "READY <port>")
'use strict';
const http = require('http');
const connectUrl = process.argv[2];
const server = http.createServer((req, res) => {
  const body = JSON.stringify({ token: 'bogus-token', connect_url: connectUrl, expires_in: 60 });
  res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`READY ${server.address().port}\n`);
});
process.on('SIGTERM', () => process.exit(0));
