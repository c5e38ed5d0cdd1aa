import { OtpError } from '../core/errors.js';
import { sdk } from './sdk.js';

/**
 * A named profile missing from the shared files makes the SDK's credential chain end with its
 * generic "Could not load credentials from any providers", which hides the typo. The SDK's own
 * parser reads the same files (AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE, ~/.aws/…) it would.
 */
export async function assertProfileExists(profile: string, source: '--profile' | 'AWS_PROFILE'): Promise<void> {
  const { parseKnownFiles } = sdk('@smithy/core/config');
  const profiles = await parseKnownFiles({ profile, ignoreCache: true });
  if (Object.prototype.hasOwnProperty.call(profiles, profile)) return;
  const known = Object.keys(profiles).sort();
  throw new OtpError(
    'PROFILE_NOT_FOUND',
    `The AWS profile "${profile}" (${source}) does not exist in ~/.aws/config or ~/.aws/credentials.`,
    {
      exitCode: 2,
      resolution: `${known.length > 0 ? `Known profiles: ${known.join(', ')}. ` : 'No profile is defined. '}Fix the name, or create it with "aws configure --profile ${profile}" (or "aws configure sso").`,
      details: { profile, knownProfiles: known },
    },
  );
}
