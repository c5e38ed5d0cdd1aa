// A pass-through HTTP proxy in front of moto that counts AWS calls (the idea of
// test/support/aws-proxy.ts without fault injection). Both the guide's aws CLI and otp-setup go
// through it, so its small per-call cost is the same on both sides.
import { Agent, createServer, request as httpRequest } from 'node:http';
import { freePort } from './free-port.mjs';

const READ = /^(Get|List|Describe|Head)/;

const LAMBDA_ROUTES = [
  ['GET', /\/functions\/[^/]+\/policy/, 'GetPolicy'],
  ['POST', /\/functions\/[^/]+\/policy/, 'AddPermission'],
  ['DELETE', /\/functions\/[^/]+\/policy\//, 'RemovePermission'],
  ['PUT', /\/functions\/[^/]+\/code/, 'UpdateFunctionCode'],
  ['PUT', /\/functions\/[^/]+\/configuration/, 'UpdateFunctionConfiguration'],
  ['GET', /\/functions\/[^/]+\/configuration/, 'GetFunctionConfiguration'],
  ['POST', /\/tags\//, 'TagResource'],
  ['GET', /\/tags\//, 'ListTags'],
  ['DELETE', /\/tags\//, 'UntagResource'],
  ['DELETE', /\/functions\/[^/]+$/, 'DeleteFunction'],
  ['GET', /\/functions\/[^/]+$/, 'GetFunction'],
  ['POST', /\/functions\/?$/, 'CreateFunction'],
  ['GET', /\/functions\/?$/, 'ListFunctions'],
];

function classify(req, body) {
  const target = req.headers['x-amz-target'];
  const auth = String(req.headers.authorization ?? '');
  const service = /Credential=[^/]+\/[^/]+\/[^/]+\/([^/]+)\//.exec(auth)?.[1] ?? 'unknown';
  let action;
  if (typeof target === 'string') action = target.split('.').pop();
  else action = new URLSearchParams(body).get('Action') ?? undefined;
  if (!action) {
    const path = (req.url ?? '').split('?')[0];
    const route = LAMBDA_ROUTES.find(([m, p]) => m === req.method && p.test(path));
    action = route ? route[2] : `${req.method} ${path}`;
  }
  return { service, action, write: !READ.test(action) };
}

export async function startCallCounter(targetUrl) {
  const target = new URL(targetUrl);
  const counter = {
    url: '',
    calls: [],
    /** Distinct client sockets seen (one per HTTP connection the caller opened). */
    sockets: 0,
    /** Most calls in flight at once: 1 means the caller never overlapped two calls. */
    maxInFlight: 0,
    reset() {
      counter.calls.length = 0;
      counter.sockets = 0;
      counter.maxInFlight = 0;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const agent = new Agent({ keepAlive: true });
  let inFlight = 0;
  const server = createServer((req, res) => {
    inFlight += 1;
    counter.maxInFlight = Math.max(counter.maxInFlight, inFlight);
    res.on('close', () => (inFlight -= 1));
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const call = { ...classify(req, body.toString('utf8')), start: performance.now() };
      counter.calls.push(call);
      res.on('close', () => (call.end = performance.now()));
      const upstream = httpRequest(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host, connection: 'keep-alive' }, agent },
        (up) => {
          // moto answers with "Connection: close"; drop hop-by-hop headers so the caller's own
          // keep-alive behaviour shows in `sockets`.
          const { connection, 'keep-alive': _ka, ...headers } = up.headers;
          res.writeHead(up.statusCode ?? 502, headers);
          up.pipe(res);
        },
      );
      upstream.on('error', () => res.socket?.destroy());
      upstream.end(body);
    });
  });
  server.on('connection', () => {
    counter.sockets += 1;
  });
  server.keepAliveTimeout = 5000;
  const port = await freePort();
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  counter.url = `http://127.0.0.1:${port}`;
  return counter;
}
