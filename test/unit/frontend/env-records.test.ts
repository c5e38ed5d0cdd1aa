import { describe, expect, it } from 'vitest';
import type { EnvFileRecord } from '../../../src/core/state-store.js';
import { editEnv, parseEnv } from '../../../src/frontend/env-file.js';
import { claimEnvKeys, releaseEnvFile } from '../../../src/frontend/env-records.js';

const US = { VITE_AWS_REGION: 'us-east-1', VITE_EMAIL_OTP_USER_POOL_ID: 'us-east-1_Us', VITE_EMAIL_OTP_CLIENT_ID: 'usclient' };
const EU = { VITE_AWS_REGION: 'eu-west-1', VITE_EMAIL_OTP_USER_POOL_ID: 'eu-west-1_Eu', VITE_EMAIL_OTP_CLIENT_ID: 'euclient' };
const DROP = ['VITE_EMAIL_OTP_ENDPOINT'];

function claim(text: string | undefined, set: Record<string, string>, previous?: EnvFileRecord, others: EnvFileRecord[] = []) {
  return claimEnvKeys({ text, set, drop: DROP, previous, others });
}

describe('env key records', () => {
  it("puts back the user's own line, export and comment included, with CRLF and no final newline", () => {
    const before = 'API=https://api\r\nexport VITE_AWS_REGION=eu-west-1  # mine\r\nLAST=1';
    const { text, record } = claim(before, US);
    expect(text).toContain('export VITE_AWS_REGION=us-east-1  # mine\r\n');
    expect(text.endsWith('\n')).toBe(false);
    expect(record.keys.VITE_AWS_REGION).toEqual({ value: 'us-east-1', prior: ['export VITE_AWS_REGION=eu-west-1  # mine'] });
    expect(record.keys.VITE_EMAIL_OTP_CLIENT_ID).toEqual({ value: 'usclient' });
    expect(record.createdFile).toBe(false);
    // A second up keeps the user's original line as the one to restore, not our own value.
    const again = claim(text, US, record);
    expect(again.text).toBe(text);
    expect(again.record).toEqual(record);
    const out = releaseEnvFile(text, record, []);
    expect(out.text).toBe(before);
    expect(out.restored).toEqual(['VITE_AWS_REGION']);
    expect(out.removed).toEqual(['VITE_EMAIL_OTP_USER_POOL_ID', 'VITE_EMAIL_OTP_CLIENT_ID']);
  });

  it('restores every duplicate line of a key', () => {
    const before = 'VITE_AWS_REGION=us-west-2\nA=1\nVITE_AWS_REGION=eu-central-1 # wins\n';
    const { text, record } = claim(before, US);
    expect(parseEnv(text).get('VITE_AWS_REGION')).toBe('us-east-1');
    expect(releaseEnvFile(text, record, []).text).toBe(before);
  });

  it('leaves a key whose value changed since otp-setup wrote it', () => {
    const { text, record } = claim('A=1\n', US);
    const edited = text.replace('usclient', 'my-own-client');
    const out = releaseEnvFile(edited, record, []);
    expect(out.kept).toEqual(['VITE_EMAIL_OTP_CLIENT_ID']);
    expect(parseEnv(out.text).get('VITE_EMAIL_OTP_CLIENT_ID')).toBe('my-own-client');
    expect(parseEnv(out.text).has('VITE_AWS_REGION')).toBe(false);
  });

  it('marks a file it created, and one that holds nothing but its own lines (a lost state), as created', () => {
    expect(claim(undefined, US).record.createdFile).toBe(true);
    const ours = editEnv('', US);
    const relost = claim(ours, US);
    expect(relost.record.createdFile).toBe(true);
    // Lines under our header are ours even without a record: nothing stale is kept to "restore".
    expect(relost.record.keys.VITE_AWS_REGION).toEqual({ value: 'us-east-1' });
    expect(releaseEnvFile(relost.text, relost.record, []).text).toBe('');
  });

  it("treats lines the sandbox pointed at itself as its own, not the user's", () => {
    const sandbox =
      'A=1\nVITE_AWS_REGION=us-east-1\nVITE_EMAIL_OTP_USER_POOL_ID=local_X\nVITE_EMAIL_OTP_CLIENT_ID=sandbox\nVITE_EMAIL_OTP_ENDPOINT=http://127.0.0.1:8787\n';
    const { text, record } = claim(sandbox, US);
    expect(parseEnv(text).has('VITE_EMAIL_OTP_ENDPOINT')).toBe(false);
    expect(Object.values(record.keys).every((k) => k.prior === undefined)).toBe(true);
    expect(releaseEnvFile(text, record, []).text).toBe('A=1\n');
  });

  it('gives back keys it wrote under an old prefix when the preset changes', () => {
    const before = 'export VITE_AWS_REGION=eu-west-1 # mine\n';
    const first = claim(before, US);
    const next = {
      NEXT_PUBLIC_AWS_REGION: 'us-east-1',
      NEXT_PUBLIC_EMAIL_OTP_USER_POOL_ID: 'us-east-1_Us',
      NEXT_PUBLIC_EMAIL_OTP_CLIENT_ID: 'usclient',
    };
    const second = claim(first.text, next, first.record);
    expect(second.text).toContain('export VITE_AWS_REGION=eu-west-1 # mine\n');
    expect(second.text).not.toContain('VITE_EMAIL_OTP');
    expect(Object.keys(second.record.keys)).toEqual(Object.keys(next));
    expect(releaseEnvFile(second.text, second.record, []).text).toBe(before);
  });

  describe('two stacks (regions) sharing one .env', () => {
    const before = '# app\nexport VITE_AWS_REGION=ap-south-1 # mine\n';

    it('torn down in reverse order: the other stack gets its values back, then the user gets theirs', () => {
      const us = claim(before, US);
      const eu = claim(us.text, EU, undefined, [us.record]);
      expect(eu.record.keys.VITE_AWS_REGION!.prior).toEqual(['export VITE_AWS_REGION=ap-south-1 # mine']);
      const afterEu = releaseEnvFile(eu.text, eu.record, [us.record]);
      expect(afterEu.handedOver).toHaveLength(3);
      expect(Object.fromEntries(parseEnv(afterEu.text))).toMatchObject(US);
      expect(releaseEnvFile(afterEu.text, us.record, []).text).toBe(before);
    });

    it("torn down in the order deployed: the first leaves the second's values, the second restores the user's", () => {
      const us = claim(before, US);
      const eu = claim(us.text, EU, undefined, [us.record]);
      const afterUs = releaseEnvFile(eu.text, us.record, [eu.record]);
      expect(afterUs.text).toBe(eu.text);
      expect(afterUs.kept).toHaveLength(3);
      expect(releaseEnvFile(afterUs.text, eu.record, []).text).toBe(before);
    });

    it('a file created by the first stack is deleted by whichever lets go last', () => {
      const us = claim(undefined, US);
      const eu = claim(us.text, EU, undefined, [us.record]);
      expect(eu.record.createdFile).toBe(true);
      const afterUs = releaseEnvFile(eu.text, us.record, [eu.record]);
      expect(releaseEnvFile(afterUs.text, eu.record, []).text).toBe('');
    });
  });
});
