/**
 * `jane@example.com` → `j***@e***.com`: enough for the user to recognise the address, too little
 * to confirm an account exists for someone probing with a guess.
 */
export function maskEmail(address: string | undefined): string {
  if (address === undefined) return '***';
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1) return '***';
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);
  const dot = domain.lastIndexOf('.');
  const host = dot > 0 ? domain.slice(0, dot) : domain;
  const tld = dot > 0 ? domain.slice(dot) : '';
  return `${firstChar(local)}***@${firstChar(host)}***${/^\.[A-Za-z]{2,24}$/.test(tld) ? tld : ''}`;
}

function firstChar(s: string): string {
  const c = Array.from(s)[0] ?? '';
  return /^[\p{L}\p{N}]$/u.test(c) ? c : '';
}

const ADDRESS_LIKE = /[^\s@<>()"',;:[\]]+@[^\s@<>()"',;:[\]]+/g;

/** For error text headed to the logs: every address-like token masked (SES echoes recipients). */
export function redactAddresses(text: string): string {
  return text.replace(ADDRESS_LIKE, (a) => maskEmail(a.toLowerCase()));
}
