export interface EmailTemplates {
  subject: string;
  text: string;
  html: string;
}

// Replaced at bundle time by src/package/build-handlers.ts (esbuild `define`) with the chosen
// templates, so a template edit changes the zip and its CodeSha256, and `up` redeploys.
declare const __OTP_EMAIL_TEMPLATES__: unknown;

export function isEmailTemplates(value: unknown): value is EmailTemplates {
  if (typeof value !== 'object' || value === null) return false;
  const t = value as Record<string, unknown>;
  return typeof t.subject === 'string' && typeof t.text === 'string' && typeof t.html === 'string';
}

/** The templates baked into this bundle, or undefined when running unbundled (tests, sandbox). */
export function embeddedTemplates(): EmailTemplates | undefined {
  const value = typeof __OTP_EMAIL_TEMPLATES__ === 'undefined' ? undefined : __OTP_EMAIL_TEMPLATES__;
  return isEmailTemplates(value) ? value : undefined;
}
