import { OtpError } from '../core/errors.js';

interface AwsLikeError {
  name?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  Code?: string;
}

function shape(err: unknown): AwsLikeError {
  return typeof err === 'object' && err !== null ? err : {};
}

export function awsErrorName(err: unknown): string {
  const e = shape(err);
  return e.name ?? e.Code ?? e.code ?? 'Error';
}

const NOT_FOUND = new Set([
  'ResourceNotFoundException',
  'NoSuchEntityException',
  'NoSuchEntity',
  'UserPoolNotFoundException',
  'NotFoundException',
  'WAFNonexistentItemException',
]);

/** Terraform's rule: "not found" on read is absence, and on delete is success. */
export function isNotFound(err: unknown): boolean {
  return NOT_FOUND.has(awsErrorName(err));
}

const ACCESS_DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation']);
const BAD_CREDENTIALS = new Set([
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
  'InvalidSignatureException',
  'ExpiredToken',
  'ExpiredTokenException',
  'IncompleteSignature',
]);

/**
 * Turns an SDK error into an OtpError a user can act on. `action` is the IAM action that was
 * attempted (e.g. "iam:CreateRole"), so access-denied messages can name the missing permission.
 */
export function toUserError(err: unknown, action: string, target?: string): OtpError {
  if (err instanceof OtpError) return err;
  const e = shape(err);
  const name = awsErrorName(err);
  const what = target ? `${action} on ${target}` : action;
  if (name === 'CredentialsProviderError' || /Could not load credentials|credential.*(missing|not found)/i.test(e.message ?? '')) {
    return new OtpError('NO_CREDENTIALS', 'No AWS credentials found.', {
      cause: err,
      resolution:
        'Run "aws configure" or "aws sso login", set AWS_PROFILE / --profile, or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY. No AWS account? "otp-setup sandbox" runs the whole sign-in flow locally, with no credentials.',
    });
  }
  if (BAD_CREDENTIALS.has(name)) {
    return new OtpError('INVALID_CREDENTIALS', `AWS rejected the credentials (${name}) while calling ${what}.`, {
      cause: err,
      resolution: 'Your keys are wrong or your session expired: refresh them ("aws sso login" or new access keys) and check --profile.',
    });
  }
  if (ACCESS_DENIED.has(name)) {
    // AWS names the action it denied, which is not always the one called: e.g. UpdateUserPool
    // switching to SES email makes Cognito create its service-linked role with the caller's
    // iam:CreateServiceLinkedRole permission.
    const denied = /not authorized to perform: ([a-z0-9-]+:[A-Za-z0-9]+)/.exec(e.message ?? '')?.[1] ?? action;
    return new OtpError('ACCESS_DENIED', `Access denied: ${what}${denied !== action ? ` (needs ${denied})` : ''}.`, {
      cause: err,
      resolution: `Grant the permission "${denied}" to the identity you are using ("otp-setup policy" prints every permission otp-setup needs).`,
      details: { action: denied },
    });
  }
  // Cognito denies missing IAM permissions with AccessDeniedException; its NotAuthorizedException
  // is a refusal of the request itself (a wrong code, an expired session, "Email arn does not
  // belong to your account", aws-cdk#25115), which no permission would fix.
  if (name === 'NotAuthorizedException') {
    return new OtpError('AWS_REFUSED', `Cognito refused ${what}: ${e.message ?? name}`, {
      cause: err,
      resolution: /email arn/i.test(e.message ?? '')
        ? 'The SES identity must be verified in this account and region: check "otp-setup doctor", then run the command again.'
        : 'Check the value AWS names in the message, then run the command again.',
      details: { action },
    });
  }
  const errno = (err as NodeJS.ErrnoException).code;
  if (errno === 'ENOTFOUND' || errno === 'ECONNREFUSED' || errno === 'EAI_AGAIN') {
    return new OtpError('ENDPOINT_UNREACHABLE', `Cannot reach the AWS endpoint for ${action} (${errno}).`, {
      cause: err,
      resolution: 'Check --region (e.g. us-east-1), --endpoint-url / AWS_ENDPOINT_URL and your network connection.',
    });
  }
  if (name === 'ThrottlingException' || name === 'TooManyRequestsException' || name === 'Throttling') {
    return new OtpError('THROTTLED', `AWS kept throttling ${what} after every retry.`, {
      cause: err,
      resolution: 'Wait a minute and run the same command again: it resumes where it stopped.',
    });
  }
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined && status >= 500) {
    return new OtpError('AWS_UNAVAILABLE', `AWS answered ${status} to ${what} after every retry.`, {
      cause: err,
      resolution: 'The service is having trouble; run the same command again later: it resumes where it stopped.',
    });
  }
  return new OtpError('AWS_ERROR', `${what} failed: ${name}: ${e.message ?? 'no message'}`, { cause: err });
}

/** Runs one SDK call, converting any failure into a user-facing error naming the action. */
export async function call<T>(action: string, target: string | undefined, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toUserError(err, action, target);
  }
}

/** Like call(), but a "not found" answer becomes undefined (absence). */
export async function callOrAbsent<T>(action: string, target: string | undefined, fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw toUserError(err, action, target);
  }
}

/** For deletes: "not found" is success. */
export async function callIgnoringAbsent(action: string, target: string | undefined, fn: () => Promise<unknown>): Promise<void> {
  await callOrAbsent(action, target, fn);
}

/**
 * True when a create call failed with "already exists" after the SDK had retried it: the first
 * attempt reached AWS and did the work, only its answer was lost (a reset or timeout).
 */
export function isLostCreate(err: unknown, alreadyExists: readonly string[]): boolean {
  const attempts = (err as { $metadata?: { attempts?: number } } | undefined)?.$metadata?.attempts ?? 1;
  return attempts > 1 && alreadyExists.includes(awsErrorName(err));
}
