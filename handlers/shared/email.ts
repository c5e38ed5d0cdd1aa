import type { EmailTemplates } from './templates.js';
import type { Sender } from './settings.js';

export interface TemplateValues {
  code: string;
  minutes: string;
  email: string;
  name: string;
}

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

const PLACEHOLDER = /\{\{\s*(code|minutes|email|name)\s*\}\}/g;

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

// User attributes are user-controlled (sign-up sets `name`): strip control characters so a name
// cannot inject lines into the subject or fake structure in the text body.
// eslint-disable-next-line no-control-regex
const stripControls = (value: string): string => value.replace(/[\u0000-\u001f\u007f]+/g, ' ');

function fill(template: string, values: TemplateValues, encode: (v: string) => string): string {
  return template.replace(PLACEHOLDER, (_match, key: keyof TemplateValues) => encode(values[key]));
}

export function renderEmail(templates: EmailTemplates, values: TemplateValues): RenderedEmail {
  const safe: TemplateValues = {
    code: values.code,
    minutes: values.minutes,
    email: stripControls(values.email),
    name: stripControls(values.name),
  };
  return {
    subject: stripControls(fill(templates.subject, safe, (v) => v)).trim(),
    text: fill(templates.text, safe, (v) => v),
    html: fill(templates.html, safe, escapeHtml),
  };
}

/** 90 s → "1.5", 180 s → "3". */
export function formatMinutes(ttlSeconds: number): string {
  return String(Math.round((ttlSeconds / 60) * 10) / 10);
}

/** SES `Source`: a display name must be quoted, and RFC 2047-encoded when it is not plain ASCII. */
export function formatSource(sender: Sender): string {
  if (sender.name === undefined) return sender.email;
  const display = /^[\x20-\x7e]*$/.test(sender.name)
    ? `"${sender.name.replace(/["\\]/g, (c) => `\\${c}`)}"`
    : `=?UTF-8?B?${Buffer.from(sender.name, 'utf8').toString('base64')}?=`;
  return `${display} <${sender.email}>`;
}
