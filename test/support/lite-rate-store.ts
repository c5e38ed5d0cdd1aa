import type { RateStore } from '../../handlers/shared/rate-limit.js';
import { CognitoError } from '../../src/sandbox/cognito-error.js';
import { dynamoOperation, type Tables } from '../../src/sandbox/dynamodb-lite.js';

/**
 * The handlers' rate-limit store backed by the sandbox's DynamoDB emulation (same condition and
 * update expression semantics the sandbox serves), in memory: for simulations that make tens of
 * thousands of limiter calls, where a moto round trip per call would take minutes. The
 * expressions themselves are also checked against moto in test/integration/rate-limit.test.ts.
 */
export function liteRateStore(tables: Tables = {}): RateStore & { tables: Tables; calls: number } {
  const store = {
    tables,
    calls: 0,
    async send(command: { constructor: { name: string }; input: unknown }): Promise<unknown> {
      store.calls += 1;
      const op = command.constructor.name.replace(/Command$/, '');
      try {
        return dynamoOperation(tables, op, structuredClone(command.input) as Record<string, unknown>);
      } catch (err) {
        if (err instanceof CognitoError) {
          // The SDK names a service error after the part of __type behind '#'.
          const named = new Error(err.message);
          named.name = err.type.slice(err.type.lastIndexOf('#') + 1);
          throw named;
        }
        throw err;
      }
    },
  };
  return store;
}
