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

// User attributes are user-controlled, and anyone can sign up any address with any `name`: strip
// control, format (bidi overrides, zero-width) and line/paragraph separator characters so a value
// cannot inject lines into the subject or fake structure in the text, and cap `name` so it cannot
// carry a paragraph of phishing text into a genuine email.
const UNSAFE = /[\p{Cc}\p{Cf}\u2028\u2029]+/gu;
const stripControls = (value: string): string => value.replace(UNSAFE, ' ');
export const MAX_NAME_LENGTH = 64;

function capLength(value: string, max: number): string {
  const chars = Array.from(value.trim());
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : chars.join('');
}

function fill(template: string, values: TemplateValues, encode: (v: string) => string): string {
  return template.replace(PLACEHOLDER, (_match, key: keyof TemplateValues) => encode(values[key]));
}

// Inside a link (href/src attribute), a placeholder is URL-encoded before HTML-escaping: an
// address like `a&b=c#x@example.com` must stay one query value, not add parameters or a fragment.
const URL_ATTRIBUTE = /(\b(?:href|src)\s*=\s*)("[^"]*"|'[^']*')/gi;

function fillHtml(template: string, values: TemplateValues): string {
  let out = '';
  let last = 0;
  for (const match of template.matchAll(URL_ATTRIBUTE)) {
    const at = match.index ?? 0;
    out += fill(template.slice(last, at), values, escapeHtml);
    out += `${match[1] ?? ''}${fill(match[2] ?? '', values, (v) => escapeHtml(encodeURIComponent(v)))}`;
    last = at + match[0].length;
  }
  return out + fill(template.slice(last), values, escapeHtml);
}

export function renderEmail(templates: EmailTemplates, values: TemplateValues): RenderedEmail {
  const safe: TemplateValues = {
    code: values.code,
    minutes: values.minutes,
    email: stripControls(values.email),
    name: capLength(stripControls(values.name), MAX_NAME_LENGTH),
  };
  return {
    subject: stripControls(fill(templates.subject, safe, (v) => v)).trim(),
    text: fill(templates.text, safe, (v) => v),
    html: fillHtml(templates.html, safe),
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
