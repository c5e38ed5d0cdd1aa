import type { UserPoolClientType, UserPoolType } from '@aws-sdk/client-cognito-identity-provider';
import { describe, expect, it } from 'vitest';
import type { DoctorContext } from '../../../src/doctor/check.js';
import { emailOwnershipCheck } from '../../../src/doctor/checks/email-ownership-check.js';
import { CLIENT_WRITE_ATTRIBUTES } from '../../../src/spec/app-client.js';

function run(pool: UserPoolType | undefined, client: UserPoolClientType | undefined) {
  const d = {
    ctx: { region: 'us-east-1', names: { userPool: 'email-otp-pool' } } as DoctorContext['ctx'],
    lookups: { pool: async () => pool, client: async () => client } as unknown as DoctorContext['lookups'],
    now: new Date(),
  };
  return emailOwnershipCheck.run(d);
}

const goodPool: UserPoolType = { Id: 'us-east-1_x', UserAttributeUpdateSettings: { AttributesRequireVerificationBeforeUpdate: ['email'] } };
const goodClient: UserPoolClientType = { ClientId: 'c1', WriteAttributes: [...CLIENT_WRITE_ATTRIBUTES] };

describe('email-ownership check', () => {
  it('ok when an email change needs verification', async () => {
    expect((await run(goodPool, goodClient)).verdict).toBe('ok');
  });

  it('fails on a pool that applies an email change unverified', async () => {
    const pool = await run({ Id: 'us-east-1_x' }, goodClient);
    expect(pool.verdict).toBe('fail');
    expect(pool.detail).toContain('applies an email change before the new address is verified');
  });

  it('fails on a client that may write more (or other) attributes than up sets, or every attribute', async () => {
    const extra = await run(goodPool, { ClientId: 'c1', WriteAttributes: [...CLIENT_WRITE_ATTRIBUTES, 'phone_number'] });
    expect(extra.verdict).toBe('fail');
    expect(extra.detail).toContain("client c1 WriteAttributes differ from otp-setup's: also phone_number");
    const fewer = await run(goodPool, { ClientId: 'c1', WriteAttributes: CLIENT_WRITE_ATTRIBUTES.filter((a) => a !== 'name') });
    expect(fewer.detail).toContain('lacks name');
    const all = await run(goodPool, { ClientId: 'c1' });
    expect(all.verdict).toBe('fail');
    expect(all.detail).toContain('may write every attribute');
  });
});
