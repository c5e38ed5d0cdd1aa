import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { knownKeys } from '../../../src/config/known-keys.js';
import { configSchema } from '../../../src/config/schema.js';

describe('knownKeys', () => {
  it('knows a key the moment the schema has it, at any depth and under any wrapper', () => {
    const extended = configSchema.safeExtend({
      newSection: z.strictObject({ newField: z.number().default(1), inner: z.strictObject({ deep: z.boolean() }).optional() }).prefault({}),
    });
    const keys = knownKeys(extended);
    expect(keys['']).toContain('newSection');
    expect(keys['newSection']).toEqual(['newField', 'inner']);
    expect(keys['newSection.inner']).toEqual(['deep']);
  });

  it('covers every object of the configuration schema', () => {
    const keys = knownKeys(configSchema);
    expect(keys['']).toEqual(expect.arrayContaining(['email', 'otp', 'rateLimit', 'monitoring']));
    expect(keys['email.templates']).toEqual(['subject', 'text', 'html']);
    expect(keys['monitoring.alarms']).toEqual(expect.arrayContaining(['enabled', 'snsTopicArn', 'email']));
  });
});
