import type { Config } from '../config/schema.js';
import { OtpError, usageError } from '../core/errors.js';

/** The pool and app client a sign-in runs against, and how to reach them. */
export interface SignInTarget {
  userPoolId: string;
  clientId: string;
  region: string;
  /** A custom Cognito endpoint (the sandbox, or another emulator); undefined means AWS. */
  endpoint: string | undefined;
  /** The stack's config when there is one: code length, attempts and session length come from it. */
  config: Config | undefined;
  /** A running `otp-setup sandbox` answered at the endpoint. */
  sandbox?: boolean;
}

export interface TargetRequest {
  userPoolId?: string;
  clientId?: string;
  endpoint: string | undefined;
  /** --region, when given. */
  region?: string;
}

/** Where the target comes from when the ids are not given; the command supplies these. */
export interface TargetSources {
  /** The config file; `required: false` answers undefined when there is none. */
  config(required: boolean): Promise<Config | undefined>;
  /** The pool and client that `otp-setup up` recorded for the stack. */
  recorded(): Promise<{ userPoolId?: string; clientId?: string; region: string; stackId: string }>;
}

const POOL_ID = /^[\w-]+_[0-9a-zA-Z]+$/;

/** A running `otp-setup sandbox` says which pool it serves, so no state file is needed for it. */
async function sandboxInfo(endpoint: string): Promise<{ userPoolId: string; clientId: string; region: string } | undefined> {
  try {
    const res = await fetch(`${endpoint.replace(/\/+$/, '')}/_sandbox/info`, { signal: AbortSignal.timeout(3_000) });
    if (!res.ok) return undefined;
    const info = (await res.json()) as Record<string, unknown>;
    const { userPoolId, clientId, region } = info;
    return typeof userPoolId === 'string' && typeof clientId === 'string' && typeof region === 'string'
      ? { userPoolId, clientId, region }
      : undefined;
  } catch {
    return undefined;
  }
}

/** --user-pool-id and --client-id, else the sandbox at the endpoint, else the stack `up` recorded. */
export async function resolveTarget(request: TargetRequest, sources: TargetSources): Promise<SignInTarget> {
  const { endpoint } = request;
  const explicit = request.userPoolId !== undefined && request.clientId !== undefined;
  if ((request.userPoolId === undefined) !== (request.clientId === undefined)) {
    throw usageError(
      'IDS_INCOMPLETE',
      'Pass --user-pool-id and --client-id together.',
      'Or pass neither to use the pool recorded by "otp-setup up".',
    );
  }
  if (request.userPoolId !== undefined && !POOL_ID.test(request.userPoolId)) {
    throw usageError(
      'INVALID_POOL_ID',
      `--user-pool-id ${request.userPoolId} is not a user pool id.`,
      'A pool id looks like us-east-1_AbC123xyz.',
    );
  }
  const sandbox = !explicit && endpoint ? await sandboxInfo(endpoint) : undefined;
  const config = await sources.config(!explicit && !sandbox);
  if (explicit) {
    const userPoolId = request.userPoolId!;
    const region = request.region ?? userPoolId.split('_')[0] ?? config?.region ?? 'us-east-1';
    return { userPoolId, clientId: request.clientId!, region, endpoint, config };
  }
  if (sandbox) return { ...sandbox, endpoint, config, sandbox: true };

  const { userPoolId, clientId, region, stackId } = await sources.recorded();
  if (!userPoolId || !clientId) {
    throw new OtpError('NO_STACK', `No user pool is recorded for stack ${stackId} in ${region}.`, {
      resolution:
        'Run "otp-setup up" first, or pass --user-pool-id and --client-id (for the sandbox: --endpoint-url http://127.0.0.1:8787).',
    });
  }
  return { userPoolId, clientId, region, endpoint, config };
}
