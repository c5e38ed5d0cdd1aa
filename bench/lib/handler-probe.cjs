// Runs in a fresh node process, like a Lambda container: loads one handler bundle (CommonJS, the
// runtime's SDK external and resolved from otp-setup's node_modules), then invokes it.
// Prints one JSON line: loadMs, firstMs (first invocation), warmUs (median of later ones).
// Create and Verify get fake SES / DynamoDB (rate-limit table) clients, so their times exclude
// the AWS calls they make.
'use strict';
const { readFileSync } = require('node:fs');
const { createRequire } = require('node:module');
const vm = require('node:vm');

const [bundlePath, kind, rootPackageJson, iterationsArg] = process.argv.slice(2);
const iterations = Number(iterationsArg);
const code = readFileSync(bundlePath, 'utf8');

const now = Date.now();
const user = { sub: '7f1c5a3e-0000-4000-8000-000000000001', email: 'jane.doe@example.com', name: 'Jane Doe' };
const common = (triggerSource) => ({
  version: '1', region: 'us-east-1', userPoolId: 'us-east-1_AbCdEfGhI', userName: user.sub,
  callerContext: { awsSdkVersion: 'aws-sdk-unknown-unknown', clientId: '1example23456789' }, triggerSource,
});
const events = {
  'define-auth-challenge': () => ({ ...common('DefineAuthChallenge_Authentication'), request: { userAttributes: { sub: user.sub, email: user.email }, session: [] }, response: {} }),
  'create-auth-challenge': () => ({ ...common('CreateAuthChallenge_Authentication'), request: { userAttributes: { sub: user.sub, email: user.email, name: user.name }, challengeName: 'CUSTOM_CHALLENGE', session: [] }, response: {} }),
  'verify-auth-challenge': () => ({ ...common('VerifyAuthChallengeResponse_Authentication'), request: { userAttributes: { sub: user.sub, email: user.email }, privateChallengeParameters: { answer: '123456', expiresAt: String(now + 600_000) }, challengeAnswer: '123456' }, response: {} }),
  'pre-sign-up': () => ({ ...common('PreSignUp_SignUp'), userName: user.email, request: { userAttributes: { email: user.email }, validationData: null, clientMetadata: {} }, response: {} }),
};

async function main() {
  const t0 = performance.now();
  const mod = { exports: {} };
  const wrapper = vm.runInThisContext(`(function (exports, require, module, __filename, __dirname) {${code}\n})`, { filename: '/var/task/index.js' });
  wrapper(mod.exports, createRequire(rootPackageJson), mod, '/var/task/index.js', '/var/task');
  const loadMs = performance.now() - t0;

  let sesCalls = 0;
  let tableCalls = 0;
  const ses = { send: async () => { sesCalls += 1; return { MessageId: 'bench' }; } };
  const rateStore = { send: async () => { tableCalls += 1; return {}; } };
  const handler =
    kind === 'create-auth-challenge' ? mod.exports.createHandler({ ses, rateStore })
    : kind === 'verify-auth-challenge' ? mod.exports.createHandler({ rateStore })
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
  process.stderr.write(`\n@@BENCH ${JSON.stringify({ error: String(err && err.stack || err) })}\n`);
  process.exitCode = 1;
});
