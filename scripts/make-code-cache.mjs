// Run by scripts/bundle-cli.mjs in a process of its own: loads every SDK client the commands use,
// sends each one call to a local server (so the request path compiles too), then writes the V8
// code cache of every SDK module it compiled into the folder given (see bin/code-cache.js).
import { createServer } from 'node:http';
import { produceCodeCache } from '../bin/code-cache.js';

// The SDK's advice about Node versions is for us, not a build failure.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = (warning, ...rest) => {
  if (!String(warning?.message ?? warning).startsWith('NodeVersionSupportWarning')) emitWarning(warning, ...rest);
};

const dir = process.argv[2];
if (!dir) throw new Error('usage: make-code-cache.mjs <dir>');
const write = produceCodeCache(dir);

const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(400, { 'content-type': 'application/json' }).end('{"__type":"ValidationException","message":"x"}'));
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address();

const { createAwsClients } = await import('../dist/src/aws/clients.js');
const { sdk } = await import('../dist/src/aws/sdk.js');
const aws = createAwsClients({
  region: 'us-east-1',
  endpoint: `http://127.0.0.1:${port}`,
  maxAttempts: 1,
  credentials: { accessKeyId: 'code-cache', secretAccessKey: 'code-cache' },
});
const calls = [
  ['sts', '@aws-sdk/client-sts', 'GetCallerIdentityCommand', {}],
  ['lambda', '@aws-sdk/client-lambda', 'GetFunctionCommand', { FunctionName: 'f' }],
  ['iam', '@aws-sdk/client-iam', 'GetRoleCommand', { RoleName: 'r' }],
  ['cognito', '@aws-sdk/client-cognito-identity-provider', 'DescribeUserPoolCommand', { UserPoolId: 'us-east-1_x' }],
  ['dynamodb', '@aws-sdk/client-dynamodb', 'DescribeTableCommand', { TableName: 't' }],
  ['logs', '@aws-sdk/client-cloudwatch-logs', 'DescribeLogGroupsCommand', {}],
  ['ses', '@aws-sdk/client-ses', 'GetIdentityVerificationAttributesCommand', { Identities: ['a@example.com'] }],
  ['cloudwatch', '@aws-sdk/client-cloudwatch', 'DescribeAlarmsCommand', {}],
  ['sns', '@aws-sdk/client-sns', 'ListTopicsCommand', {}],
  ['sesv2', '@aws-sdk/client-sesv2', 'GetAccountCommand', {}],
];
for (const [client, pkg, command, input] of calls) {
  const c = await aws[client]();
  await c.send(new (sdk(pkg)[command])(input)).catch(() => undefined);
}
sdk('@smithy/core/config');
aws.destroy();
server.close();
console.log(`code cache: ${write()} SDK modules`);
