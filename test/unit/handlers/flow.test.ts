import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createHandler as createCreate } from '../../../handlers/create-auth-challenge.js';
import { createHandler as createDefine } from '../../../handlers/define-auth-challenge.js';
import type { EmailTemplates } from '../../../handlers/shared/templates.js';
import { createHandler as createVerify } from '../../../handlers/verify-auth-challenge.js';
import { defaultTemplates } from '../../../src/package/build-handlers.js';
import { clock, emailedCode, ENV, fakeSes, runFlow, USER, type Triggers, noPause } from './support.js';

let templates: EmailTemplates;
beforeAll(async () => {
  templates = await defaultTemplates();
});
afterEach(() => {
  vi.restoreAllMocks();
});

/** Every console method and raw stdout/stderr write, as the Lambda runtime would ship them to CloudWatch. */
function captureEverything(): string[] {
  const out: string[] = [];
  const record = (...args: unknown[]) => {
    out.push(args.map(String).join(' '));
  };
  for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
    vi.spyOn(console, method).mockImplementation(record);
  }
  const write = (chunk: unknown) => {
    out.push(String(chunk));
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(write);
  vi.spyOn(process.stderr, 'write').mockImplementation(write);
  return out;
}

function triggers(env: Record<string, string> = ENV) {
  const ses = fakeSes();
  const time = clock();
  // No `log` override: the handlers use their real console sink.
  const t: Triggers = {
    define: createDefine({ env }),
    create: createCreate({ ses, env, now: time.now, templates, pause: noPause }),
    verify: createVerify({ env, now: time.now }),
  };
  return { ses, time, t };
}

function wrong(code: string): string {
  return code.replace(/\d$/, (d) => String((Number(d) + 1) % 10));
}

describe('the whole custom-auth flow', () => {
  it('create → wrong → create (same code) → right → tokens, one email, and no secret in any log line', async () => {
    const logs = captureEverything();
    const { ses, t } = triggers();

    const result = await runFlow(t, (round) => {
      const code = emailedCode(ses.calls[0]);
      return round === 1 ? wrong(code) : ` ${code}\n`;
    });

    expect(result).toMatchObject({ outcome: 'tokens', rounds: 2 });
    expect(ses.calls).toHaveLength(1);
    expect(ses.calls[0]?.Destination?.ToAddresses).toEqual([USER.email]);

    const code = emailedCode(ses.calls[0]);
    // The capture works: every handler invocation logged (define ×3, create ×2, verify ×2).
    expect(logs.length).toBeGreaterThanOrEqual(7);
    for (const line of logs) {
      const parsed = JSON.parse(line) as Record<string, unknown>;
      expect(parsed.level).toMatch(/^(debug|info|warn|error)$/);
      expect(line).not.toContain(code);
      expect(line).not.toContain(wrong(code));
      expect(line).not.toMatch(/privateChallengeParameters|challengeMetadata|challengeAnswer|otp-v1|answer/);
      expect(line).not.toContain(USER.email);
    }
  });

  it('fails after three wrong codes with a single email', async () => {
    captureEverything();
    const { ses, t } = triggers();
    const result = await runFlow(t, () => wrong(emailedCode(ses.calls[0])));
    expect(result).toMatchObject({ outcome: 'failed', rounds: 3 });
    expect(ses.calls).toHaveLength(1);
  });

  it('an expired code fails even when typed correctly', async () => {
    captureEverything();
    const { ses, t, time } = triggers();
    const result = await runFlow(t, () => {
      time.advance(181_000);
      return emailedCode(ses.calls[0]);
    });
    expect(result.outcome).toBe('failed');
  });

  it('an unknown user gets the same rounds and public parameters, no email and never tokens', async () => {
    captureEverything();
    const known = triggers();
    const ghost = triggers();
    const knownResult = await runFlow(known.t, () => '000000');
    const ghostResult = await runFlow(ghost.t, () => '000000', { userNotFound: true });
    expect(ghostResult.outcome).toBe('failed');
    expect(ghostResult.rounds).toBe(knownResult.rounds);
    expect(ghostResult.publicParameters.map((p) => Object.keys(p))).toEqual(knownResult.publicParameters.map((p) => Object.keys(p)));
    expect(ghost.ses.calls).toHaveLength(0);
  });
});
