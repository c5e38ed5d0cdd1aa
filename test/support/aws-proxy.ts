import { Agent, createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { freePort } from './free-port.js';
import { createRealism, type Realism, type RealismCall } from './realism/index.js';

/** One AWS API call as seen on the wire. */
export interface RecordedCall {
  service: string;
  action: string;
  write: boolean;
  /** The request body, to check what AWS would have received where moto is lenient. */
  body: string;
  /** Set when the realism layer answered the call itself, as AWS would have (the rule's id). */
  realism?: string;
  /** The RUN_HEADER of the request: which in-process run made it (test/support/crash-run.ts). */
  run?: string;
  /** The status AWS (moto) answered with; unset when the call never reached it (a fault, a realism refusal). */
  status?: number;
}

/** Request header naming the in-process run that made a call, recorded as `RecordedCall.run`. */
export const RUN_HEADER = 'x-otp-test-run';

export type Fault =
  | { kind: 'throttle' }
  | { kind: 'status'; status: number }
  | { kind: 'reset' }
  | { kind: 'delay'; ms: number }
  | { kind: 'error'; status: number; type: string; message: string }
  /** Forwards the call (AWS does the work), then drops the connection before the answer arrives. */
  | { kind: 'drop-response' };

export interface FaultRule {
  /** Matches "Service:Action", e.g. "lambda:CreateFunction" or "*". */
  match: string;
  fault: Fault;
  /** How many matching calls get the fault (then they pass through). */
  times: number;
}

export interface AwsProxy {
  url: string;
  calls: RecordedCall[];
  /** The rules making moto answer as strictly as AWS (test/support/realism); undefined when off. */
  realism: Realism | undefined;
  faultsInjected: number;
  addFault(rule: FaultRule): void;
  /** Called before each call is forwarded (e.g. to kill the CLI after the Nth write). */
  onCall?: (call: RecordedCall) => void;
  /**
   * Called once upstream has answered a forwarded call, before the answer goes back to the
   * client; the answer waits for a returned promise (e.g. kill the CLI after moto created the
   * pool but before the CLI learns its id).
   */
  onResponse?: (call: RecordedCall, status: number) => void | Promise<void>;
  writes(): RecordedCall[];
  /** Resets recorded calls, faults and the realism layer's counts. */
  reset(): void;
  /**
   * Stops listening, drops every connection and waits for the calls already forwarded to be
   * answered: nothing sent through this proxy reaches AWS (moto) after it closed, so a file's
   * late calls cannot land in the next file's account on the worker's shared moto.
   */
  close(): Promise<void>;
}

const LAMBDA_ROUTES: Array<[string, RegExp, string]> = [
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

const READ = /^(Get|List|Describe|Head)/;

function classify(req: IncomingMessage, body: string): RecordedCall {
  return { ...classifyAction(req, body), body };
}

function classifyAction(req: IncomingMessage, body: string): Omit<RecordedCall, 'body'> {
  const target = req.headers['x-amz-target'];
  const auth = req.headers.authorization ?? '';
  const service = /Credential=[^/]+\/[^/]+\/[^/]+\/([^/]+)\//.exec(auth)?.[1] ?? 'unknown';
  if (typeof target === 'string') {
    const action = target.split('.').pop() ?? target;
    return { service, action, write: !READ.test(action) };
  }
  const form = new URLSearchParams(body);
  const formAction = form.get('Action');
  if (formAction) return { service, action: formAction, write: !READ.test(formAction) };
  const path = (req.url ?? '').split('?')[0] ?? '';
  const method = req.method ?? 'GET';
  for (const [m, pattern, action] of LAMBDA_ROUTES)
    if (m === method && pattern.test(path)) return { service, action, write: method !== 'GET' };
  return { service, action: `${method} ${path}`, write: method !== 'GET' };
}

function matches(rule: FaultRule, call: RecordedCall): boolean {
  return rule.match === '*' || rule.match === `${call.service}:${call.action}` || rule.match === call.action;
}

function sendFault(res: ServerResponse, fault: Fault, call: RecordedCall): void {
  const json = (status: number, type: string, message: string) => {
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-errortype': type });
    res.end(JSON.stringify({ __type: type, message, Message: message }));
  };
  const xml = (status: number, code: string, message: string) => {
    res.writeHead(status, { 'content-type': 'text/xml' });
    res.end(
      `<ErrorResponse><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>fault</RequestId></ErrorResponse>`,
    );
  };
  const queryProtocol = ['iam', 'sts', 'ses', 'sns'].includes(call.service);
  switch (fault.kind) {
    case 'throttle':
      return queryProtocol ? xml(400, 'Throttling', 'Rate exceeded') : json(429, 'TooManyRequestsException', 'Rate exceeded');
    case 'status':
      return queryProtocol ? xml(fault.status, 'ServiceUnavailable', 'injected') : json(fault.status, 'ServiceException', 'injected');
    case 'error':
      return queryProtocol ? xml(fault.status, fault.type, fault.message) : json(fault.status, fault.type, fault.message);
    case 'reset':
      res.socket?.destroy();
      return;
    case 'delay':
    case 'drop-response':
      return;
  }
}

function realismCall(req: IncomingMessage, call: RecordedCall): RealismCall | undefined {
  let json: Record<string, unknown> | undefined;
  if (call.body.startsWith('{')) {
    try {
      json = JSON.parse(call.body) as Record<string, unknown>;
    } catch {
      json = undefined;
    }
  }
  let path = (req.url ?? '').split('?')[0] ?? '';
  try {
    path = decodeURIComponent(path);
  } catch {
    // keep it encoded
  }
  return { ...call, method: req.method ?? 'GET', path, json, form: new URLSearchParams(json ? '' : call.body) };
}

/** Lets the realism layer rewrite a successful JSON answer; undefined when nothing changed. */
function rewrite(realism: Realism, call: RealismCall, answer: Buffer): Buffer | undefined {
  const text = answer.toString('utf8');
  if (!text.startsWith('{')) return undefined;
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const changed = realism.response(call, parsed);
  return changed ? Buffer.from(JSON.stringify(changed)) : undefined;
}

/**
 * An HTTP proxy between the CLI and moto that records every AWS call (to count writes) and can
 * inject faults no emulator produces: throttling, 5xx, connection resets, delays, IAM lag.
 */
export async function startAwsProxy(targetUrl: string, options: { realism?: boolean } = {}): Promise<AwsProxy> {
  const target = new URL(targetUrl);
  // Connections to moto are kept open: a new one per call costs both sides CPU (moto's threaded
  // server speaks HTTP/1.1 keep-alive).
  const upstreamAgent = new Agent({ keepAlive: true });
  const rules: FaultRule[] = [];
  let closed = false;
  let forwarding = 0;
  let drained: (() => void) | undefined;
  const proxy: AwsProxy = {
    url: '',
    calls: [],
    realism: options.realism === false ? undefined : createRealism(),
    faultsInjected: 0,
    addFault: (rule) => rules.push({ ...rule }),
    writes: () => proxy.calls.filter((c) => c.write),
    reset() {
      proxy.calls.length = 0;
      rules.length = 0;
      proxy.faultsInjected = 0;
      proxy.realism?.reset();
    },
    async close() {
      closed = true;
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      if (forwarding > 0) await new Promise<void>((resolve) => (drained = resolve));
      upstreamAgent.destroy();
      await stopped;
    },
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void handle(req, res, Buffer.concat(chunks));
    });
  });
  async function handle(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
    if (closed) {
      res.socket?.destroy();
      return;
    }
    const call = classify(req, body.toString('utf8'));
    const run = req.headers[RUN_HEADER];
    if (typeof run === 'string') call.run = run;
    proxy.calls.push(call);
    proxy.onCall?.(call);
    res.on('error', () => undefined);
    const realism = proxy.realism;
    const seen = realism ? realismCall(req, call) : undefined;
    if (realism && seen) {
      const refusal = await realism.request(seen).catch(() => undefined);
      if (refusal) {
        call.realism = refusal.rule;
        sendFault(res, { kind: 'error', status: refusal.status, type: refusal.type, message: refusal.message }, call);
        return;
      }
    }
    let settled = false;
    const settle = (status: number) => {
      if (settled || !realism || !seen) return;
      settled = true;
      realism.settled(seen, status);
    };
    const rule = rules.find((r) => r.times > 0 && matches(r, call));
    const forward = (dropResponse = false) => {
      if (closed) {
        settle(502);
        res.socket?.destroy();
        return;
      }
      forwarding += 1;
      let answered = false;
      const done = () => {
        if (answered) return;
        answered = true;
        forwarding -= 1;
        if (forwarding === 0) drained?.();
      };
      const upstream = httpRequest(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: target.host },
          agent: upstreamAgent,
        },
        (up) => {
          const parts: Buffer[] = [];
          up.on('close', done);
          up.on('data', (c: Buffer) => parts.push(c));
          up.on('end', () => {
            done();
            const status = up.statusCode ?? 502;
            call.status = status;
            let answer: Buffer = Buffer.concat(parts);
            const headers = { ...up.headers };
            if (realism && seen && status < 300) {
              const rewritten = rewrite(realism, seen, answer);
              if (rewritten) {
                answer = rewritten;
                delete headers['transfer-encoding'];
                headers['content-length'] = String(answer.length);
              }
            }
            settle(status);
            void Promise.resolve(proxy.onResponse?.(call, status))
              .catch(() => undefined)
              .then(() => {
                if (dropResponse) {
                  res.socket?.destroy();
                  return;
                }
                if (res.destroyed || res.socket?.destroyed) return;
                res.writeHead(status, headers);
                res.end(answer);
              });
          });
        },
      );
      upstream.on('error', () => {
        done();
        settle(502);
        res.socket?.destroy();
      });
      upstream.end(body);
    };
    if (!rule) return forward();
    rule.times -= 1;
    proxy.faultsInjected += 1;
    if (rule.fault.kind === 'delay') {
      setTimeout(forward, rule.fault.ms);
      return;
    }
    if (rule.fault.kind === 'drop-response') return forward(true);
    settle(rule.fault.kind === 'status' || rule.fault.kind === 'error' ? rule.fault.status : 400);
    sendFault(res, rule.fault, call);
  }
  server.keepAliveTimeout = 1000;
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${port}`;
  return proxy;
}
