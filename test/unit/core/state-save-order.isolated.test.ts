import { describe, expect, it, vi } from 'vitest';

// The file system's timing is the subject, so the atomic write is replaced by one the test
// releases by hand: the second save must not start writing before the first has finished.
const writes: Array<{ content: string; release: () => void }> = [];
vi.mock('../../../src/core/atomic-file.js', () => ({
  writeFileAtomic: (_path: string, content: string) =>
    new Promise<void>((resolve) => {
      writes.push({ content, release: resolve });
    }),
}));

const { StateStore } = await import('../../../src/core/state-store.js');

const turns = async (n = 5) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};

describe('StateStore.save', () => {
  it('writes one save at a time, in call order, each with the state as it is then: the file never goes back to an older snapshot', async () => {
    writes.length = 0;
    const store = new StateStore('/nonexistent', { stackId: 'email-otp', region: 'us-east-1', accountId: '123456789012' });
    const state = {
      version: 1,
      stackId: 'email-otp',
      region: 'us-east-1',
      accountId: '123456789012',
      updatedAt: '',
      resources: {},
      steps: {},
    } as Parameters<typeof store.save>[0];

    state.resources.roleArn = 'arn:aws:iam::123456789012:role/first';
    const first = store.save(state);
    await turns();
    expect(writes).toHaveLength(1);

    // A step records a resource before its AWS call (a checkpoint) while the first write is still going.
    state.resources.sesDomain = { identity: 'example.com', createdByUs: true };
    const checkpoint = store.save(state);
    state.resources.clientId = 'client';
    const third = store.save(state);
    await turns();
    expect(writes, 'a second write started before the first finished').toHaveLength(1);

    writes[0]!.release();
    await first;
    await turns();
    // The two waiting saves are one write, of the state as it is now.
    expect(writes).toHaveLength(2);
    const last = JSON.parse(writes[1]!.content) as { resources: Record<string, unknown> };
    expect(last.resources).toMatchObject({ sesDomain: { identity: 'example.com' }, clientId: 'client' });
    writes[1]!.release();
    await Promise.all([checkpoint, third]);
    expect(writes).toHaveLength(2);
  });
});
