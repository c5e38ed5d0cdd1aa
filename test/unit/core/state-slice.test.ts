import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { stateSlice } from '../../../src/core/state-slice.js';
import { StateStore } from '../../../src/core/state-store.js';

const key = { stackId: 'email-otp', region: 'us-east-1', accountId: '123456789012' };
// A record no central schema field names: what a new step adds in its own file.
const firewall = stateSlice('firewall', z.object({ aclArn: z.string(), rules: z.array(z.string()) }));

describe('stateSlice', () => {
  it('keeps a step record the central schema does not name through a save and a load', async () => {
    const store = new StateStore(await mkdtemp(join(tmpdir(), 'otp-slice-')), key);
    const state = await store.load();
    expect(firewall.get(state)).toBeUndefined();
    firewall.set(state, { aclArn: 'arn:aws:wafv2:us-east-1:123456789012:regional/webacl/x/1', rules: ['rate'] });
    await store.save(state);
    const loaded = await store.load();
    expect(firewall.get(loaded)).toEqual({ aclArn: 'arn:aws:wafv2:us-east-1:123456789012:regional/webacl/x/1', rules: ['rate'] });
    firewall.delete(loaded);
    expect(firewall.get(loaded)).toBeUndefined();
  });

  it('refuses a record otp-setup could not have written, naming the field', async () => {
    const store = new StateStore(await mkdtemp(join(tmpdir(), 'otp-slice-')), key);
    const state = await store.load();
    (state.resources as Record<string, unknown>).firewall = { aclArn: 42 };
    expect(() => firewall.get(state)).toThrow(expect.objectContaining({ code: 'STATE_CORRUPT' }));
    expect(() => firewall.get(state)).toThrow(/resources\.firewall\.aclArn/);
  });
});
