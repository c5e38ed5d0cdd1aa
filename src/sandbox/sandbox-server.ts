import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Config } from '../config/schema.js';
import { resourceNames } from '../config/resource-names.js';
import { OtpError, errorMessage } from '../core/errors.js';
import { stateDir } from '../core/state-store.js';
import { FUNCTION_KINDS, type FunctionKind } from '../config/function-kinds.js';
import type { BuiltHandler } from '../core/built-handler.js';
import type { EmailTemplates } from '../package/build-handlers.js';
import { handlerEnvironment } from '../spec/handler-environment.js';
import { loadHandlerKey } from './handler-key.js';
import { CognitoError } from './cognito-error.js';
import { dynamoOperation, itemKey } from './dynamodb-lite.js';
import { OPERATIONS, PUBLIC_OPERATIONS, unknownOperation } from './cognito-operations.js';
import { mailboxPage } from './mailbox-page.js';
import { loadSignInApp, signInPage } from './sign-in-page.js';
import { BodyTooLarge, MAX_BODY, readBody } from './request-body.js';
import { COGNITO_CORS, fromPageElsewhere, hostnameOf, isLoopbackName, isLoopbackOrigin, WILDCARD_HOSTS } from './request-policy.js';
import type { PoolContext } from './pool-context.js';
import { SandboxStore, type StoredMail } from './sandbox-store.js';
import { parseSesRequest, sendEmailResponseXml, sesErrorXml, sesSendEmail, toStoredMails } from './ses-catcher.js';
import { loadSigningKey } from './signing-key.js';
import { createTriggerRunner, type ServiceCall, type ServiceReply } from './trigger-runner.js';

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
  /** True when it listens beyond loopback (--host 0.0.0.0 or an interface address). */
  exposed: boolean;
  port: number;
  region: string;
  userPoolId: string;
  clientId: string;
  issuer: string;
  /** sha256 (base64) of each handler zip the sandbox runs, as Lambda reports CodeSha256. */
  handlerShas: Partial<Record<FunctionKind, string>>;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, body: string | Buffer, headers: Record<string, string>): void {
  res.writeHead(status, { 'content-length': String(Buffer.byteLength(body)), ...headers });
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
  const [store, key, hmacKey] = await Promise.all([SandboxStore.open(dir, region, now), loadSigningKey(dir), loadHandlerKey(dir)]);
  const handlers: Partial<Record<FunctionKind, Pick<BuiltHandler, 'code' | 'codeSha256'>>> =
    options.handlers ??
    (await (await import('../package/build-handlers.js')).buildHandlers(options.templates ? { templates: options.templates } : {}));

  const app = await loadSignInApp();
  let url = '';
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(listenError(err, options.port, options.host)));
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const bound = options.host ?? '127.0.0.1';
  const wildcard = WILDCARD_HOSTS.has(bound);
  const exposed = !isLoopbackName(bound.replace(/^\[|\]$/g, '')) && bound !== '::1';
  const host = options.host && !wildcard ? options.host : '127.0.0.1';
  url = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
  const poolId = store.state.userPoolId;
  const issuer = `${url}/${poolId}`;
  const boundName = host.includes(':') ? `[${host}]` : host;
  /**
   * Which Host headers the sandbox answers: its loopback names, the address it was told to bind,
   * or any when bound to all interfaces. Anything else is refused, so a web page cannot reach the
   * sandbox through a DNS name rebound to 127.0.0.1.
   */
  const allowedHostname = (hostname: string) => wildcard || isLoopbackName(hostname) || hostname === boundName || hostname === host;
  /** Tokens name the address the client used, as a real pool's name its own endpoint. */
  const issuerFor = (hostHeader: string | undefined): string => {
    const hostname = hostHeader ? hostnameOf(hostHeader) : undefined;
    return hostname && allowedHostname(hostname) ? `http://${hostHeader}/${poolId}` : issuer;
  };
  const acceptsIssuer = (iss: string): boolean => {
    try {
      const u = new URL(iss);
      return u.protocol === 'http:' && u.pathname === `/${poolId}` && Number(u.port || 80) === address.port && allowedHostname(u.hostname);
    } catch {
      return false;
    }
  };

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
      // ...and a trigger that calls Cognito (AdminUpdateUserAttributes) reaches this pool.
      AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: url,
      // Keep a developer's ~/.aws config (profiles, endpoint overrides) out of the handlers.
      AWS_CONFIG_FILE: join(dir, 'no-aws-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-aws-credentials'),
      ...(process.env.PATH ? { PATH: process.env.PATH } : {}),
    }),
    onServiceCall: (_kind, call) => serviceCall(call),
    ...(options.triggerTimeoutMs !== undefined ? { timeoutMs: options.triggerTimeoutMs } : {}),
    ...(options.onLog ? { onLog: options.onLog } : {}),
  });

  const deliverMail = (mail: StoredMail) => {
    store.addMail(mail);
    options.onMail?.(mail);
  };
  /** The handlers' DynamoDB and SES commands, answered by the same emulation as the HTTP endpoints. */
  function serviceCall(call: ServiceCall): ServiceReply {
    if (call.service === 'dynamodb') {
      try {
        const output = dynamoOperation(store.state.tables, call.op, call.input);
        if (call.op !== 'GetItem') store.itemChanged(String(call.input.TableName), itemKey(call.op, call.input));
        return { ok: true, output };
      } catch (err) {
        const e = err instanceof CognitoError ? err : new CognitoError('ValidationException', errorMessage(err));
        return { ok: false, error: { name: e.type.slice(e.type.indexOf('#') + 1), message: e.message, status: e.status } };
      }
    }
    const parsed = sesSendEmail(call.op, call.input);
    if (!parsed.ok) return { ok: false, error: { name: parsed.code, message: parsed.message, status: parsed.status } };
    const mails = toStoredMails(parsed.email, config.otp.length, new Date(now()));
    for (const mail of mails) deliverMail(mail);
    return { ok: true, output: { MessageId: mails[0]!.messageId } };
  }
  const baseCtx: PoolContext = {
    store,
    triggers,
    key,
    config,
    region,
    issuer,
    acceptsIssuer,
    deliverMail,
    poolName: names.userPool,
    clientName: names.client,
    now,
  };

  const handleCognito = async (target: string, body: string, req: IncomingMessage, res: ServerResponse, requestId: string) => {
    const op = target.slice(target.indexOf('.') + 1);
    const headers = { ...COGNITO_CORS, 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': requestId };
    try {
      const fn = OPERATIONS[op];
      if (!target.startsWith('AWSCognitoIdentityProviderService.') || !fn) throw unknownOperation(op);
      if (!PUBLIC_OPERATIONS.has(op)) {
        // Admin operations need AWS credentials: an SDK or the aws CLI signs them (the sandbox
        // does not check the signature), a web page has none to sign with.
        if (fromPageElsewhere(req.headers.origin, req.headers.host)) {
          throw new CognitoError(
            'AccessDeniedException',
            `The sandbox does not answer ${op} to a web page from ${req.headers.origin}.`,
            403,
          );
        }
        if (!(req.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256 ')) {
          throw new CognitoError('MissingAuthenticationTokenException', 'Missing Authentication Token', 403);
        }
      }
      let input: unknown;
      try {
        input = body === '' ? {} : JSON.parse(body);
      } catch {
        throw new CognitoError('SerializationException', 'Request body is not valid JSON.');
      }
      if (typeof input !== 'object' || input === null || Array.isArray(input))
        throw new CognitoError('SerializationException', 'Request body must be a JSON object.');
      const out = await fn({ ...baseCtx, issuer: issuerFor(req.headers.host) }, input as Record<string, unknown>);
      send(res, 200, JSON.stringify(out), headers);
    } catch (err) {
      const e = err instanceof CognitoError ? err : new CognitoError('InternalErrorException', `Sandbox error: ${errorMessage(err)}`, 500);
      send(res, e.status, JSON.stringify({ __type: e.type, message: e.message }), { ...headers, 'x-amzn-errortype': `${e.type}:` });
    }
  };

  const handleDynamo = (target: string, body: string, res: ServerResponse, requestId: string) => {
    const headers = { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': requestId };
    try {
      const input = JSON.parse(body || '{}') as Record<string, unknown>;
      const op = target.slice(target.indexOf('.') + 1);
      const out = dynamoOperation(store.state.tables, op, input);
      if (op !== 'GetItem') store.itemChanged(String(input.TableName), itemKey(op, input));
      send(res, 200, JSON.stringify(out), headers);
    } catch (err) {
      const e =
        err instanceof CognitoError ? err : new CognitoError('com.amazonaws.dynamodb.v20120810#ValidationException', errorMessage(err));
      send(res, e.status, JSON.stringify({ __type: e.type, message: e.message }), headers);
    }
  };

  const handleSes = (body: string, res: ServerResponse, requestId: string) => {
    const parsed = parseSesRequest(body);
    const headers = { 'content-type': 'text/xml', 'x-amzn-requestid': requestId };
    if (!parsed.ok) return send(res, parsed.status, sesErrorXml(parsed.code, parsed.message, requestId), headers);
    const mails = toStoredMails(parsed.email, config.otp.length, new Date(now()));
    for (const mail of mails) deliverMail(mail);
    send(res, 200, sendEmailResponseXml(mails[0]!.messageId, requestId), headers);
  };

  /** CORS for the sandbox's own endpoints: pages served from this machine only. */
  const ownCors = (req: IncomingMessage): Record<string, string> => {
    const origin = req.headers.origin;
    return origin && isLoopbackOrigin(origin) ? { 'access-control-allow-origin': origin, vary: 'origin' } : { vary: 'origin' };
  };
  const json = (res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}) =>
    send(res, status, JSON.stringify(value), { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
  const mailsFor = (email: string | null) =>
    email === null ? store.state.mails : store.state.mails.filter((m) => m.to.toLowerCase() === email.trim().toLowerCase());
  const publicMail = ({ to, subject, text, html, code, at, from }: StoredMail) => ({
    to,
    from,
    subject,
    text,
    html,
    ...(code ? { code } : {}),
    at,
  });

  const handleGet = (req: IncomingMessage, path: string, query: URLSearchParams, res: ServerResponse) => {
    const pool = store.state.userPoolId;
    const iss = issuerFor(req.headers.host);
    // Public like a real pool's: any page or backend may fetch the keys to verify tokens.
    if (path === `/${pool}/.well-known/jwks.json`) return json(res, 200, { keys: [key.jwk] }, { 'access-control-allow-origin': '*' });
    if (path === `/${pool}/.well-known/openid-configuration`) {
      return json(
        res,
        200,
        {
          issuer: iss,
          jwks_uri: `${iss}/.well-known/jwks.json`,
          subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: ['RS256'],
          response_types_supported: ['code', 'token'],
          scopes_supported: ['openid', 'email', 'aws.cognito.signin.user.admin'],
          claims_supported: ['sub', 'email', 'email_verified', 'cognito:username', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'token_use'],
        },
        { 'access-control-allow-origin': '*' },
      );
    }
    const cors = ownCors(req);
    if (fromPageElsewhere(req.headers.origin, req.headers.host)) {
      return json(
        res,
        403,
        { message: `The sandbox's own endpoints answer pages from this machine only, not ${req.headers.origin}.` },
        cors,
      );
    }
    const base = `http://${req.headers.host}`;
    if (path === '/_sandbox/mailbox/latest') {
      const latest = mailsFor(query.get('email')).at(-1);
      return latest ? json(res, 200, publicMail(latest), cors) : json(res, 404, { message: 'No email for that address yet.' }, cors);
    }
    if (path === '/_sandbox/mailbox') return json(res, 200, { mails: mailsFor(query.get('email')).map(publicMail) }, cors);
    if (path === '/_sandbox/handlers') {
      return json(res, 200, Object.fromEntries(FUNCTION_KINDS.filter((k) => handlers[k]).map((k) => [k, handlers[k]!.codeSha256])), cors);
    }
    if (path === '/_sandbox/info') {
      return json(
        res,
        200,
        { url: base, region, userPoolId: pool, clientId: store.state.clientId, issuer: iss, jwksUri: `${iss}/.well-known/jwks.json` },
        cors,
      );
    }
    if (path === '/_sandbox' || path === '/_sandbox/') {
      return send(res, 200, mailboxPage(store.state.mails, { url: base, userPoolId: pool, clientId: store.state.clientId }), {
        'content-type': 'text/html; charset=utf-8',
        ...cors,
      });
    }
    if (path === '/' || path === '/index.html') {
      return send(
        res,
        200,
        signInPage({ url: base, region, userPoolId: pool, clientId: store.state.clientId, appBuilt: app !== undefined }),
        {
          'content-type': 'text/html; charset=utf-8',
          'cache-control': 'no-store',
        },
      );
    }
    if (path === '/_sandbox/app.js' && app) {
      return send(res, 200, app, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-cache' });
    }
    return json(res, 404, { message: `Nothing at ${path}.` }, cors);
  };

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const requestId = randomUUID();
    const parsedUrl = new URL(req.url ?? '/', 'http://sandbox');
    void (async () => {
      try {
        const hostname = hostnameOf(req.headers.host ?? '');
        if (!hostname || !allowedHostname(hostname)) {
          req.resume();
          return json(
            res,
            421,
            { message: `The sandbox does not answer for host ${req.headers.host ?? '(none)'}. Use ${url}.` },
            { connection: 'close' },
          );
        }
        if (req.method === 'OPTIONS') {
          // Cognito's preflight is open to every origin; the sandbox's own paths only to loopback pages.
          const own = parsedUrl.pathname.startsWith('/_sandbox');
          return send(res, 204, '', own ? { ...ownCors(req), 'access-control-allow-methods': 'GET, OPTIONS' } : COGNITO_CORS);
        }
        if (req.method === 'GET' || req.method === 'HEAD') return handleGet(req, parsedUrl.pathname, parsedUrl.searchParams, res);
        if (req.method !== 'POST') return json(res, 405, { message: 'Method not allowed.' });
        let body: string;
        try {
          body = await readBody(req);
        } catch (err) {
          if (!(err instanceof BodyTooLarge)) throw err;
          const e = { __type: 'InvalidParameterException', message: `Request body larger than ${MAX_BODY} bytes.` };
          return send(res, 413, JSON.stringify(e), {
            ...COGNITO_CORS,
            'content-type': 'application/x-amz-json-1.1',
            'x-amzn-errortype': `${e.__type}:`,
            'x-amzn-requestid': requestId,
            connection: 'close',
          });
        }
        const target = req.headers['x-amz-target'];
        const internal = (typeof target === 'string' && target.startsWith('DynamoDB_20120810.')) || typeof target !== 'string';
        // The handlers' DynamoDB and SES calls come from this process; no web page needs them.
        if (internal && fromPageElsewhere(req.headers.origin, req.headers.host)) {
          return json(res, 403, { message: `The sandbox's own endpoints answer pages from this machine only, not ${req.headers.origin}.` });
        }
        if (typeof target === 'string' && target.startsWith('DynamoDB_20120810.')) return handleDynamo(target, body, res, requestId);
        if (typeof target === 'string') return await handleCognito(target, body, req, res, requestId);
        if ((req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) return handleSes(body, res, requestId);
        return json(res, 400, { __type: 'UnknownOperationException', message: 'Missing X-Amz-Target header.' }, COGNITO_CORS);
      } catch (err) {
        if (!res.headersSent) json(res, 500, { __type: 'InternalErrorException', message: errorMessage(err) });
      }
    })();
  });

  try {
    await triggers.ready();
  } catch (err) {
    await triggers.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    throw new OtpError('SANDBOX_HANDLER_FAILED', `A handler failed to load in the sandbox: ${errorMessage(err)}`, { cause: err });
  }

  return {
    url,
    exposed,
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
      await store.close();
    },
  };
}

/** What the user typed (--port, --host) made listen() fail: say which, instead of "a bug". */
function listenError(err: NodeJS.ErrnoException, port: number | undefined, host: string | undefined): Error {
  const usage = (code: string, message: string, resolution: string) => new OtpError(code, message, { resolution, exitCode: 2, cause: err });
  switch (err.code) {
    case 'EADDRINUSE':
      return usage('PORT_IN_USE', `Port ${port} is already in use.`, 'Stop the other process or pick another port with --port.');
    case 'EADDRNOTAVAIL':
      return usage(
        'HOST_UNAVAILABLE',
        `--host ${host} is not an address of this machine (EADDRNOTAVAIL).`,
        "Use 127.0.0.1 (this machine only), 0.0.0.0 (every interface) or one of this machine's own addresses.",
      );
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return usage(
        'HOST_UNAVAILABLE',
        `--host ${host} does not resolve to an address (${err.code}).`,
        'Use an IP address such as 127.0.0.1, or a name this machine resolves.',
      );
    case 'EACCES':
      return usage('PORT_NOT_ALLOWED', `Port ${port} needs administrator rights (EACCES).`, 'Pick a port above 1023 with --port.');
    default:
      return err;
  }
}
