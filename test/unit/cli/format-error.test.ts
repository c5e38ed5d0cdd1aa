import { describe, expect, it } from 'vitest';
import { formatErrorText, normalizeError } from '../../../src/cli/format-error.js';
import { OtpError, usageError } from '../../../src/core/errors.js';

const FRAME = /\n\s+at /;

describe('normalizeError', () => {
  it('keeps an OtpError as it is: code, message, resolution, details, exit code', () => {
    const err = usageError('CONFIG_INVALID', 'otp.length: must be at least 6 digits', 'Fix the fields named above.', {
      fields: ['otp.length'],
    });
    expect(normalizeError(err)).toEqual({
      code: 'CONFIG_INVALID',
      message: 'otp.length: must be at least 6 digits',
      resolution: 'Fix the fields named above.',
      exitCode: 2,
      details: { fields: ['otp.length'] },
    });
  });

  it('adds the cause only when the message does not already say it', () => {
    const cause = Object.assign(new Error('EACCES: permission denied'), { name: 'Error' });
    expect(normalizeError(new OtpError('STATE_UNWRITABLE', 'Cannot write the state file', { cause })).cause).toBe(
      'Error: EACCES: permission denied',
    );
    expect(normalizeError(new OtpError('X', 'failed: Error: EACCES: permission denied', { cause })).cause).toBeUndefined();
  });

  it('an SDK error that escaped a step still becomes an AWS error code, not a bug', () => {
    const sdk = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });
    expect(normalizeError(sdk)).toMatchObject({
      code: 'THROTTLED',
      exitCode: 1,
      message: 'AWS kept throttling an AWS call after every retry.',
    });
  });

  it('Ctrl-C at a prompt is a cancellation, not a bug', () => {
    // The IoHost turns @inquirer's cancellation into CANCELLED (io-host.test.ts); it stays that here.
    expect(normalizeError(new OtpError('CANCELLED', 'Cancelled: nothing was changed by the prompt.'))).toEqual({
      code: 'CANCELLED',
      message: 'Cancelled: nothing was changed by the prompt.',
      exitCode: 1,
    });
  });

  it('anything else is INTERNAL, asking for a --debug report', () => {
    expect(normalizeError(new TypeError("Cannot read properties of undefined (reading 'x')"))).toMatchObject({
      code: 'INTERNAL',
      message: "Unexpected error: Cannot read properties of undefined (reading 'x')",
      resolution: 'This is a bug in otp-setup. Run again with --debug and report the output.',
      exitCode: 1,
    });
    expect(normalizeError('a string')).toMatchObject({ code: 'INTERNAL', message: 'Unexpected error: a string' });
  });
});

describe('formatErrorText', () => {
  it('a user error is two lines, message with code and the fix, and never a stack', () => {
    const text = formatErrorText(
      usageError('INVALID_REGION', '--region x is not an AWS region.', 'Use a region code such as us-east-1.'),
      false,
    );
    expect(text).toBe('✖ --region x is not an AWS region. [INVALID_REGION]\n  → Use a region code such as us-east-1.');
  });

  it('a bug or an unknown AWS error points at --debug, without a stack', () => {
    const text = formatErrorText(new Error('boom'), false);
    expect(text).toContain('✖ Unexpected error: boom [INTERNAL]');
    expect(text).toContain('  (run with --debug for details)');
    expect(text).not.toMatch(FRAME);
    const aws = formatErrorText(Object.assign(new Error('odd'), { name: 'WeirdException', $metadata: { httpStatusCode: 400 } }), false);
    expect(aws).toContain('[AWS_ERROR]');
    expect(aws).toContain('(run with --debug for details)');
  });

  it('--debug adds the cause and the stack of the root error', () => {
    const cause = new Error('socket hang up');
    const text = formatErrorText(new OtpError('AWS_UNAVAILABLE', 'AWS answered 503', { cause }), true);
    expect(text).toContain('  cause: Error: socket hang up');
    expect(text).toMatch(/\n {2}Error: socket hang up\n\s+at /);
    expect(text).not.toContain('(run with --debug');
  });
});
