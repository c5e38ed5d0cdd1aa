import type { AwsClients, AwsSettings } from '../aws/clients.js';
import type { IoStreams } from '../cli/io-host.js';
import type { IoHost } from '../core/io.js';

export type InterruptReason = 'signal' | 'output-closed';

/** Everything a command needs from the outside world, so tests can run main(argv, deps) in-process. */
export interface Deps extends IoStreams {
  env: NodeJS.ProcessEnv;
  cwd: string;
  now: () => Date;
  createAwsClients?: (settings: AwsSettings) => AwsClients;
  /**
   * Registers a listener for "stop soon": a SIGINT (Ctrl-C), or stdout's reader going away (EPIPE,
   * e.g. `| head -1`). Returns the function that removes it.
   */
  onInterrupt: (listener: (reason: InterruptReason) => void) => () => void;
}

export interface GlobalOptions {
  config?: string;
  region?: string;
  profile?: string;
  stage?: string;
  endpointUrl?: string;
  yes?: boolean;
  json?: boolean;
  debug?: boolean;
}

export interface CommandEnv {
  deps: Deps;
  io: IoHost;
  global: GlobalOptions;
}
