import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { FunctionKind } from '../config/function-kinds.js';
import { errorMessage } from '../core/errors.js';

export interface TriggerBundle {
  /** The CommonJS bundle, exactly as it sits inside the deployed zip. */
  code: string;
  codeSha256: string;
}

export interface TriggerRunnerOptions {
  bundles: Partial<Record<FunctionKind, TriggerBundle>>;
  /** The function's environment, as `up` configures it (plus the sandbox's SES endpoint). */
  environment: (kind: FunctionKind) => Record<string, string>;
  /** Cognito waits 5 seconds for a trigger, then fails the request. */
  timeoutMs?: number;
  onLog?: (kind: FunctionKind, line: string) => void;
  /** Answers the handlers' DynamoDB and SES commands in process; without it they go over HTTP. */
  onServiceCall?: (kind: FunctionKind, call: ServiceCall) => ServiceReply;
}

export class TriggerError extends Error {
  constructor(
    readonly kind: FunctionKind,
    readonly reason: 'timeout' | 'error' | 'missing',
    message: string,
  ) {
    super(message);
    this.name = 'TriggerError';
  }
}

export interface TriggerRunner {
  invoke(kind: FunctionKind, event: Record<string, unknown>): Promise<Record<string, unknown>>;
  has(kind: FunctionKind): boolean;
  /** Resolves once every bundle has been loaded (its module-scope SDK clients created). */
  ready(): Promise<void>;
  close(): Promise<void>;
}

// Runs in the worker: evaluates the bundle as the Lambda runtime would (CommonJS, module scope
// once per "container"), resolving `@aws-sdk/*` — external in the bundle, provided by the
// runtime in AWS — from otp-setup's own dependencies.
//
// The SDK clients of the services the sandbox emulates (DynamoDB, SES) hand each command's input
// straight to the sandbox instead of serialising, signing and sending it over HTTP: the handler's
// code and its calls are unchanged, the answers (and errors, as the SDK's own exception classes)
// come from the same emulation the HTTP endpoints use. Over HTTP, the SDK's middleware, SigV4 and
// sockets cost several times the handler itself and capped the sandbox at a few dozen sign-ins
// per second.
const BOOTSTRAP = `
const { parentPort, workerData } = require('node:worker_threads');
const { createRequire } = require('node:module');
const vm = require('node:vm');
const requireFromCli = createRequire(workerData.requireFrom);
const calls = new Map();
let nextCall = 1;
const SERVICES = { '@aws-sdk/client-dynamodb': ['dynamodb', 'DynamoDBClient'], '@aws-sdk/client-ses': ['ses', 'SESClient'] };
function sandboxRequire(id) {
  const mod = requireFromCli(id);
  const service = workerData.inProcess ? SERVICES[id] : undefined;
  if (service && !mod.__otpSandbox) {
    const [name, clientClass] = service;
    const metadata = () => ({ httpStatusCode: 200, requestId: 'sandbox', attempts: 1, totalRetryDelay: 0 });
    mod[clientClass].prototype.send = function (command) {
      const op = command.constructor.name.replace(/Command$/, '');
      const callId = nextCall++;
      return new Promise((resolve, reject) => {
        calls.set(callId, { resolve, reject });
        parentPort.postMessage({ call: { id: callId, service: name, op, input: command.input } });
      }).then(
        (output) => ({ ...output, $metadata: metadata() }),
        (error) => {
          const $metadata = { ...metadata(), httpStatusCode: error.status || 400 };
          const Exception = mod[error.name];
          const err = typeof Exception === 'function' ? new Exception({ message: error.message, $metadata }) : Object.assign(new Error(error.message), { name: error.name, $fault: 'client', $metadata });
          throw err;
        },
      );
    };
    Object.defineProperty(mod, '__otpSandbox', { value: true });
  }
  return mod;
}
// The function's log lines travel with its reply (one message per invocation, not a stream
// message, and a flow-control message back, per line).
let logs = [];
for (const stream of [process.stdout, process.stderr]) {
  stream.write = (chunk, encoding, callback) => {
    logs.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    if (typeof encoding === 'function') encoding(); else if (typeof callback === 'function') callback();
    return true;
  };
}
const takeLogs = () => { const out = logs; logs = []; return out; };
const mod = { exports: {} };
const wrapper = vm.runInThisContext('(function (exports, require, module, __filename, __dirname) {' + workerData.code + '\\n})', { filename: '/var/task/index.js' });
wrapper(mod.exports, sandboxRequire, mod, '/var/task/index.js', '/var/task');
parentPort.postMessage({ ready: true, logs: takeLogs() });
parentPort.on('message', async (msg) => {
  if (msg.reply) {
    const pending = calls.get(msg.reply.id);
    calls.delete(msg.reply.id);
    if (pending) msg.reply.ok ? pending.resolve(msg.reply.output) : pending.reject(msg.reply.error);
    return;
  }
  const { id, event } = msg;
  try {
    const result = await mod.exports.handler(event, { functionName: workerData.functionName, getRemainingTimeInMillis: () => workerData.timeoutMs });
    parentPort.postMessage({ id, ok: true, result, logs: takeLogs() });
  } catch (error) {
    parentPort.postMessage({ id, ok: false, error: { name: (error && error.name) || 'Error', message: (error && error.message) || String(error) }, logs: takeLogs() });
  }
});
`;

/** A command a handler sent to an emulated service (see BOOTSTRAP). */
export interface ServiceCall {
  service: 'dynamodb' | 'ses';
  op: string;
  input: Record<string, unknown>;
}

/** What the emulated service answers: an output, or an error as the SDK would name it. */
export type ServiceReply =
  { ok: true; output: Record<string, unknown> } | { ok: false; error: { name: string; message: string; status?: number } };

interface Pending {
  resolve(value: Record<string, unknown>): void;
  reject(err: Error): void;
}

interface Container {
  worker: Worker;
  ready: Promise<void>;
  pending: Map<number, Pending>;
}

type Reply = { logs?: string[] } & (
  | { ready: true }
  | { call: ServiceCall & { id: number } }
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: { name: string; message: string } }
);

/**
 * Each trigger runs in its own worker thread — its own `process.env`, module scope and event
 * loop, like a Lambda container. A trigger that overruns the limit has its worker terminated
 * and the next call starts a fresh one (a cold start).
 */
export function createTriggerRunner(options: TriggerRunnerOptions): TriggerRunner {
  const timeoutMs = options.timeoutMs ?? 5_000;
  const containers = new Map<FunctionKind, Container>();
  let nextId = 1;
  let closed = false;

  const start = (kind: FunctionKind, bundle: TriggerBundle): Container => {
    const worker = new Worker(BOOTSTRAP, {
      eval: true,
      env: options.environment(kind),
      // Kept for what escapes the write hooks (a native module, process._rawDebug).
      stdout: true,
      stderr: true,
      workerData: {
        code: bundle.code,
        requireFrom: fileURLToPath(import.meta.url),
        functionName: kind,
        timeoutMs,
        inProcess: options.onServiceCall !== undefined,
      },
    });
    const pending = new Map<number, Pending>();
    const forward = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) options.onLog?.(kind, line);
    };
    worker.stdout.on('data', forward);
    worker.stderr.on('data', forward);
    let markReady: () => void = () => undefined;
    let failReady: (err: Error) => void = () => undefined;
    const ready = new Promise<void>((resolve, reject) => {
      markReady = resolve;
      failReady = reject;
    });
    ready.catch(() => undefined);
    const die = (err: Error) => {
      if (containers.get(kind)?.worker === worker) containers.delete(kind);
      failReady(err);
      for (const p of pending.values()) p.reject(err);
      pending.clear();
    };
    worker.on('message', (msg: Reply) => {
      if (msg.logs) for (const text of msg.logs) forward(Buffer.from(text));
      if ('ready' in msg) return markReady();
      if ('call' in msg) {
        const { id, ...call } = msg.call;
        let reply: ServiceReply;
        try {
          reply = options.onServiceCall!(kind, call);
        } catch (err) {
          reply = { ok: false, error: { name: 'InternalFailure', message: errorMessage(err), status: 500 } };
        }
        worker.postMessage({ reply: { id, ...reply } });
        return;
      }
      const p = pending.get(msg.id);
      if (!p) return;
      pending.delete(msg.id);
      if (msg.ok) {
        const result = msg.result;
        if (typeof result === 'object' && result !== null && !Array.isArray(result)) p.resolve(result as Record<string, unknown>);
        else p.reject(new TriggerError(kind, 'error', 'the handler returned no event object'));
      } else {
        p.reject(new TriggerError(kind, 'error', msg.error.message));
      }
    });
    worker.on('error', (err) => die(new TriggerError(kind, 'error', err.message)));
    worker.on('exit', (code) => die(new TriggerError(kind, 'error', `the function's runtime exited (code ${code})`)));
    return { worker, ready, pending };
  };

  const container = (kind: FunctionKind): Container => {
    const bundle = options.bundles[kind];
    if (!bundle) throw new TriggerError(kind, 'missing', `no ${kind} handler is configured`);
    let c = containers.get(kind);
    if (!c) {
      c = start(kind, bundle);
      containers.set(kind, c);
    }
    return c;
  };

  return {
    async invoke(kind, event) {
      if (closed) throw new TriggerError(kind, 'error', 'the sandbox is shutting down');
      const c = container(kind);
      const id = nextId++;
      let timer: NodeJS.Timeout | undefined;
      const result = new Promise<Record<string, unknown>>((resolve, reject) => {
        c.pending.set(id, { resolve, reject });
        timer = setTimeout(() => {
          c.pending.delete(id);
          reject(new TriggerError(kind, 'timeout', `timed out after ${timeoutMs} ms`));
          // A Lambda that times out loses its container; so does this one.
          if (containers.get(kind) === c) containers.delete(kind);
          void c.worker.terminate();
        }, timeoutMs);
      });
      // Rejections after an early exit (runtime failed to start) must not go unhandled.
      result.catch(() => undefined);
      try {
        // A cold start counts against the limit, as it does in Lambda.
        await Promise.race([c.ready, result]);
        c.worker.postMessage({ id, event });
        return await result;
      } finally {
        clearTimeout(timer);
      }
    },
    has: (kind) => options.bundles[kind] !== undefined,
    async ready() {
      const kinds = Object.keys(options.bundles) as FunctionKind[];
      await Promise.all(kinds.map((k) => container(k).ready));
    },
    async close() {
      closed = true;
      const all = [...containers.values()];
      containers.clear();
      await Promise.all(all.map((c) => c.worker.terminate()));
    },
  };
}
