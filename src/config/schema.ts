import { z } from 'zod';
import { REGION_PATTERN } from './patterns.js';

// The configuration file's schema. Defaults mirror the guide otp-setup automates. Users' scripts
// and CI write these files: region, stage, email.from, otp.length/ttlSeconds/maxAttempts and
// frontend.envFile/preset are a public interface and must keep their names.

const STAGE = /^[a-z0-9][a-z0-9-]{0,15}$/;
const NAME = /^[a-z][a-z0-9-]{1,30}$/;
const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;
const ENV_PREFIX = /^[A-Z][A-Z0-9_]*$/;
/** Fits every tag value AWS takes (IAM, Lambda, Cognito, DynamoDB, CloudWatch, SNS). */
export const STACK_ID = /^[a-z0-9][a-z0-9-]{3,39}$/;

/** Cognito's feature plans (CreateUserPool UserPoolTier). */
export const USER_POOL_TIERS = ['LITE', 'ESSENTIALS', 'PLUS'] as const;
export type UserPoolTier = (typeof USER_POOL_TIERS)[number];

export const PRESET_PREFIXES = { vite: 'VITE_', next: 'NEXT_PUBLIC_', cra: 'REACT_APP_', expo: 'EXPO_PUBLIC_' } as const;

const int = (min: number, max: number, unit: string) =>
  z
    .number({ error: `must be a whole number of ${unit}` })
    .int({ error: `must be a whole number of ${unit}` })
    .min(min, { error: `must be at least ${min} ${unit}` })
    .max(max, { error: `must be at most ${max} ${unit}` });

const otpSchema = z
  .strictObject({
    length: int(6, 10, 'digits')
      .default(6)
      .describe('Digits in each code. 6 digits are about 19.9 bits of entropy, the accepted minimum; 8 give 26.6.'),
    // OWASP ASVS 2.7.2 / NIST SP 800-63B 5.1.3.2: an emailed or texted code lives at most 10 minutes.
    ttlSeconds: int(30, 600, 'seconds')
      .default(180)
      .describe('How long a code is accepted (at most 10 minutes). Must not exceed the client auth-session validity.'),
    maxAttempts: int(1, 10, 'attempts').default(3).describe('Wrong answers allowed per sign-in before Cognito fails it.'),
  })
  .prefault({});

const emailSchema = z.strictObject({
  from: z.email({ error: 'must be an email address such as noreply@example.com' }).describe('Sender address, verified in SES (required).'),
  fromName: z.string().min(1).max(64).optional().describe('Display name shown as the sender.'),
  dkim: z.boolean().default(false).describe("Also verify the sender's domain in SES with Easy DKIM; up prints the DNS records to add."),
  templates: z
    .strictObject({
      subject: z.string().min(1).optional().describe('File with the subject line template.'),
      text: z.string().min(1).optional().describe('File with the plain-text body template.'),
      html: z.string().min(1).optional().describe('File with the HTML body template.'),
    })
    .optional()
    .describe('Template files, relative to the config file. Placeholders: {{code}} {{minutes}} {{email}} {{name}}.'),
  sesRegion: z
    .string()
    .regex(REGION_PATTERN, { error: 'must be an AWS region such as us-east-1' })
    .optional()
    .describe(
      "Region of the SES identity, when Cognito in the stack's region must send through SES elsewhere (see the Cognito guide's SES Regions table). Default: the stack's region.",
    ),
});

const clientSchema = z
  .strictObject({
    authSessionValidityMinutes: int(3, 15, 'minutes').default(3),
    accessTokenValidityMinutes: int(5, 1440, 'minutes').default(60),
    idTokenValidityMinutes: int(5, 1440, 'minutes').default(60),
    refreshTokenValidityDays: int(1, 3650, 'days').default(30),
  })
  .prefault({});

const lambdaSchema = z
  .strictObject({
    runtime: z.enum(['nodejs22.x', 'nodejs24.x']).default('nodejs22.x'),
    memoryMb: int(128, 10240, 'MB').default(256),
    // Cognito waits at most 5 s for a trigger, so a longer timeout only wastes money.
    timeoutSeconds: int(1, 5, 'seconds').default(5),
  })
  .prefault({});

const frontendSchema = z
  .strictObject({
    envFile: z
      .union([z.string().min(1), z.literal(false)], { error: 'must be a file path such as ".env", or false for no env file' })
      .default('.env')
      .describe('Frontend env file to merge our keys into (false: do not write one).'),
    preset: z.enum(['vite', 'next', 'cra', 'expo', 'custom']).default('vite'),
    prefix: z.string().regex(ENV_PREFIX, { error: 'must be upper-case letters, digits and underscores, e.g. MY_APP_' }).optional(),
    outputsFile: z.string().min(1).optional().describe('Also write an amplify_outputs.json-style file here.'),
  })
  .prefault({})
  .refine((f) => f.preset !== 'custom' || f.prefix !== undefined, { error: 'preset "custom" needs a "prefix"', path: ['prefix'] });

// Limits across sign-in sessions (Cognito's per-session rounds reset on every InitiateAuth).
const rateLimitSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe('Keep a DynamoDB table (on-demand, TTL) of codes sent and wrong answers per address.'),
    codesPerWindow: int(1, 1000, 'codes').default(5).describe('Codes emailed to one address per window.'),
    windowMinutes: int(1, 1440, 'minutes').default(15),
    maxFailedAnswers: int(1, 100, 'answers')
      .default(10)
      .describe('Consecutive wrong codes for one address, across sign-ins, before a lockout.'),
    lockoutMinutes: int(1, 1440, 'minutes')
      .default(15)
      .describe('The first lockout; each further one in the same run of wrong codes lasts twice as long (at most 7 days).'),
    // NIST SP 800-63B §5.2.2: no more than 100 consecutive failed attempts on one account.
    failureCeiling: int(1, 100, 'answers')
      .default(100)
      .describe(
        'Consecutive wrong codes after which the address stays locked until `otp-setup unlock --email` (only a correct code resets the count).',
      ),
    codesPerDay: int(1, 10000, 'codes').default(20).describe('Codes emailed to one address per UTC day.'),
    dailyEmailBudget: int(0, 100_000_000, 'emails')
      .default(5000)
      .describe(
        'Codes the whole pool may email per UTC day (0: no budget). Past it, sign-ins fail closed and the create function logs an error.',
      ),
  })
  .prefault({})
  .refine((r) => r.failureCeiling >= r.maxFailedAnswers, { error: 'must be at least maxFailedAnswers', path: ['failureCeiling'] });

const namesSchema = z
  .strictObject({
    role: z
      .string()
      .regex(/^[\w+=,.@-]{1,60}$/, { error: 'must be a valid IAM role name (letters, digits, +=,.@_-)' })
      .optional(),
    userPool: z.string().min(1).max(120).optional(),
    client: z
      .string()
      .regex(/^[\w\s+=,.@-]{1,120}$/)
      .optional(),
    rateLimitTable: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{3,255}$/, { error: 'must be a DynamoDB table name (3-255 letters, digits, _ . -)' })
      .optional(),
  })
  .prefault({});

/** The values CloudWatch Logs accepts for a retention period (PutRetentionPolicy). */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

const SNS_TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}$/;

const monitoringSchema = z
  .strictObject({
    logRetentionDays: z
      .literal(LOG_RETENTION_DAYS, { error: `must be one of ${LOG_RETENTION_DAYS.join(', ')} (the values CloudWatch Logs accepts)` })
      .default(30)
      .describe("Days the functions' logs are kept. Log groups Lambda creates itself never expire, so up creates them first."),
    tracing: z.boolean().default(false).describe('Active X-Ray tracing on the functions (X-Ray bills per trace).'),
    alarms: z
      .strictObject({
        enabled: z
          .boolean()
          .default(false)
          .describe(
            "CloudWatch alarms on the functions' Errors and Throttles, and on the pool's daily email budget being spent (billed per alarm per month).",
          ),
        snsTopicArn: z
          .string()
          .regex(SNS_TOPIC_ARN, { error: 'must be an SNS topic ARN such as arn:aws:sns:us-east-1:123456789012:alerts' })
          .optional()
          .describe('Existing SNS topic the alarms notify.'),
        email: z
          .email({ error: 'must be an email address' })
          .optional()
          .describe('Subscribe this address to a topic otp-setup creates (AWS emails a confirmation link).'),
      })
      .prefault({})
      .refine((a) => !(a.snsTopicArn && a.email), {
        error: 'give either "snsTopicArn" (an existing topic) or "email" (a topic otp-setup creates), not both',
        path: ['email'],
      }),
  })
  .prefault({});

/** Evaluation windows a WAF rate-based rule accepts (RateBasedStatement EvaluationWindowSec). */
export const WAF_WINDOWS = [60, 120, 300, 600] as const;

// AWS WAF rate-based rules: "The lowest limit setting allowed is 10"; windows 60, 120, 300 or 600 s
// (https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-rate-based-high-level-settings.html).
const wafLimit = (what: string) =>
  int(10, 2_000_000_000, 'requests').describe(`${what} AWS WAF counts per client IP address in each window (AWS's minimum is 10).`);

const protectionSchema = z
  .strictObject({
    waf: z
      .strictObject({
        enabled: z
          .boolean()
          .default(false)
          .describe(
            "An AWS WAF web ACL on the user pool with per-IP rate-based rules: it sees the caller's IP address, which the triggers cannot (billed per web ACL, per rule and per request).",
          ),
        requestsPerIp: wafLimit('Cognito API requests of any kind').default(300),
        signInsPerIp: wafLimit('Sign-in starts and sign-ups (InitiateAuth, SignUp: each may email a code)').default(50),
        windowSeconds: z
          .literal(WAF_WINDOWS, { error: `must be one of ${WAF_WINDOWS.join(', ')} (the evaluation windows AWS WAF accepts, in seconds)` })
          .default(300)
          .describe('The window the per-IP limits count over, in seconds.'),
      })
      .prefault({})
      .refine((w) => w.signInsPerIp <= w.requestsPerIp, { error: 'must not exceed requestsPerIp', path: ['signInsPerIp'] }),
  })
  .prefault({});

export const configSchema = z
  .strictObject({
    $schema: z.string().optional(),
    name: z
      .string()
      .regex(NAME, { error: 'must be 2-31 lower-case letters, digits or dashes, starting with a letter' })
      .default('email-otp')
      .describe('Prefix of every resource name and the ownership tag.'),
    stackId: z
      .string()
      .regex(STACK_ID, { error: 'must be 4-40 lower-case letters, digits or dashes (init writes a random one)' })
      .optional()
      .describe(
        'Identity of this stack, tagged on every resource: only resources carrying it are changed or deleted. Written by init (or the first up); share the config file to share the stack.',
      ),
    region: z.string().regex(REGION_PATTERN, { error: 'must be an AWS region such as us-east-1' }).optional(),
    stage: z
      .string()
      .regex(STAGE, { error: 'must be 1-16 lower-case letters, digits or dashes, e.g. dev' })
      .optional()
      .describe('Appended as -<stage> to every resource name.'),
    email: emailSchema,
    otp: otpSchema,
    signUp: z
      .strictObject({
        allowedDomains: z.array(z.string().regex(DOMAIN, { error: 'must be a domain such as example.com' })).default([]),
      })
      .prefault({}),
    client: clientSchema,
    lambda: lambdaSchema,
    userPool: z
      .strictObject({
        deletionProtection: z.boolean().optional().describe('Default: on for stages other than dev/test/local, off otherwise.'),
        // CreateUserPool's UserPoolTier defaults to ESSENTIALS; custom-auth triggers need only LITE.
        tier: z
          .enum(USER_POOL_TIERS, { error: `must be one of ${USER_POOL_TIERS.join(', ')}` })
          .default('LITE')
          .describe('Cognito feature plan (UserPoolTier). LITE covers custom-auth triggers and costs least per MAU.'),
      })
      .prefault({}),
    rateLimit: rateLimitSchema,
    names: namesSchema,
    frontend: frontendSchema,
    monitoring: monitoringSchema,
    protection: protectionSchema,
  })
  .superRefine((c, ctx) => {
    if (c.otp.ttlSeconds > c.client.authSessionValidityMinutes * 60) {
      ctx.addIssue({
        code: 'custom',
        path: ['otp', 'ttlSeconds'],
        message: `must not exceed client.authSessionValidityMinutes (${c.client.authSessionValidityMinutes} min = ${c.client.authSessionValidityMinutes * 60} s): Cognito ends the sign-in session first`,
      });
    }
  });

export type ConfigInput = z.input<typeof configSchema>;
export type Config = z.output<typeof configSchema>;

export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' });
}
