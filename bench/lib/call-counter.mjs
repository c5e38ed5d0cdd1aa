// A pass-through HTTP proxy in front of moto that counts AWS calls (the idea of
// test/support/aws-proxy.ts without fault injection). Both the guide's aws CLI and otp-setup go
// through it, so its small per-call cost is the same on both sides.
//
// Latency mode (counter.latencyMs, counter.iamPropagationMs): moto answers in milliseconds, AWS in
// 50–300 ms, and a new IAM role is not assumable by Lambda for seconds. The proxy holds every call
// for latencyMs before forwarding it, and for iamPropagationMs after a role's CreateRole (or
// UpdateAssumeRolePolicy) answers Lambda's CreateFunction / UpdateFunctionConfiguration naming that
// role as Lambda does: 400 InvalidParameterValueException "The role defined for the function
// cannot be assumed by Lambda."
// https://repost.aws/knowledge-center/lambda-execution-role-not-assumable
// https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html#troubleshoot_general_eventual-consistency
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

const ROLE_CHANGES = new Set(['CreateRole', 'UpdateAssumeRolePolicy']);
const ROLE_USERS = new Set(['CreateFunction', 'UpdateFunctionConfiguration']);

/** The role a call creates (IAM query body) or hands to Lambda (JSON body), by name. */
function roleName(action, body) {
  if (ROLE_CHANGES.has(action)) return new URLSearchParams(body).get('RoleName') ?? undefined;
  try {
    const arn = JSON.parse(body).Role;
    return typeof arn === 'string' ? arn.split('/').pop() : undefined;
  } catch {
    return undefined;
  }
}

function notAssumable(res) {
  const body = JSON.stringify({ Type: 'User', message: 'The role defined for the function cannot be assumed by Lambda.' });
  res.writeHead(400, {
    'content-type': 'application/json',
    'x-amzn-errortype': 'InvalidParameterValueException',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
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
    /** Latency mode: ms every call is held before it is forwarded (0: off). */
    latencyMs: 0,
    /** Latency mode: ms after CreateRole during which Lambda cannot assume the role (0: off). */
    iamPropagationMs: 0,
    reset() {
      counter.calls.length = 0;
      counter.sockets = 0;
      counter.maxInFlight = 0;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const agent = new Agent({ keepAlive: true });
  /** Role name → when Lambda can first assume it (performance.now() clock). */
  const roleReadyAt = new Map();
  let inFlight = 0;
  const server = createServer((req, res) => {
    inFlight += 1;
    counter.maxInFlight = Math.max(counter.maxInFlight, inFlight);
    res.on('close', () => (inFlight -= 1));
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const text = body.toString('utf8');
      const call = { ...classify(req, text), start: performance.now() };
      counter.calls.push(call);
      res.on('close', () => (call.end = performance.now()));
      const forward = () => {
        if (counter.iamPropagationMs > 0) {
          const role = ROLE_CHANGES.has(call.action) || ROLE_USERS.has(call.action) ? roleName(call.action, text) : undefined;
          if (role && ROLE_CHANGES.has(call.action)) roleReadyAt.set(role, performance.now() + counter.iamPropagationMs);
          if (role && ROLE_USERS.has(call.action) && performance.now() < (roleReadyAt.get(role) ?? 0)) {
            call.rejected = true;
            notAssumable(res);
            return;
          }
        }
        const upstream = httpRequest(
          {
            host: target.hostname,
            port: target.port,
            method: req.method,
            path: req.url,
            headers: { ...req.headers, host: target.host, connection: 'keep-alive' },
            agent,
          },
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
      };
      if (counter.latencyMs > 0) setTimeout(forward, counter.latencyMs);
      else forward();
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
