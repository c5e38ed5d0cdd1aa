/**
 * Who may reach what on the sandbox: its host names (no DNS rebinding), and which web pages may
 * read its answers (CORS). Cognito's user operations answer any page, as Cognito does; the
 * sandbox's own endpoints (mailbox, info, the handlers' DynamoDB and SES, admin operations) answer
 * only pages served from this machine.
 */
// What Cognito's endpoint answers a browser: any origin may call the user-facing operations
// (that is how Amplify in a web page reaches it), with the headers the SDKs send.
export const COGNITO_CORS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, POST, OPTIONS',
  'access-control-allow-headers':
    'content-type, x-amz-target, x-amz-user-agent, x-amz-date, x-amz-security-token, x-amz-content-sha256, authorization, cache-control, amz-sdk-invocation-id, amz-sdk-request, x-amzn-trace-id',
  'access-control-expose-headers': 'x-amzn-requestid, x-amzn-errortype, x-amzn-errormessage, date',
  'access-control-max-age': '600',
};

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);
export const isLoopbackName = (hostname: string) =>
  LOOPBACK_HOSTS.has(hostname) || hostname.endsWith('.localhost') || /^127\.\d+\.\d+\.\d+$/.test(hostname);
export const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '[::]']);

export function hostnameOf(hostHeader: string): string | undefined {
  try {
    return new URL(`http://${hostHeader}`).hostname;
  } catch {
    return undefined;
  }
}

/** An origin of a page served from this machine (http://localhost:5173, http://127.0.0.1:8787, …). */
export function isLoopbackOrigin(origin: string): boolean {
  try {
    const u = new URL(origin);
    return (u.protocol === 'http:' || u.protocol === 'https:') && isLoopbackName(u.hostname);
  } catch {
    return false;
  }
}

/** True when the request comes from a web page that is neither on this machine nor the sandbox's own. */
export function fromPageElsewhere(origin: string | undefined, hostHeader: string | undefined): boolean {
  return origin !== undefined && !isLoopbackOrigin(origin) && origin !== `http://${hostHeader}`;
}
