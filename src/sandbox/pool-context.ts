import type { Config } from '../config/schema.js';
import type { SandboxStore, StoredMail } from './sandbox-store.js';
import type { SigningKey } from './signing-key.js';
import type { TriggerRunner } from './trigger-runner.js';

/** What every sandbox operation works with: one pool, one app client, their triggers. */
export interface PoolContext {
  store: SandboxStore;
  triggers: TriggerRunner;
  key: SigningKey;
  config: Config;
  region: string;
  /** `<the address the caller used>/<pool id>`: the `iss` of the tokens this request issues. */
  issuer: string;
  /** Whether `iss` names this pool at an address the sandbox answers on (localhost, 127.0.0.1, …). */
  acceptsIssuer(iss: string): boolean;
  /** Puts a message the pool itself sends (attribute verification codes) in the mailbox. */
  deliverMail(mail: StoredMail): void;
  poolName: string;
  clientName: string;
  /** Epoch milliseconds; injectable so tests can expire sessions without waiting minutes. */
  now(): number;
}
