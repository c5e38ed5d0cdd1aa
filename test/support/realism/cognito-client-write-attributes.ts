import type { RealismRule } from './types.js';

/**
 * An app client must be able to write every attribute the pool requires: CreateUserPoolClient /
 * UpdateUserPoolClient with WriteAttributes that leave out a required attribute fail with
 * InvalidParameterException "Invalid write attributes specified while creating a client" ("...
 * while updating a client"). moto accepts any list. (No WriteAttributes at all means "every
 * standard attribute", UserPoolClientType, and passes.) The rule learns each pool's required
 * attributes from the CreateUserPool requests and DescribeUserPool answers that pass through.
 */
export function cognitoClientWriteAttributesRule(): RealismRule {
  const required = new Map<string, string[]>();
  const requiredOf = (schema: unknown): string[] =>
    Array.isArray(schema) ? schema.filter((a: { Required?: boolean }) => a?.Required).map((a: { Name: string }) => a.Name) : [];
  return {
    id: 'cognito-client-write-attributes',
    sources: [
      'https://github.com/hashicorp/terraform-provider-aws/issues/4476',
      'https://github.com/aws/aws-cdk/issues/2608',
      'https://github.com/aws/aws-sdk-java/issues/1395',
      'https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_UserPoolClientType.html',
    ],
    request(call) {
      if (call.service !== 'cognito-idp' || !call.json) return undefined;
      if (call.action !== 'CreateUserPoolClient' && call.action !== 'UpdateUserPoolClient') return undefined;
      const write = call.json.WriteAttributes as string[] | undefined;
      if (!write || write.length === 0) return undefined;
      const missing = (required.get(call.json.UserPoolId) ?? []).filter((a) => !write.includes(a));
      if (missing.length === 0) return undefined;
      const verb = call.action === 'CreateUserPoolClient' ? 'creating' : 'updating';
      return {
        error: { status: 400, type: 'InvalidParameterException', message: `Invalid write attributes specified while ${verb} a client` },
      };
    },
    response(call, body) {
      if (call.service !== 'cognito-idp' || !body.UserPool?.Id) return undefined;
      if (call.action === 'CreateUserPool') required.set(body.UserPool.Id, requiredOf(call.json?.Schema));
      if (call.action === 'DescribeUserPool' && Array.isArray(body.UserPool.SchemaAttributes))
        required.set(body.UserPool.Id, requiredOf(body.UserPool.SchemaAttributes));
      return undefined;
    },
    reset: () => required.clear(),
  };
}
