import { OtpError, errorMessage } from '../core/errors.js';
import { assertUserFileWritable, deleteUserFile, readUserFile, writeUserFile, type UserFileRole } from '../core/user-file.js';

/**
 * An amplify_outputs.json-style file (Amplify Gen 2 client config), so an app can call
 * `Amplify.configure(outputs)`. We own only its `auth` section: other sections a Gen 2 project
 * keeps there (data, storage, custom) are left as they are.
 */
export const OUTPUTS_VERSION = '1.3';

export interface OutputsValues {
  region: string;
  userPoolId: string;
  clientId: string;
}

/** The fields of Amplify's `AmplifyOutputsAuthProperties` that describe our pool and client. */
export interface OutputsAuth {
  aws_region: string;
  user_pool_id: string;
  user_pool_client_id: string;
  username_attributes: ['email'];
  standard_required_attributes: ['email'];
  user_verification_types: ['email'];
  unauthenticated_identities_enabled: false;
  mfa_configuration: 'NONE';
}

export type OutputsDocument = { version: string; auth?: Record<string, unknown> } & Record<string, unknown>;

export function outputsAuth(values: OutputsValues): OutputsAuth {
  return {
    aws_region: values.region,
    user_pool_id: values.userPoolId,
    user_pool_client_id: values.clientId,
    // Sign-in is by email address, which is also the one required attribute (see user-pool-step).
    username_attributes: ['email'],
    standard_required_attributes: ['email'],
    user_verification_types: ['email'],
    unauthenticated_identities_enabled: false,
    mfa_configuration: 'NONE',
  };
}

/** Parses an existing file; a file that is not a JSON object is the user's and is never overwritten. */
function parseOutputs(text: string, path: string): OutputsDocument {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw invalid(path, `it is not valid JSON (${errorMessage(err)})`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw invalid(path, 'it is not a JSON object');
  const doc = raw as Record<string, unknown>;
  if (doc.auth !== undefined && (typeof doc.auth !== 'object' || doc.auth === null || Array.isArray(doc.auth))) {
    throw invalid(path, '"auth" is not an object');
  }
  return { ...doc, version: typeof doc.version === 'string' ? doc.version : OUTPUTS_VERSION };
}

function invalid(path: string, why: string): OtpError {
  return new OtpError('OUTPUTS_INVALID', `The outputs file ${path} cannot be updated: ${why}.`, {
    resolution: 'Fix or remove the file, or point frontend.outputsFile at another path.',
  });
}

/** The new file text: our auth section set, every other section kept. */
export function mergeOutputs(existing: string | undefined, values: OutputsValues, path: string): string {
  const doc: OutputsDocument =
    existing === undefined || existing.trim() === '' ? { version: OUTPUTS_VERSION } : parseOutputs(existing, path);
  // Amplify reads any 1.x; we write 1.3 unless the file already declares a newer 1.x.
  const version = /^1\.\d+$/.test(doc.version) && Number(doc.version.slice(2)) > 3 ? doc.version : OUTPUTS_VERSION;
  const next = { ...doc, version, auth: { ...(doc.auth ?? {}), ...outputsAuth(values) } };
  return `${JSON.stringify(next, null, 2)}\n`;
}

/**
 * Removes our auth section when it still names our pool. Returns the new text, `null` when the
 * file held nothing but our section (delete it), or `undefined` when there is nothing of ours.
 */
export function removeOutputs(existing: string, userPoolId: string | undefined, path: string): string | null | undefined {
  const doc = parseOutputs(existing, path);
  if (!doc.auth) return undefined;
  if (userPoolId !== undefined && doc.auth.user_pool_id !== userPoolId) return undefined;
  const { auth: _ours, version: _version, ...rest } = doc;
  if (Object.keys(rest).length === 0) return null;
  return `${JSON.stringify({ version: doc.version, ...rest }, null, 2)}\n`;
}

/** Our fields as they are in the file now, for plan's diff. */
export function observedAuth(text: string, path: string): Partial<Record<keyof OutputsAuth, unknown>> {
  const auth = parseOutputs(text, path).auth ?? {};
  const keys = Object.keys(outputsAuth({ region: '', userPoolId: '', clientId: '' })) as (keyof OutputsAuth)[];
  return Object.fromEntries(keys.map((k) => [k, auth[k]]));
}

const OUTPUTS_ROLE: UserFileRole = { what: 'outputs file', field: 'frontend.outputsFile', code: 'OUTPUTS' };

export function readOutputsFile(path: string): Promise<string | undefined> {
  return readUserFile(path, OUTPUTS_ROLE);
}

export function assertOutputsFileWritable(path: string): Promise<void> {
  return assertUserFileWritable(path, OUTPUTS_ROLE);
}

export function writeOutputsFile(path: string, text: string): Promise<void> {
  return writeUserFile(path, text, OUTPUTS_ROLE);
}

export function deleteOutputsFile(path: string): Promise<void> {
  return deleteUserFile(path, OUTPUTS_ROLE);
}
