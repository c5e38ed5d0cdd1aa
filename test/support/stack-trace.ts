/**
 * A stack frame of the CLI's own code, whether it ran built (dist/…/x.js) or in this process from
 * source (src/…/x.ts): a user mistake must never print one.
 */
export const STACK_FRAME = /\bat .*\.[cm]?[jt]s:\d+/;
