/**
 * An error answered the way Cognito answers it: HTTP 400, `{"__type": Name, "message": ...}` and
 * the same name in `x-amzn-errortype`, which is what the SDK, the aws CLI and Amplify read to
 * rebuild the exception class (NotAuthorizedException, ...).
 */
export class CognitoError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = type;
  }
}

export const notAuthorized = (message: string) => new CognitoError('NotAuthorizedException', message);
export const invalidParameter = (message: string) => new CognitoError('InvalidParameterException', message);
export const resourceNotFound = (message: string) => new CognitoError('ResourceNotFoundException', message);
export const userNotFound = () => new CognitoError('UserNotFoundException', 'User does not exist.');

/** Cognito's wording for a failed custom-auth sign-in; the same whether or not the user exists. */
export const INCORRECT_CREDENTIALS = 'Incorrect username or password.';
