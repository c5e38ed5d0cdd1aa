import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Amplify } from 'aws-amplify';
import { describe, expect, it } from 'vitest';
import { OtpError } from '../../../src/core/errors.js';
import { mergeOutputs, removeOutputs, writeOutputsFile } from '../../../src/frontend/outputs-file.js';

const values = { region: 'eu-west-1', userPoolId: 'eu-west-1_Abc123', clientId: 'client123' };
const PATH = '/app/amplify_outputs.json';

describe('amplify_outputs.json', () => {
  it('has the Gen 2 shape', () => {
    expect(JSON.parse(mergeOutputs(undefined, values, PATH))).toEqual({
      version: '1.3',
      auth: {
        aws_region: 'eu-west-1',
        user_pool_id: 'eu-west-1_Abc123',
        user_pool_client_id: 'client123',
        username_attributes: ['email'],
        standard_required_attributes: ['email'],
        user_verification_types: ['email'],
        unauthenticated_identities_enabled: false,
        mfa_configuration: 'NONE',
      },
    });
  });

  it('is accepted by Amplify.configure(outputs) as an email-login user pool', () => {
    Amplify.configure(JSON.parse(mergeOutputs(undefined, values, PATH)) as Parameters<typeof Amplify.configure>[0]);
    const cognito = Amplify.getConfig().Auth?.Cognito;
    expect(cognito?.userPoolId).toBe('eu-west-1_Abc123');
    expect(cognito?.userPoolClientId).toBe('client123');
    expect(cognito?.loginWith?.email).toBe(true);
  });

  it('keeps the other sections of an existing file and their fields, and is idempotent', () => {
    const existing = JSON.stringify({
      version: '1.4',
      data: { url: 'https://x' },
      auth: { identity_pool_id: 'eu-west-1:id', user_pool_id: 'old' },
    });
    const merged = JSON.parse(mergeOutputs(existing, values, PATH)) as Record<string, Record<string, unknown>>;
    expect(merged.version).toBe('1.4');
    expect(merged.data).toEqual({ url: 'https://x' });
    expect(merged.auth!.identity_pool_id).toBe('eu-west-1:id');
    expect(merged.auth!.user_pool_id).toBe('eu-west-1_Abc123');
    const text = mergeOutputs(existing, values, PATH);
    expect(mergeOutputs(text, values, PATH)).toBe(text);
  });

  it('refuses to overwrite a file that is not a JSON object', () => {
    for (const bad of ['{ not json', '[1,2]', '{"auth": 3}']) {
      const error = (() => {
        try {
          mergeOutputs(bad, values, PATH);
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(OtpError);
      expect((error as OtpError).code).toBe('OUTPUTS_INVALID');
    }
  });

  it('on teardown deletes a file that was only ours, strips only our section otherwise, and leaves another pool alone', () => {
    expect(removeOutputs(mergeOutputs(undefined, values, PATH), values.userPoolId, PATH)).toBeNull();
    const shared = mergeOutputs(JSON.stringify({ version: '1.3', storage: { bucket_name: 'b' } }), values, PATH);
    expect(JSON.parse(removeOutputs(shared, values.userPoolId, PATH)!)).toEqual({ version: '1.3', storage: { bucket_name: 'b' } });
    expect(removeOutputs(shared, 'eu-west-1_Other', PATH)).toBeUndefined();
  });

  it('fails with OUTPUTS_UNWRITABLE when the folder is a file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'otp-out-'));
    await writeFile(join(dir, 'web'), 'x');
    const error = await writeOutputsFile(join(dir, 'web', 'amplify_outputs.json'), '{}').catch((e: unknown) => e);
    expect((error as OtpError).code).toBe('OUTPUTS_UNWRITABLE');
    expect(await readFile(join(dir, 'web'), 'utf8')).toBe('x');
  });
});
