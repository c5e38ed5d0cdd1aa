// Starts a private moto_server (preinstalled) on a free loopback port, like test/support/moto.ts.
import { spawn } from 'node:child_process';
import { freePort } from './free-port.mjs';

export async function startMoto() {
  const port = await freePort();
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], {
    env: { ...process.env, MOTO_IAM_LOAD_MANAGED_POLICIES: 'true' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto_server exited (${child.exitCode}): ${stderr}`);
    try {
      if ((await fetch(`${url}/moto-api/`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`moto_server did not start on ${url}: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    async reset() {
      const res = await fetch(`${url}/moto-api/reset`, { method: 'POST' });
      if (!res.ok) throw new Error(`moto reset failed: ${res.status}`);
      await warm(url);
    },
    async stop() {
      if (child.exitCode !== null) return;
      await new Promise((resolve) => {
        child.once('exit', resolve);
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      });
    },
  };
}

// After a reset moto builds each service's backend on its first request, which takes seconds
// for IAM (it loads every AWS managed policy). Real AWS has no such cost, and whichever side ran
// first would pay it, so one cheap read per service is made before anything is timed.
const WARM = [
  ['iam', 'POST', '/', 'Action=ListRoles&Version=2010-05-08'],
  ['sts', 'POST', '/', 'Action=GetCallerIdentity&Version=2011-06-15'],
  ['ses', 'POST', '/', 'Action=ListIdentities&Version=2010-12-01'],
  ['monitoring', 'POST', '/', 'Action=DescribeAlarms&Version=2010-08-01'],
  ['lambda', 'GET', '/2015-03-31/functions/'],
  ['logs', 'POST', '/', '{}', 'Logs_20140328.DescribeLogGroups'],
  ['dynamodb', 'POST', '/', '{}', 'DynamoDB_20120810.ListTables'],
  ['cognito-idp', 'POST', '/', '{"MaxResults":1}', 'AWSCognitoIdentityProviderService.ListUserPools'],
];

async function warm(url) {
  const date = new Date().toISOString().slice(0, 10).replaceAll('-', '');
  await Promise.all(
    WARM.map(async ([service, method, path, body, target]) => {
      const headers = {
        authorization: `AWS4-HMAC-SHA256 Credential=testing/${date}/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=0`,
      };
      if (target) Object.assign(headers, { 'x-amz-target': target, 'content-type': 'application/x-amz-json-1.1' });
      else if (body) headers['content-type'] = 'application/x-www-form-urlencoded';
      const res = await fetch(`${url}${path}`, { method, headers, body });
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`moto warm-up of ${service} failed: ${res.status}`);
    }),
  );
}

/** Environment for the CLI and the aws CLI: the endpoint plus dummy credentials. */
export function awsEnv(url) {
  return {
    AWS_ENDPOINT_URL: url,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_PAGER: '',
  };
}
