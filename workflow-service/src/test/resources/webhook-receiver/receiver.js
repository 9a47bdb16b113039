// A webhook receiver that verifies MedHook's deliveries with the official npm `standardwebhooks` package.
// Two listeners on 127.0.0.2: the delivery port (what MedHook calls) and a control port (what the test calls).
// The test sets {secrets, status, delayMs, headers, down} on the control port and reads what arrived from /hits.
// For every delivery and every configured secret it records:
//   verify: "ok" or the package's error message from Webhook.verify (signature AND timestamp tolerance, real time)
//   signed: whether Webhook.sign(id, timestamp, body) of the package matches one of the sent signatures
//           (the signature alone: tests that move time verify this one, as their timestamps are in the future)
'use strict';
const http = require('http');
const { Webhook } = require('standardwebhooks');

const host = process.argv[2] || '127.0.0.2';
let cfg = { secrets: [], status: 200, delayMs: 0, headers: {}, body: '{"ok":true}' };
const hits = [];
let deliveryServer = null;
let deliveryPort = 0;

function onDelivery(req, res) {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const raw = Buffer.concat(chunks).toString('utf8');
    const headers = {};
    for (const [k, v] of Object.entries(req.headers)) headers[k.toLowerCase()] = v;
    const results = cfg.secrets.map((secret) => {
      const wh = new Webhook(secret);
      let verify;
      try {
        wh.verify(raw, headers);
        verify = 'ok';
      } catch (e) {
        verify = e.message;
      }
      let signed = false;
      try {
        const ts = new Date(parseInt(headers['webhook-timestamp'], 10) * 1000);
        const expected = wh.sign(headers['webhook-id'], ts, raw);
        signed = (headers['webhook-signature'] || '').split(' ').includes(expected);
      } catch (e) {
        signed = false;
      }
      return { verify, signed };
    });
    hits.push({
      path: req.url, receivedAtMs: Date.now(), id: headers['webhook-id'] || null,
      timestamp: headers['webhook-timestamp'] || null, signature: headers['webhook-signature'] || null,
      headers, body: raw, results,
    });
    const reply = () => {
      res.writeHead(cfg.status, Object.assign({ 'content-type': 'application/json' }, cfg.headers));
      res.end(cfg.body);
    };
    if (cfg.delayMs > 0) setTimeout(reply, cfg.delayMs); else reply();
  });
}

function listenDelivery(port, done) {
  deliveryServer = http.createServer(onDelivery);
  deliveryServer.keepAliveTimeout = 1000;
  deliveryServer.listen(port, host, () => {
    deliveryPort = deliveryServer.address().port;
    done();
  });
}

function readJson(req, cb) {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => cb(chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {}));
}

const control = http.createServer((req, res) => {
  const send = (obj) => { res.writeHead(200, { 'content-type': 'application/json' }); res.end(JSON.stringify(obj)); };
  if (req.method === 'GET' && req.url === '/hits') return send(hits);
  if (req.method === 'POST' && req.url === '/config') {
    return readJson(req, (body) => {
      const wasDown = !!cfg.down;
      cfg = Object.assign({}, cfg, body);
      if (cfg.down && !wasDown && deliveryServer) {
        // refuse connections: close the listener and every kept-alive connection
        deliveryServer.close();
        deliveryServer.closeAllConnections();
        deliveryServer = null;
        return send({ port: deliveryPort, down: true });
      }
      if (!cfg.down && wasDown) return listenDelivery(deliveryPort, () => send({ port: deliveryPort, down: false }));
      return send({ port: deliveryPort, down: !!cfg.down });
    });
  }
  res.writeHead(404); res.end();
});

listenDelivery(0, () => {
  control.listen(0, host, () => {
    process.stdout.write(JSON.stringify({ deliveryPort, controlPort: control.address().port }) + '\n');
  });
});
