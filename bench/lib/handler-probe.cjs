// Runs in a fresh node process, like a Lambda container: loads one handler bundle (CommonJS, the
// runtime's SDK external and resolved from otp-setup's node_modules), then invokes it.
// Prints one JSON line: loadMs, firstMs (first invocation), warmUs (median of later ones).
// Create and Verify get fake SES / DynamoDB (rate-limit table) clients, so their times exclude
// the AWS calls they make.
'use strict';
const { createHmac, randomBytes } = require('node:crypto');
const { readFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const vm = require('node:vm');

const [bundlePath, kind, rootPackageJson, iterationsArg] = process.argv.slice(2);
const iterations = Number(iterationsArg);
const code = readFileSync(bundlePath, 'utf8');

const now = Date.now();
const user = { sub: '7f1c5a3e-0000-4000-8000-000000000001', email: 'jane.doe@example.com', name: 'Jane Doe' };
const common = (triggerSource) => ({
  version: '1',
  region: 'us-east-1',
  userPoolId: 'us-east-1_AbCdEfGhI',
  userName: user.sub,
  callerContext: { awsSdkVersion: 'aws-sdk-unknown-unknown', clientId: '1example23456789' },
  triggerSource,
});
// Verify gets the code sealed as Create seals it (handlers/shared/otp.ts: HMAC-SHA256 under the
// stack key over length-prefixed parts), so the bench times the real comparison path.
function seal(code, expiresAt) {
  const mac = createHmac('sha256', Buffer.from(process.env.OTP_HMAC_KEY, 'base64url'));
  const salt = randomBytes(16).toString('base64url');
  for (const part of ['otp-code-v2', salt, String(expiresAt), code]) {
    const bytes = Buffer.from(part, 'utf8');
    mac.update(`${bytes.length}:`);
    mac.update(bytes);
  }
  return { salt, digest: mac.digest('base64url'), expiresAt: String(expiresAt), codeLength: String(code.length) };
}
const events = {
  'define-auth-challenge': () => ({
    ...common('DefineAuthChallenge_Authentication'),
    request: { userAttributes: { sub: user.sub, email: user.email }, session: [] },
    response: {},
  }),
  'create-auth-challenge': () => ({
    ...common('CreateAuthChallenge_Authentication'),
    request: { userAttributes: { sub: user.sub, email: user.email, name: user.name }, challengeName: 'CUSTOM_CHALLENGE', session: [] },
    response: {},
  }),
  'verify-auth-challenge': () => ({
    ...common('VerifyAuthChallengeResponse_Authentication'),
    request: {
      userAttributes: { sub: user.sub, email: user.email },
      privateChallengeParameters: seal('123456', now + 600_000),
      challengeAnswer: '123456',
    },
    response: {},
  }),
  'post-authentication': () => ({
    ...common('PostAuthentication_Authentication'),
    request: { userAttributes: { sub: user.sub, email: user.email, email_verified: 'false' }, newDeviceUsed: false },
    response: {},
  }),
  'pre-sign-up': () => ({
    ...common('PreSignUp_SignUp'),
    userName: user.email,
    request: { userAttributes: { email: user.email }, validationData: null, clientMetadata: {} },
    response: {},
  }),
};

async function main() {
  const t0 = performance.now();
  const mod = { exports: {} };
  const wrapper = vm.runInThisContext(`(function (exports, require, module, __filename, __dirname) {${code}\n})`, {
    filename: '/var/task/index.js',
  });
  wrapper(mod.exports, createRequire(rootPackageJson), mod, '/var/task/index.js', '/var/task');
  const loadMs = performance.now() - t0;

  let sesCalls = 0;
  let tableCalls = 0;
  const ses = {
    send: async () => {
      sesCalls += 1;
      return { MessageId: 'bench' };
    },
  };
  const rateStore = {
    send: async () => {
      tableCalls += 1;
      return {};
    },
  };
  const handler =
    kind === 'create-auth-challenge'
      ? mod.exports.createHandler({ ses, rateStore })
      : kind === 'verify-auth-challenge'
        ? mod.exports.createHandler({ rateStore })
        : kind === 'post-authentication'
          ? mod.exports.createHandler({ cognito: { send: async () => ({}) } })
          : mod.exports.handler;
  const event = events[kind];

  let t = performance.now();
  await handler(event());
  const firstMs = performance.now() - t;
  const warm = [];
  for (let i = 0; i < iterations; i++) {
    const e = event();
    t = performance.now();
    await handler(e);
    warm.push((performance.now() - t) * 1000);
  }
  warm.sort((a, b) => a - b);
  const result = { loadMs, firstMs, warmUs: warm[Math.floor(warm.length / 2)], sesCalls, tableCalls };
  process.stderr.write(`\n@@BENCH ${JSON.stringify(result)}\n`);
}

main().catch((err) => {
  process.stderr.write(`\n@@BENCH ${JSON.stringify({ error: String((err && err.stack) || err) })}\n`);
  process.exitCode = 1;
});
