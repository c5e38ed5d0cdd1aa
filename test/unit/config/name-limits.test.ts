import { describe, expect, it } from 'vitest';
import { environmentBytes, environmentProblems, LAMBDA_ENVIRONMENT_LIMIT_BYTES } from '../../../src/spec/environment-limit.js';
import { parseConfig } from '../../../src/config/load-config.js';
import { nameProblems } from '../../../src/config/name-limits.js';
import { resourceNames } from '../../../src/config/resource-names.js';
import type { Config } from '../../../src/config/schema.js';
import { OtpError } from '../../../src/core/errors.js';
import { handlerEnvironment } from '../../../src/spec/handler-environment.js';

const from = { email: { from: 'noreply@example.com' } };

function rejection(raw: unknown, options?: { stageFromFlag?: boolean }): OtpError {
  try {
    parseConfig(raw, 'the test config', options?.stageFromFlag ? { stage: '--stage' } : {});
  } catch (err) {
    expect(err).toBeInstanceOf(OtpError);
    return err as OtpError;
  }
  throw new Error('expected the config to be rejected');
}

describe('derived resource names against AWS limits', () => {
  it('rejects the largest name and stage the schema allows (31 + 16): 70-character function and role names', () => {
    const name = 'acme-passwordless-signin-prod-x';
    const stage = 'eu-central-blue1';
    expect([name.length, stage.length]).toEqual([31, 16]);
    const err = rejection({ ...from, name, stage });
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.exitCode).toBe(2);
    const problems = err.details!.problems as string[];
    expect(problems).toEqual([
      'name + stage: the IAM role name "acme-passwordless-signin-prod-x-lambda-execution-role-eu-central-blue1" is 70 characters; AWS allows at most 64. Shorten name or stage by 6 characters in total.',
      'name + stage: the Lambda function name "acme-passwordless-signin-prod-x-define-auth-challenge-eu-central-blue1" (and 3 more like it) is 70 characters; AWS allows at most 64. Shorten name or stage by 6 characters in total.',
    ]);
    expect(err.details!.names).toEqual([
      expect.objectContaining({ fields: ['name', 'stage'], resource: 'IAM role name', length: 70, max: 64 }),
      expect.objectContaining({ fields: ['name', 'stage'], resource: 'Lambda function name', length: 70, max: 64 }),
    ]);
    expect(err.resolution).toMatch(/Shorten the fields named above/);
  });

  it('accepts names of exactly 64 characters and rejects 65', () => {
    const fits = parseConfig({ ...from, name: 'a'.repeat(25), stage: 'b'.repeat(16) });
    expect(Math.max(...Object.values(resourceNames(fits).functions).map((f) => f.length), resourceNames(fits).role.length)).toBe(64);
    const err = rejection({ ...from, name: 'a'.repeat(26), stage: 'b'.repeat(16) });
    expect((err.details!.problems as string[])[0]).toMatch(
      /is 65 characters; AWS allows at most 64\. Shorten name or stage by 1 character in total\./,
    );
  });

  it('a stage given with --stage is named as such', () => {
    const err = rejection({ ...from, name: 'a'.repeat(31), stage: 'b'.repeat(16) }, { stageFromFlag: true });
    expect((err.details!.problems as string[])[0]).toMatch(/^name \+ stage \(--stage\): /);
  });

  it('a names.* override is checked on its own, with its own field', () => {
    const err = rejection({ ...from, names: { userPool: 'users/of/the/app' } });
    expect(err.details!.problems).toEqual([
      'names.userPool: the Cognito user pool name "users/of/the/app" may contain only letters, digits, spaces and _+=,.@-.',
    ]);
    // A long name does not matter for a resource whose name is overridden.
    expect(nameProblems(parseConfig({ ...from, names: { role: 'short-role' } })).map((p) => p.resource)).not.toContain('IAM role name');
  });

  it('checks every kind of name the stack creates against its own limit', () => {
    // Beyond what the schema lets through, to reach each limit: 500 characters of name.
    const base = parseConfig({ ...from, monitoring: { alarms: { enabled: true, email: 'ops@example.com' } } });
    const config: Config = { ...base, name: 'a'.repeat(500) };
    const found = Object.fromEntries(nameProblems(config).map((p) => [p.resource, p.max]));
    expect(found).toEqual({
      'IAM role name': 64,
      'Lambda function name': 64,
      'CloudWatch log group name': 512,
      'Cognito user pool name': 128,
      'Cognito app client name': 128,
      'DynamoDB table name': 255,
      'CloudWatch alarm name': 255,
      'SNS topic name': 256,
    });
    // The table and the topic are checked only when the stack creates them.
    const fewer = nameProblems({
      ...config,
      rateLimit: { ...config.rateLimit, enabled: false },
      monitoring: { ...config.monitoring, alarms: { enabled: false } },
    });
    expect(fewer.map((p) => p.resource)).not.toEqual(
      expect.arrayContaining(['DynamoDB table name', 'CloudWatch alarm name', 'SNS topic name']),
    );
  });

  it('names below the minimum are rejected (a 2-character table name)', () => {
    const config: Config = { ...parseConfig(from), names: { rateLimitTable: 'ab' } };
    expect(nameProblems(config).map((p) => p.message)).toEqual([
      'names.rateLimitTable: the DynamoDB table name "ab" is 2 characters; AWS needs at least 3.',
    ]);
  });

  it('the default config fits', () => {
    expect(nameProblems(parseConfig({ ...from, stage: 'prod' }))).toEqual([]);
  });
});

describe("Lambda's 4 KB environment", () => {
  const domains = (n: number) => Array.from({ length: n }, (_, i) => `customer-${String(i).padStart(4, '0')}.example.com`);

  it('measures the JSON of the variables, as AWS does', () => {
    expect(environmentBytes({ A: 'b' })).toBe('{"A":"b"}'.length);
  });

  it('rejects a sign-up domain list that would not fit, naming the field and the overshoot', () => {
    const err = rejection({ ...from, signUp: { allowedDomains: domains(250) } });
    expect(err.code).toBe('CONFIG_INVALID');
    const [problem] = err.details!.problems as string[];
    expect(problem).toMatch(
      /^signUp\.allowedDomains: the pre-sign-up function's environment variables would take \d+ bytes; Lambda allows 4096 \(4 KB\) per function\. Most of it is ALLOWED_EMAIL_DOMAINS \(250 domains\)/,
    );
    expect(err.resolution).toMatch(/4 KB/);
  });

  it('accepts the largest list that fits and rejects one more domain', () => {
    const base = parseConfig(from);
    let n = 1;
    const size = (count: number) =>
      environmentBytes(handlerEnvironment('pre-sign-up', { ...base, signUp: { allowedDomains: domains(count) } }));
    while (size(n + 1) <= LAMBDA_ENVIRONMENT_LIMIT_BYTES) n += 1;
    expect(environmentProblems(parseConfig({ ...from, signUp: { allowedDomains: domains(n) } }))).toEqual([]);
    expect(rejection({ ...from, signUp: { allowedDomains: domains(n + 1) } }).details!.problems).toHaveLength(1);
  });
});
