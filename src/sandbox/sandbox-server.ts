import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Config } from '../config/schema.js';
import { resourceNames } from '../config/resource-names.js';
import { OtpError } from '../core/errors.js';
import { stateDir } from '../core/state-store.js';
import { FUNCTION_KINDS, type BuiltHandler, type EmailTemplates, type FunctionKind } from '../package/build-handlers.js';
import { handlerEnvironment } from '../steps/handler-environment.js';
import { loadHandlerKey } from './handler-key.js';
import { CognitoError } from './cognito-error.js';
import { dynamoOperation } from './dynamodb-lite.js';
import { OPERATIONS, unknownOperation } from './cognito-operations.js';
import { mailboxPage } from './mailbox-page.js';
import type { PoolContext } from './pool-context.js';
import { SandboxStore, type StoredMail } from './sandbox-store.js';
import { parseSesRequest, sendEmailResponseXml, sesErrorXml, toStoredMails } from './ses-catcher.js';
import { loadSigningKey } from './signing-key.js';
import { createTriggerRunner } from './trigger-runner.js';

export interface SandboxServerOptions {
  /** Folder of otp-setup.config.json; the sandbox keeps its pool under `.otp-setup/sandbox/`. */
  configDir: string;
  config: Config;
  port?: number;
  host?: string;
  region?: string;
  /** The handler bundles to run; built from the config's templates when omitted. */
  handlers?: Partial<Record<FunctionKind, Pick<BuiltHandler, 'code' | 'codeSha256'>>>;
  templates?: EmailTemplates;
  onMail?: (mail: StoredMail) => void;
  /** One line a handler logged (its JSON log lines, SDK warnings). */
  onLog?: (kind: FunctionKind, line: string) => void;
  /** Cognito's trigger time limit; tests shorten it. */
  triggerTimeoutMs?: number;
  /** Epoch ms; tests move it forward to expire sessions. */
  now?: () => number;
}

export interface SandboxServer {
  url: string;
  port: number;
  region: string;
  userPoolId: string;
  clientId: string;
  issuer: string;
  /** sha256 (base64) of each handler zip the sandbox runs, as Lambda reports CodeSha256. */
  handlerShas: Partial<Record<FunctionKind, string>>;
  close(): Promise<void>;
}

const CORS_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, POST, OPTIONS',
  'access-control-allow-headers':
    'content-type, x-amz-target, x-amz-user-agent, x-amz-date, x-amz-security-token, x-amz-content-sha256, authorization, cache-control, amz-sdk-invocation-id, amz-sdk-request, x-amzn-trace-id',
  'access-control-expose-headers': 'x-amzn-requestid, x-amzn-errortype, x-amzn-errormessage, date',
  'access-control-max-age': '600',
};

const MAX_BODY = 1 << 20;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new CognitoError('InvalidParameterException', 'Request body too large.'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string>): void {
  res.writeHead(status, { ...CORS_HEADERS, 'content-length': String(Buffer.byteLength(body)), ...headers });
  res.end(body);
}

/**
 * A local Cognito user pool (one pool, one app client) speaking the Identity Provider JSON
 * protocol, running the real trigger bundles, with an SES catcher and a mailbox.
 */
export async function startSandboxServer(options: SandboxServerOptions): Promise<SandboxServer> {
  const { config } = options;
  const region = options.region ?? config.region ?? 'us-east-1';
  const names = resourceNames(config);
  const dir = join(stateDir(options.configDir), 'sandbox', names.stackId);
  const now = options.now ?? Date.now;
  const [store, key, hmacKey] = await Promise.all([SandboxStore.open(dir, region), loadSigningKey(dir), loadHandlerKey(dir)]);
  const handlers: Partial<Record<FunctionKind, Pick<BuiltHandler, 'code' | 'codeSha256'>>> =
    options.handlers ?? (await (await import('../package/build-handlers.js')).buildHandlers(options.templates ? { templates: options.templates } : {}));

  let url = '';
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE'
          ? new OtpError('PORT_IN_USE', `Port ${options.port} is already in use.`, { resolution: 'Stop the other process or pick another port with --port.', exitCode: 2 })
          : err,
      ),
    );
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = options.host && options.host !== '0.0.0.0' && options.host !== '::' ? options.host : '127.0.0.1';
  url = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
  const issuer = `${url}/${store.state.userPoolId}`;

  const handlerSecrets = { hmacKey };
  const triggers = createTriggerRunner({
    bundles: handlers,
    environment: (kind) => ({
      ...handlerEnvironment(kind, config, handlerSecrets),
      AWS_REGION: region,
      AWS_DEFAULT_REGION: region,
      AWS_ACCESS_KEY_ID: 'sandbox',
      AWS_SECRET_ACCESS_KEY: 'sandbox',
      AWS_LAMBDA_FUNCTION_NAME: names.functions[kind],
      // The handler's own SESClient, unmodified, sends its mail to our catcher.
      AWS_ENDPOINT_URL_SES: url,
      // ...and its rate-limit table lives here too (a few DynamoDB item operations).
      AWS_ENDPOINT_URL_DYNAMODB: url,
      // ...and the post-authentication trigger's AdminUpdateUserAttributes comes back here too.
      AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: url,
      // Keep a developer's ~/.aws config (profiles, endpoint overrides) out of the handlers.
      AWS_CONFIG_FILE: join(dir, 'no-aws-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-aws-credentials'),
      ...(process.env.PATH ? { PATH: process.env.PATH } : {}),
    }),
    ...(options.triggerTimeoutMs !== undefined ? { timeoutMs: options.triggerTimeoutMs } : {}),
    ...(options.onLog ? { onLog: options.onLog } : {}),
  });

  const ctx: PoolContext = {
    store,
    triggers,
    key,
    config,
    region,
    issuer,
    poolName: names.userPool,
    clientName: names.client,
    now,
  };

  const handleCognito = async (target: string, body: string, res: ServerResponse, requestId: string) => {
    const op = target.slice(target.indexOf('.') + 1);
    const headers = { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': requestId };
    try {
      const fn = OPERATIONS[op];
      if (!target.startsWith('AWSCognitoIdentityProviderService.') || !fn) throw unknownOperation(op);
      let input: unknown;
      try {
        input = body === '' ? {} : JSON.parse(body);
      } catch {
        throw new CognitoError('SerializationException', 'Request body is not valid JSON.');
      }
      if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new CognitoError('SerializationException', 'Request body must be a JSON object.');
      const out = await fn(ctx, input as Record<string, unknown>);
      send(res, 200, JSON.stringify(out), headers);
    } catch (err) {
      const e = err instanceof CognitoError ? err : new CognitoError('InternalErrorException', `Sandbox error: ${(err as Error).message}`, 500);
      send(res, e.status, JSON.stringify({ __type: e.type, message: e.message }), { ...headers, 'x-amzn-errortype': `${e.type}:` });
    }
  };

  const handleDynamo = (target: string, body: string, res: ServerResponse, requestId: string) => {
    const headers = { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': requestId };
    try {
      const input = JSON.parse(body || '{}') as Record<string, unknown>;
      const op = target.slice(target.indexOf('.') + 1);
      const out = dynamoOperation(store.state.tables, op, input);
      if (op !== 'GetItem') void store.save();
      send(res, 200, JSON.stringify(out), headers);
    } catch (err) {
      const e = err instanceof CognitoError ? err : new CognitoError('com.amazonaws.dynamodb.v20120810#ValidationException', (err as Error).message);
      send(res, e.status, JSON.stringify({ __type: e.type, message: e.message }), headers);
    }
  };

  const handleSes = (body: string, res: ServerResponse, requestId: string) => {
    const parsed = parseSesRequest(body);
    const headers = { 'content-type': 'text/xml', 'x-amzn-requestid': requestId };
    if (!parsed.ok) return send(res, parsed.status, sesErrorXml(parsed.code, parsed.message, requestId), headers);
    const mails = toStoredMails(parsed.email, config.otp.length, new Date(now()));
    for (const mail of mails) {
      store.addMail(mail);
      options.onMail?.(mail);
    }
    void store.save();
    send(res, 200, sendEmailResponseXml(mails[0]!.messageId, requestId), headers);
  };

  const json = (res: ServerResponse, status: number, value: unknown) => send(res, status, JSON.stringify(value), { 'content-type': 'application/json' });
  const mailsFor = (email: string | null) =>
    email === null ? store.state.mails : store.state.mails.filter((m) => m.to.toLowerCase() === email.trim().toLowerCase());
  const publicMail = ({ to, subject, text, html, code, at, from }: StoredMail) => ({ to, from, subject, text, html, ...(code ? { code } : {}), at });

  const handleGet = (path: string, query: URLSearchParams, res: ServerResponse) => {
    const pool = store.state.userPoolId;
    if (path === `/${pool}/.well-known/jwks.json`) return json(res, 200, { keys: [key.jwk] });
    if (path === `/${pool}/.well-known/openid-configuration`) {
      return json(res, 200, {
        issuer,
        jwks_uri: `${issuer}/.well-known/jwks.json`,
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
        response_types_supported: ['code', 'token'],
        scopes_supported: ['openid', 'email', 'aws.cognito.signin.user.admin'],
        claims_supported: ['sub', 'email', 'email_verified', 'cognito:username', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'token_use'],
      });
    }
    if (path === '/_sandbox/mailbox/latest') {
      const latest = mailsFor(query.get('email')).at(-1);
      return latest ? json(res, 200, publicMail(latest)) : json(res, 404, { message: 'No email for that address yet.' });
    }
    if (path === '/_sandbox/mailbox') return json(res, 200, { mails: mailsFor(query.get('email')).map(publicMail) });
    if (path === '/_sandbox/handlers') {
      return json(res, 200, Object.fromEntries(FUNCTION_KINDS.filter((k) => handlers[k]).map((k) => [k, handlers[k]!.codeSha256])));
    }
    if (path === '/_sandbox/info') {
      return json(res, 200, { url, region, userPoolId: pool, clientId: store.state.clientId, issuer, jwksUri: `${issuer}/.well-known/jwks.json` });
    }
    if (path === '/' || path === '/_sandbox' || path === '/_sandbox/') {
      return send(res, 200, mailboxPage(store.state.mails, { url, userPoolId: pool, clientId: store.state.clientId }), { 'content-type': 'text/html; charset=utf-8' });
    }
    return json(res, 404, { message: `Nothing at ${path}.` });
  };

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const requestId = randomUUID();
    const parsedUrl = new URL(req.url ?? '/', 'http://sandbox');
    void (async () => {
      try {
        if (req.method === 'OPTIONS') return send(res, 204, '', {});
        if (req.method === 'GET' || req.method === 'HEAD') return handleGet(parsedUrl.pathname, parsedUrl.searchParams, res);
        if (req.method !== 'POST') return json(res, 405, { message: 'Method not allowed.' });
        const body = await readBody(req);
        const target = req.headers['x-amz-target'];
        if (typeof target === 'string' && target.startsWith('DynamoDB_20120810.')) return handleDynamo(target, body, res, requestId);
        if (typeof target === 'string') return await handleCognito(target, body, res, requestId);
        if (String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) return handleSes(body, res, requestId);
        return json(res, 400, { __type: 'UnknownOperationException', message: 'Missing X-Amz-Target header.' });
      } catch (err) {
        if (!res.headersSent) json(res, 500, { __type: 'InternalErrorException', message: (err as Error).message });
      }
    })();
  });

  try {
    await triggers.ready();
  } catch (err) {
    await triggers.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    throw new OtpError('SANDBOX_HANDLER_FAILED', `A handler failed to load in the sandbox: ${(err as Error).message}`, { cause: err });
  }

  return {
    url,
    port: address.port,
    region,
    userPoolId: store.state.userPoolId,
    clientId: store.state.clientId,
    issuer,
    handlerShas: Object.fromEntries(FUNCTION_KINDS.filter((k) => handlers[k]).map((k) => [k, handlers[k]!.codeSha256])),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await triggers.close();
      await store.flush();
    },
  };
}
