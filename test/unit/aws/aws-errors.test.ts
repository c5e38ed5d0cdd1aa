import { describe, expect, it } from 'vitest';
import { toUserError } from '../../../src/aws/aws-errors.js';

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
