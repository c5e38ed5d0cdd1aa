/** The stack's five Lambda functions, one per Cognito trigger it uses. */
export type FunctionKind =
  'define-auth-challenge' | 'create-auth-challenge' | 'verify-auth-challenge' | 'pre-sign-up' | 'post-authentication';

export const FUNCTION_KINDS: readonly FunctionKind[] = [
  'define-auth-challenge',
  'create-auth-challenge',
  'verify-auth-challenge',
  'pre-sign-up',
  'post-authentication',
];
