import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { SESClient } from '@aws-sdk/client-ses';
import type { SESv2Client } from '@aws-sdk/client-sesv2';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { STSClient } from '@aws-sdk/client-sts';
import type { WAFV2Client } from '@aws-sdk/client-wafv2';
import { memo } from '../core/memo.js';
import { sdk } from './sdk.js';

export interface AwsSettings {
  region: string;
  profile?: string;
  /** --endpoint-url; AWS_ENDPOINT_URL is honoured by the SDK itself when this is unset. */
  endpoint?: string;
  /** Total attempts per call, first included (SDK standard retry strategy). */
  maxAttempts?: number;
  /** Region of the SES clients when SES is used outside `region` (config email.sesRegion). */
  sesRegion?: string;
  /** Fixed credentials instead of the default chain (the local sandbox accepts any). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

/**
 * Delays (seconds) for the SDK's waiters. AWS resources settle in seconds, so polling starts at
 * 1 s; an endpoint override (an emulator such as moto or LocalStack, or a test's proxy) answers in
 * milliseconds, and polling it once a second would only slow every run down.
 */
export function pollDelays(settings: AwsSettings): { minDelay: number; maxDelay: number } {
  const override = settings.endpoint ?? process.env.AWS_ENDPOINT_URL;
  return override ? { minDelay: 0.05, maxDelay: 0.5 } : { minDelay: 1, maxDelay: 5 };
}

export interface CallStats {
  calls: number;
  retries: number;
}

/**
 * Lazily created SDK clients sharing one keep-alive connection pool. Each service's module is
 * imported only when a command first needs it, so `--help` does not pay for the SDK.
 */
export interface AwsClients {
  readonly settings: AwsSettings;
  readonly stats: CallStats;
  cognito(): Promise<CognitoIdentityProviderClient>;
  dynamodb(): Promise<DynamoDBClient>;
  iam(): Promise<IAMClient>;
  lambda(): Promise<LambdaClient>;
  ses(): Promise<SESClient>;
  sts(): Promise<STSClient>;
  logs(): Promise<CloudWatchLogsClient>;
  cloudwatch(): Promise<CloudWatchClient>;
  sns(): Promise<SNSClient>;
  /** SES API v2: account-level sending status (sandbox, quota) lives only there. */
  sesv2(): Promise<SESv2Client>;
  /** AWS WAF (v2): the optional web ACL on the user pool (protection.waf). */
  wafv2(): Promise<WAFV2Client>;
  destroy(): void;
}

type ClientLike = {
  middlewareStack: {
    add: (
      mw: (next: (args: unknown) => Promise<unknown>) => (args: unknown) => Promise<unknown>,
      options: { step: 'initialize'; name: string },
    ) => void;
  };
  destroy(): void;
};

const QUIET_LOGGER = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };

export function createAwsClients(settings: AwsSettings): AwsClients {
  const stats: CallStats = { calls: 0, retries: 0 };
  const created: ClientLike[] = [];
  let handler: unknown;

  // One keep-alive pool for every client: parallel steps reuse connections instead of opening more.
  const requestHandler = (): unknown => {
    if (handler === undefined) {
      const { NodeHttpHandler } = sdk('@smithy/node-http-handler');
      handler = new NodeHttpHandler({
        httpAgent: new HttpAgent({ keepAlive: true, maxSockets: 32 }),
        httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets: 32 }),
        connectionTimeout: 5_000,
        requestTimeout: 30_000,
      });
    }
    return handler;
  };

  // Checked once, before the first client: the SDK would only say "no credentials".
  const profileChecked = memo(async () => {
    const profile = settings.profile ?? process.env.AWS_PROFILE;
    if (settings.credentials || !profile) return;
    const { assertProfileExists } = await import('./profile-check.js');
    await assertProfileExists(profile, settings.profile ? '--profile' : 'AWS_PROFILE');
  });

  const common = async () => {
    await profileChecked();
    return {
      region: settings.region,
      // --profile is an explicit choice: the SDK's 9-line "Multiple credential sources" warning (a
      // profile and AWS_ACCESS_KEY_ID both set) only restates it. A plain object, not the SDK's
      // NoOpLogger, is what makes the SDK call this warn() instead of console.warn.
      ...(settings.profile ? { profile: settings.profile, logger: QUIET_LOGGER } : {}),
      ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
      ...(settings.credentials ? { credentials: settings.credentials } : {}),
      maxAttempts: settings.maxAttempts ?? 8,
      retryMode: 'standard' as const,
      requestHandler: requestHandler() as never,
    };
  };

  // The SDK's middleware types are generic per service; this middleware only reads $metadata.
  function track<C extends { destroy(): void }>(client: C): C {
    (client as unknown as ClientLike).middlewareStack.add(
      (next) => async (args) => {
        stats.calls += 1;
        try {
          const out = (await next(args)) as { output?: { $metadata?: { attempts?: number } } };
          stats.retries += Math.max(0, (out.output?.$metadata?.attempts ?? 1) - 1);
          return out;
        } catch (err) {
          stats.retries += Math.max(0, ((err as { $metadata?: { attempts?: number } }).$metadata?.attempts ?? 1) - 1);
          throw err;
        }
      },
      { step: 'initialize', name: 'otpSetupCallStats' },
    );
    created.push(client as unknown as ClientLike);
    return client;
  }

  return {
    settings,
    stats,
    cognito: memo(async () => {
      const { CognitoIdentityProviderClient } = sdk('@aws-sdk/client-cognito-identity-provider');
      return track(new CognitoIdentityProviderClient(await common()));
    }),
    dynamodb: memo(async () => {
      const { DynamoDBClient } = sdk('@aws-sdk/client-dynamodb');
      return track(new DynamoDBClient(await common()));
    }),
    iam: memo(async () => {
      const { IAMClient } = sdk('@aws-sdk/client-iam');
      // IAM is a global service; the SDK routes it to the partition's global endpoint.
      return track(new IAMClient(await common()));
    }),
    lambda: memo(async () => {
      const { LambdaClient } = sdk('@aws-sdk/client-lambda');
      return track(new LambdaClient(await common()));
    }),
    ses: memo(async () => {
      const { SESClient } = sdk('@aws-sdk/client-ses');
      return track(new SESClient({ ...(await common()), region: settings.sesRegion ?? settings.region }));
    }),
    sts: memo(async () => {
      const { STSClient } = sdk('@aws-sdk/client-sts');
      return track(new STSClient(await common()));
    }),
    logs: memo(async () => {
      const { CloudWatchLogsClient } = sdk('@aws-sdk/client-cloudwatch-logs');
      return track(new CloudWatchLogsClient(await common()));
    }),
    cloudwatch: memo(async () => {
      const { CloudWatchClient } = sdk('@aws-sdk/client-cloudwatch');
      return track(new CloudWatchClient(await common()));
    }),
    sns: memo(async () => {
      const { SNSClient } = sdk('@aws-sdk/client-sns');
      return track(new SNSClient(await common()));
    }),
    sesv2: memo(async () => {
      const { SESv2Client } = sdk('@aws-sdk/client-sesv2');
      return track(new SESv2Client({ ...(await common()), region: settings.sesRegion ?? settings.region }));
    }),
    wafv2: memo(async () => {
      const { WAFV2Client } = sdk('@aws-sdk/client-wafv2');
      return track(new WAFV2Client(await common()));
    }),
    destroy() {
      for (const client of created) client.destroy();
    },
  };
}
