import { randomUUID } from 'node:crypto';
import type { StoredMail } from './sandbox-store.js';

export interface CaughtEmail {
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
}

export type SesParseResult = { ok: true; email: CaughtEmail } | { ok: false; status: number; code: string; message: string };

/**
 * Reads an SES v1 query-protocol request (form-encoded `Action=SendEmail&...`), which is what the
 * handlers' SESClient sends once AWS_ENDPOINT_URL_SES points at the sandbox.
 */
export function parseSesRequest(body: string): SesParseResult {
  const form = new URLSearchParams(body);
  const action = form.get('Action');
  if (action !== 'SendEmail') {
    return {
      ok: false,
      status: 400,
      code: 'InvalidAction',
      message: `The sandbox SES catcher handles SendEmail only, not ${action ?? '(none)'}.`,
    };
  }
  const to: string[] = [];
  for (let i = 1; form.has(`Destination.ToAddresses.member.${i}`); i++) to.push(form.get(`Destination.ToAddresses.member.${i}`)!);
  const from = form.get('Source');
  if (!from || to.length === 0) {
    return { ok: false, status: 400, code: 'ValidationError', message: 'Source and Destination.ToAddresses are required.' };
  }
  return {
    ok: true,
    email: {
      from,
      to,
      subject: form.get('Message.Subject.Data') ?? '',
      text: form.get('Message.Body.Text.Data') ?? '',
      html: form.get('Message.Body.Html.Data') ?? '',
    },
  };
}

interface SendEmailInput {
  Source?: string;
  Destination?: { ToAddresses?: string[] };
  Message?: { Subject?: { Data?: string }; Body?: { Text?: { Data?: string }; Html?: { Data?: string } } };
}

/** The same, from a SendEmailCommand's input as a handler's SESClient holds it. */
export function sesSendEmail(op: string, input: Record<string, unknown>): SesParseResult {
  if (op !== 'SendEmail')
    return { ok: false, status: 400, code: 'InvalidAction', message: `The sandbox SES catcher handles SendEmail only, not ${op}.` };
  const i = input as SendEmailInput;
  const to = i.Destination?.ToAddresses ?? [];
  if (!i.Source || to.length === 0)
    return { ok: false, status: 400, code: 'ValidationError', message: 'Source and Destination.ToAddresses are required.' };
  return {
    ok: true,
    email: {
      from: i.Source,
      to,
      subject: i.Message?.Subject?.Data ?? '',
      text: i.Message?.Body?.Text?.Data ?? '',
      html: i.Message?.Body?.Html?.Data ?? '',
    },
  };
}

const xmlEscape = (s: string) => s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);

export function sendEmailResponseXml(messageId: string, requestId: string): string {
  return `<SendEmailResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><SendEmailResult><MessageId>${xmlEscape(messageId)}</MessageId></SendEmailResult><ResponseMetadata><RequestId>${xmlEscape(requestId)}</RequestId></ResponseMetadata></SendEmailResponse>`;
}

export function sesErrorXml(code: string, message: string, requestId: string): string {
  return `<ErrorResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><Error><Type>Sender</Type><Code>${xmlEscape(code)}</Code><Message>${xmlEscape(message)}</Message></Error><RequestId>${xmlEscape(requestId)}</RequestId></ErrorResponse>`;
}

/**
 * The code in a captured email: the first run of exactly `length` digits in the text body
 * (falling back to the HTML), so "expires in 3 minutes" is never mistaken for it.
 */
function extractCode(email: Pick<CaughtEmail, 'text' | 'html'>, length: number): string | undefined {
  const pattern = new RegExp(`(?<!\\d)\\d{${length}}(?!\\d)`);
  return pattern.exec(email.text)?.[0] ?? pattern.exec(email.html.replace(/<[^>]*>/g, ' '))?.[0];
}

export function toStoredMails(email: CaughtEmail, codeLength: number, at: Date): StoredMail[] {
  const messageId = `${randomUUID()}-sandbox`;
  const code = extractCode(email, codeLength);
  return email.to.map((to) => ({
    to,
    from: email.from,
    subject: email.subject,
    text: email.text,
    html: email.html,
    ...(code ? { code } : {}),
    messageId,
    at: at.toISOString(),
  }));
}
