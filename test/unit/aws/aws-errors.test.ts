import { describe, expect, it } from 'vitest';
import { call, callIgnoringAbsent, callOrAbsent, isLostCreate, isNotFound, toUserError } from '../../../src/aws/aws-errors.js';
import { OtpError } from '../../../src/core/errors.js';

const awsError = (name: string, message: string) => Object.assign(new Error(message), { name, $metadata: { httpStatusCode: 400 } });

describe('toUserError', () => {
  it("Cognito's NotAuthorizedException is AWS refusing the request, not a missing permission (aws-cdk#25115)", () => {
    const err = toUserError(
      awsError('NotAuthorizedException', 'Email arn does not belong to your account'),
      'cognito-idp:UpdateUserPool',
      'us-east-1_x',
    );
    expect(err.code).toBe('AWS_REFUSED');
    expect(err.message).toContain('Email arn does not belong to your account');
    expect(err.resolution).not.toContain('Grant the permission');
  });

  it('access denied names the action AWS denied, which may not be the one called', () => {
    const err = toUserError(
      awsError(
        'AccessDeniedException',
        'User: arn:aws:iam::123456789012:user/dev is not authorized to perform: iam:CreateServiceLinkedRole on resource: arn:aws:iam::123456789012:role/aws-service-role/email.cognito-idp.amazonaws.com/AWSServiceRoleForAmazonCognitoIdpEmailService',
      ),
      'cognito-idp:UpdateUserPool',
    );
    expect(err.code).toBe('ACCESS_DENIED');
    expect(err.resolution).toContain('Grant the permission "iam:CreateServiceLinkedRole"');
    const plain = toUserError(awsError('AccessDenied', 'denied'), 'iam:CreateRole');
    expect(plain.resolution).toContain('Grant the permission "iam:CreateRole"');
  });
});

describe('toUserError: every SDK failure becomes a code a user can act on', () => {
  const cases: Array<[string, unknown, string, RegExp, RegExp | undefined]> = [
    [
      'missing credentials',
      Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }),
      'NO_CREDENTIALS',
      /^No AWS credentials found\.$/,
      /otp-setup sandbox/,
    ],
    [
      'expired session',
      awsError('ExpiredTokenException', 'expired'),
      'INVALID_CREDENTIALS',
      /rejected the credentials \(ExpiredTokenException\) while calling iam:CreateRole on r\.$/,
      /refresh them/,
    ],
    ['wrong keys', awsError('InvalidClientTokenId', 'bad'), 'INVALID_CREDENTIALS', /InvalidClientTokenId/, /--profile/],
    [
      'throttled to the end',
      awsError('ThrottlingException', 'Rate exceeded'),
      'THROTTLED',
      /kept throttling iam:CreateRole on r after every retry/,
      /resumes where it stopped/,
    ],
    ['Lambda throttling', awsError('TooManyRequestsException', 'slow down'), 'THROTTLED', /kept throttling/, /resumes/],
    [
      'a 5xx after every retry',
      Object.assign(new Error('oops'), { name: 'ServiceUnavailable', $metadata: { httpStatusCode: 503 } }),
      'AWS_UNAVAILABLE',
      /answered 503 to iam:CreateRole on r/,
      /run the same command again later/,
    ],
    [
      'no route to the endpoint',
      Object.assign(new Error('getaddrinfo ENOTFOUND iam.mars-1.amazonaws.com'), { code: 'ENOTFOUND' }),
      'ENDPOINT_UNREACHABLE',
      /Cannot reach the AWS endpoint for iam:CreateRole \(ENOTFOUND\)/,
      /--region/,
    ],
    [
      'anything else',
      awsError('LimitExceededException', 'too many roles'),
      'AWS_ERROR',
      /^iam:CreateRole on r failed: LimitExceededException: too many roles$/,
      undefined,
    ],
  ];
  for (const [name, err, code, message, resolution] of cases) {
    it(`${name} → ${code}`, () => {
      const e = toUserError(err, 'iam:CreateRole', 'r');
      expect(e.code).toBe(code);
      expect(e.message).toMatch(message);
      if (resolution) expect(e.resolution).toMatch(resolution);
      else expect(e.resolution).toBeUndefined();
      expect(e.cause).toBe(err);
      expect(e.exitCode).toBe(1);
    });
  }

  it('passes an OtpError through as it is', () => {
    const own = new OtpError('STATE_CORRUPT', 'corrupt');
    expect(toUserError(own, 'iam:CreateRole')).toBe(own);
  });

  it('names the target only when there is one', () => {
    expect(toUserError(awsError('AccessDenied', 'no'), 'sts:GetCallerIdentity').message).toBe('Access denied: sts:GetCallerIdentity.');
  });
});

describe('not found, lost creates and the call helpers', () => {
  it('"not found" in each service spelling is absence on read and success on delete', async () => {
    for (const name of [
      'ResourceNotFoundException',
      'NoSuchEntityException',
      'NoSuchEntity',
      'UserPoolNotFoundException',
      'NotFoundException',
    ]) {
      expect(isNotFound(awsError(name, 'gone')), name).toBe(true);
      expect(await callOrAbsent('x:Get', undefined, () => Promise.reject(awsError(name, 'gone')))).toBeUndefined();
      await expect(callIgnoringAbsent('x:Delete', undefined, () => Promise.reject(awsError(name, 'gone')))).resolves.toBeUndefined();
    }
    expect(isNotFound(awsError('AccessDeniedException', 'no'))).toBe(false);
    await expect(callOrAbsent('x:Get', 't', () => Promise.reject(awsError('AccessDeniedException', 'no')))).rejects.toMatchObject({
      code: 'ACCESS_DENIED',
      message: 'Access denied: x:Get on t.',
    });
    await expect(call('x:Put', 't', () => Promise.reject(awsError('NoSuchEntity', 'gone')))).rejects.toMatchObject({ code: 'AWS_ERROR' });
    expect(await call('x:Put', 't', async () => 42)).toBe(42);
  });

  it('an "already exists" is a lost create only after a retry (the first attempt did the work)', () => {
    const exists = (attempts: number) => Object.assign(awsError('EntityAlreadyExists', 'exists'), { $metadata: { attempts } });
    expect(isLostCreate(exists(2), ['EntityAlreadyExists'])).toBe(true);
    expect(isLostCreate(exists(1), ['EntityAlreadyExists'])).toBe(false);
    expect(isLostCreate(exists(3), ['ResourceConflictException'])).toBe(false);
  });
});
