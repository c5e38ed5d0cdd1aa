import { createAwsPorts } from '../../../src/aws/ports/index.js';
import { parseConfig } from '../../../src/config/load-config.js';
import { resourceNames } from '../../../src/config/resource-names.js';
import type { ConfigInput } from '../../../src/config/schema.js';
import { emptyState } from '../../../src/core/state-store.js';
import type { StepContext } from '../../../src/core/step.js';
import { FUNCTION_KINDS, type FunctionKind } from '../../../src/config/function-kinds.js';
import type { BuiltHandler } from '../../../src/core/built-handler.js';

/** A step context with no AWS behind it: plan() must never need one. */
export function planContext(config: Partial<ConfigInput> = {}, overrides: Partial<StepContext> = {}): StepContext {
  const parsed = parseConfig({ email: { from: 'noreply@example.com' }, ...config });
  const names = resourceNames(parsed);
  const key = { stackId: names.stackId, region: 'us-east-1', accountId: '123456789012' };
  const builtHandlers = Object.fromEntries(
    FUNCTION_KINDS.map((kind) => [
      kind,
      { kind, zip: Buffer.from(kind), codeSha256: `sha-${kind}`, handler: 'index.handler', code: '' } satisfies BuiltHandler,
    ]),
  ) as Record<FunctionKind, BuiltHandler>;
  const noAws = new Proxy({}, { get: () => () => Promise.reject(new Error('plan() must not call AWS')) });
  return {
    config: parsed,
    names,
    configDir: '/project',
    region: 'us-east-1',
    accountId: '123456789012',
    partition: 'aws',
    aws: noAws as StepContext['aws'],
    ports: createAwsPorts(noAws as StepContext['aws']),
    state: emptyState(key, new Date(0)),
    facts: {
      sesIdentity: 'noreply@example.com',
      userPoolArn: 'arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_abc',
      newHandlerKey: Buffer.alloc(32, 2).toString('base64url'),
    },
    builtHandlers,
    adopt: false,
    allowReplace: false,
    keepSes: false,
    progress: () => undefined,
    ...overrides,
  };
}
