import { desiredClient } from '../spec/app-client.js';
import type { PoolContext } from './pool-context.js';

/**
 * The app client `up` creates, read for the settings that change what Cognito allows a client to
 * do: which attributes it may read and write, and whether refresh tokens rotate. Absent fields
 * mean Cognito's defaults.
 */
export function clientSettings(ctx: Pick<PoolContext, 'config' | 'clientName'>) {
  return desiredClient(ctx.config, ctx.clientName) as {
    ReadAttributes?: string[];
    WriteAttributes?: string[];
    RefreshTokenRotation?: { Feature?: string; RetryGracePeriodSeconds?: number };
  };
}
