import { GetAccountCommand, PutAccountDetailsCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { STSClient, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import type { AwsClients } from '../../../src/aws/clients.js';
import { main } from '../../../src/cli/main.js';
import { sesAccountCheck } from '../../../src/doctor/checks/ses-account-check.js';
import type { DoctorContext } from '../../../src/doctor/check.js';

// moto has no sesv2 GetAccount/PutAccountDetails: these responses come from AWS's documented shapes.
const sesv2 = mockClient(SESv2Client);
const sts = mockClient(STSClient);
afterEach(() => {
  sesv2.reset();
  sts.reset();
});

function clients(): AwsClients {
  const none = () => Promise.reject(new Error('not used'));
  return {
    settings: { region: 'us-east-1' },
    stats: { calls: 0, retries: 0 },
    sesv2: async () => new SESv2Client({ region: 'us-east-1' }),
    sts: async () => new STSClient({ region: 'us-east-1' }),
    cognito: none,
    iam: none,
    lambda: none,
    ses: none,
    logs: none,
    cloudwatch: none,
    sns: none,
    destroy: () => undefined,
    // Only sesv2 and sts are used here; the cast spares listing every other client getter.
  } as unknown as AwsClients;
}

function doctorContext(): DoctorContext {
  return { ctx: { region: 'us-east-1', aws: clients() } as DoctorContext['ctx'], lookups: {} as DoctorContext['lookups'], now: new Date() };
}

describe('SES account check', () => {
  it('warns in the sandbox and says how to leave it', async () => {
    sesv2.on(GetAccountCommand).resolves({
      ProductionAccessEnabled: false,
      SendingEnabled: true,
      SendQuota: { Max24HourSend: 200, MaxSendRate: 1, SentLast24Hours: 3 },
    });
    const r = await sesAccountCheck.run(doctorContext());
    expect(r.verdict).toBe('warn');
    expect(r.detail).toContain('sandbox');
    expect(r.detail).toContain('3/200 sent in 24 h');
    expect(r.fix).toContain('otp-setup ses request-production');
  });

  it('is ok in production with quota to spare, and fails when sending is disabled', async () => {
    sesv2.on(GetAccountCommand).resolves({
      ProductionAccessEnabled: true,
      SendingEnabled: true,
      SendQuota: { Max24HourSend: 50_000, MaxSendRate: 14, SentLast24Hours: 10 },
    });
    expect((await sesAccountCheck.run(doctorContext())).verdict).toBe('ok');
    sesv2.on(GetAccountCommand).resolves({ ProductionAccessEnabled: true, SendingEnabled: false, EnforcementStatus: 'SHUTDOWN' });
    expect((await sesAccountCheck.run(doctorContext())).verdict).toBe('fail');
  });
});

describe('ses request-production', () => {
  /** Runs the command in process against the mocked clients; answers the exit code and the --json result. */
  async function requestProduction(flags: string[]): Promise<{ code: number; result: Record<string, unknown> }> {
    sts.on(GetCallerIdentityCommand).resolves({ Account: '123456789012', Arn: 'arn:aws:iam::123456789012:user/me' });
    sesv2.on(PutAccountDetailsCommand).resolves({});
    const dir = await mkdtemp(join(tmpdir(), 'otp-ses-'));
    await writeFile(join(dir, 'otp-setup.config.json'), JSON.stringify({ region: 'us-east-1', email: { from: 'noreply@example.com' } }));
    const stdout = new PassThrough();
    let out = '';
    stdout.on('data', (d: Buffer) => (out += d.toString()));
    const code = await main(['ses', 'request-production', '--website-url', 'https://app.example.com', '--json', ...flags], {
      stdout,
      stderr: new PassThrough(),
      stdin: new PassThrough(),
      env: {},
      cwd: dir,
      now: () => new Date(),
      createAwsClients: clients,
      onInterrupt: () => () => undefined,
    });
    return { code, result: JSON.parse(out.trim().split('\n').pop()!) as Record<string, unknown> };
  }

  it('sends put-account-details as the guide does, with --yes', async () => {
    const { code, result } = await requestProduction(['--yes']);
    expect(code).toBe(0);
    const input = sesv2.commandCalls(PutAccountDetailsCommand)[0]!.args[0].input;
    expect(input).toMatchObject({ ProductionAccessEnabled: true, MailType: 'TRANSACTIONAL', WebsiteURL: 'https://app.example.com/' });
    expect(input.UseCaseDescription).toContain('noreply@example.com');
    expect(result).toMatchObject({ ok: true, websiteUrl: 'https://app.example.com/' });
  });

  it('without --yes and without a terminal: refuses with exit 2 and sends nothing', async () => {
    const { code, result } = await requestProduction([]);
    expect(code).toBe(2);
    expect(sesv2.commandCalls(PutAccountDetailsCommand)).toHaveLength(0);
    expect(result).toMatchObject({ ok: false, error: { code: 'CONFIRMATION_REQUIRED' } });
  });
});
