import type { Config } from '../config/schema.js';

/**
 * What a signed-in user may change about themselves with their own access token
 * (UpdateUserAttributes). `email` stays writable: it is a required attribute of the pool, which an
 * app client must be able to write (Cognito refuses a client whose WriteAttributes leave out a
 * required attribute: "Invalid write attributes specified while creating a client",
 * https://github.com/hashicorp/terraform-provider-aws/issues/4476), and apps sign up with
 * `userAttributes: { email }` as Amplify's documentation shows. What keeps an address its owner's
 * is the pool's AttributesRequireVerificationBeforeUpdate: a new email applies only once a code
 * sent to it was entered. `phone_number` is not a sign-in address here and is left out.
 * https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_UserPoolClientType.html
 */
export const CLIENT_WRITE_ATTRIBUTES = [
  'address',
  'birthdate',
  'email',
  'family_name',
  'gender',
  'given_name',
  'locale',
  'middle_name',
  'name',
  'nickname',
  'picture',
  'preferred_username',
  'profile',
  'updated_at',
  'website',
  'zoneinfo',
] as const;

/** The guide's step 6, field for field (the sandbox describes its client with it too). */
export function desiredClient(config: Config, clientName: string) {
  const c = config.client;
  return {
    ClientName: clientName,
    WriteAttributes: [...CLIENT_WRITE_ATTRIBUTES],
    HasSecret: false,
    ExplicitAuthFlows: ['ALLOW_CUSTOM_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
    PreventUserExistenceErrors: 'ENABLED',
    EnableTokenRevocation: true,
    AuthSessionValidity: c.authSessionValidityMinutes,
    AccessTokenValidity: c.accessTokenValidityMinutes,
    IdTokenValidity: c.idTokenValidityMinutes,
    RefreshTokenValidity: c.refreshTokenValidityDays,
    TokenValidityUnits: { AccessToken: 'minutes', IdToken: 'minutes', RefreshToken: 'days' },
  };
}
