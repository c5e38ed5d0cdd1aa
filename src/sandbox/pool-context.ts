import type { Config } from '../config/schema.js';
import type { SandboxStore } from './sandbox-store.js';
import type { SigningKey } from './signing-key.js';
import type { TriggerRunner } from './trigger-runner.js';

/** What every sandbox operation works with: one pool, one app client, their triggers. */
export interface PoolContext {
  store: SandboxStore;
  triggers: TriggerRunner;
  key: SigningKey;
  config: Config;
  region: string;
  /** `<sandbox url>/<pool id>`, the `iss` of every token. */
  issuer: string;
  poolName: string;
  clientName: string;
  /** Epoch milliseconds; injectable so tests can expire sessions without waiting minutes. */
  now(): number;
}
