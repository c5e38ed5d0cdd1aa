import { SESClient, SendEmailCommand } from '@aws-sdk/client-ses';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { defaultTemplates } from '../../../src/package/build-handlers.js';
import { captureLogs, clock, createEvent, ENV, noPause } from './support.js';

// The create function's own SES client (not an injected fake): with email.sesRegion the sender is
// verified only in that region, so the code email must be sent there, not in the function's region.
const ses = mockClient(SESClient);
afterEach(() => {
  ses.reset();
  vi.unstubAllEnvs();
});

async function regionOfSend(sesRegion: string | undefined): Promise<string> {
  vi.stubEnv('AWS_REGION', 'eu-south-2');
  if (sesRegion) vi.stubEnv('SES_REGION', sesRegion);
  vi.resetModules();
  const { createHandler } = await import('../../../handlers/create-auth-challenge.js');
  let region = '';
  ses.on(SendEmailCommand).callsFake(async (_input, getClient) => {
    region = await getClient().config.region();
    return { MessageId: 'm-1' };
  });
  const time = clock();
  const create = createHandler({
    templates: await defaultTemplates(),
    now: time.now,
    log: captureLogs().sink,
    pause: noPause,
    env: { ...ENV, ...(sesRegion ? { SES_REGION: sesRegion } : {}) },
  });
  await create(createEvent([]));
  return region;
}

describe('create auth challenge: SES region', () => {
  it('sends through SES in SES_REGION when set', async () => expect(await regionOfSend('eu-west-1')).toBe('eu-west-1'));
  it("otherwise in the function's own region", async () => expect(await regionOfSend(undefined)).toBe('eu-south-2'));
});
