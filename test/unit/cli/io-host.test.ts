import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createIoHost } from '../../../src/cli/io-host.js';

function terminal(columns: number) {
  const stream = Object.assign(new PassThrough(), { isTTY: true, columns });
  // The cursor methods of a tty.WriteStream, as escape codes (what ora calls to redraw).
  Object.assign(stream, {
    cursorTo: (x: number) => stream.write(`\u001b[${x + 1}G`),
    moveCursor: (dx: number, dy: number) => stream.write(dy < 0 ? `\u001b[${-dy}A` : ''),
    clearLine: () => stream.write('\u001b[2K'),
    clearScreenDown: () => stream.write('\u001b[0J'),
    getColorDepth: () => 8,
    hasColors: () => true,
  });
  let text = '';
  stream.on('data', (d: Buffer) => (text += d.toString()));
  return { stream, text: () => text };
}

describe('IoHost', () => {
  it('TTY face: concurrent steps share one spinner and each finishes as its own line', async () => {
    const err = terminal(80);
    const out = terminal(80);
    const io = await createIoHost(
      { stdout: out.stream, stderr: err.stream, stdin: Object.assign(new PassThrough(), { isTTY: true }) },
      { json: false, debug: false, env: { NO_COLOR: '1' } },
    );
    expect(io.face).toBe('tty');
    const role = io.step('Role: reading');
    const ses = io.step('SES: reading');
    io.info('a note while both run');
    role.update('Role: creating');
    ses.succeed('SES: verified');
    role.succeed('Role: created');
    const text = err.text();
    expect(text).not.toContain('Multiple concurrent spinners');
    expect(text).toContain('✔ SES: verified\n');
    expect(text).toContain('✔ Role: created\n');
    expect(text).toContain('a note while both run\n');
    expect(text.indexOf('SES: verified')).toBeLessThan(text.indexOf('Role: created'));
  });

  it('a terminal without a width gets plain lines (no endless redraws)', async () => {
    const err = terminal(0);
    const io = await createIoHost(
      { stdout: terminal(80).stream, stderr: err.stream, stdin: new PassThrough() },
      { json: false, debug: false, env: { NO_COLOR: '1' } },
    );
    expect(io.face).toBe('plain');
    io.step('Role: reading').succeed('Role: created');
    expect(err.text()).toBe('✔ Role: created\n');
  });

  it('JSON face: only the result on stdout, progress on stderr', async () => {
    const err = terminal(80);
    const out = terminal(80);
    const io = await createIoHost(
      { stdout: out.stream, stderr: err.stream, stdin: new PassThrough() },
      { json: true, debug: false, env: {} },
    );
    io.step('Role: reading').succeed('Role: created');
    io.out('human text');
    io.result({ ok: true });
    expect(out.text()).toBe('{"ok":true}\n');
    expect(err.text()).toContain('Role: created');
  });

  it('a transient step leaves no line behind unless it fails (status prints its own table)', async () => {
    for (const columns of [0, 80]) {
      const err = terminal(columns);
      const io = await createIoHost(
        { stdout: terminal(80).stream, stderr: err.stream, stdin: new PassThrough() },
        { json: false, debug: false, env: { NO_COLOR: '1' } },
      );
      io.step('Role: reading', { transient: true }).info('Role: ok');
      io.step('Pool: reading', { transient: true }).warn('Pool: drift');
      io.step('Client: reading', { transient: true }).fail('Client: failed');
      const text = err.text();
      expect(text).not.toContain('Role: ok');
      expect(text).not.toContain('Pool: drift');
      expect(text).toContain('✖ Client: failed');
    }
  });

  it('Ctrl-C at a prompt is a cancellation (CANCELLED), not a bug', async () => {
    const stdin = Object.assign(new PassThrough(), { isTTY: true });
    const io = await createIoHost(
      { stdout: terminal(80).stream, stderr: terminal(80).stream, stdin },
      { json: false, debug: false, env: { NO_COLOR: '1' } },
    );
    for (const prompt of [() => io.ask('Code?'), () => io.ask('Code?', { mask: true }), () => io.confirm('Delete?')]) {
      const answer = prompt();
      // Once the prompt is listening, the keypress @inquirer turns into ExitPromptError.
      await new Promise((r) => setImmediate(r));
      stdin.write('\u0003');
      await expect(answer).rejects.toMatchObject({ code: 'CANCELLED', message: 'Cancelled: nothing was changed by the prompt.' });
    }
  });
});
