import type { RealismRule } from './types.js';

/**
 * GetFunction returns `Tags` "only if you have explicit allow permissions for lambda:ListTags";
 * otherwise the answer carries `TagsError` instead. The tests' caller is modelled without that
 * explicit allow, so code that needs a function's tags must ask ListTags (which moto answers).
 */
export function lambdaGetFunctionTagsRule(): RealismRule {
  return {
    id: 'lambda-get-function-tags',
    sources: [
      'https://docs.aws.amazon.com/lambda/latest/api/API_GetFunction.html#API_GetFunction_ResponseSyntax',
      'https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/lambda/aws.sdk.kotlin.services.lambda.model/-get-function-response',
    ],
    response(call, body) {
      if (call.service !== 'lambda' || call.action !== 'GetFunction' || !body.Configuration) return undefined;
      delete body.Tags;
      body.TagsError = {
        ErrorCode: 'AccessDeniedException',
        Message: 'The caller is not authorized to perform lambda:ListTags on this function.',
      };
      return body;
    },
    reset() {},
  };
}
