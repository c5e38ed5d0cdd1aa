import type { Writable, Readable } from 'node:stream';
import { OtpError } from '../core/errors.js';
import type { Face, IoHost, StepHandle, StepOptions } from '../core/io.js';

export interface IoStreams {
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
  stdin: Readable & { isTTY?: boolean };
}

export interface IoHostOptions {
  json: boolean;
  debug: boolean;
  env: NodeJS.ProcessEnv;
}

/** Ctrl-C or Ctrl-D at an @inquirer prompt is the user's choice, not a bug: it becomes CANCELLED. */
function promptCancelled(err: unknown): never {
  if (err instanceof Error && (err.name === 'ExitPromptError' || err.name === 'AbortPromptError')) {
    throw new OtpError('CANCELLED', 'Cancelled: nothing was changed by the prompt.');
  }
  throw err;
}

const symbols = { ok: '✔', fail: '✖', info: 'ℹ', warn: '⚠' } as const;

function colorEnabled(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  return Boolean(stream.isTTY) && env.NO_COLOR === undefined && env.TERM !== 'dumb';
}

export async function createIoHost(streams: IoStreams, options: IoHostOptions): Promise<IoHost> {
  // A terminal that reports no width (some pseudo-terminals) makes ora redraw endlessly: plain lines there.
  const width = (streams.stderr as { columns?: number }).columns ?? 0;
  const face: Face = options.json ? 'json' : streams.stderr.isTTY && width > 0 && options.env.CI === undefined ? 'tty' : 'plain';
  // ora is loaded only for the TTY face so that --help, --version and CI runs stay fast.
  const ora = face === 'tty' ? (await import('ora')).default : undefined;
  const interactive = Boolean(streams.stdin.isTTY && streams.stderr.isTTY);
  const color = colorEnabled(streams.stderr, options.env);
  const paint = (code: number, text: string): string => (color ? `\u001b[${code}m${text}\u001b[0m` : text);
  // The one spinner of the TTY face; lines printed while it spins go above it.
  let spinner: { text: string; clear(): unknown; render(): unknown; stop(): unknown } | undefined;
  const errLine = (text: string): void => {
    spinner?.clear();
    streams.stderr.write(`${text}\n`);
    spinner?.render();
  };

  const plainStep = (text: string, options: StepOptions = {}): StepHandle => {
    let current = text;
    const line = (symbol: string) => (t: string) => {
      if (!options.transient) errLine(`${symbol} ${t || current}`);
    };
    return {
      update(next) {
        current = next;
      },
      succeed: line(paint(32, symbols.ok)),
      fail: (t) => errLine(`${paint(31, symbols.fail)} ${t || current}`),
      info: line(paint(34, symbols.info)),
      warn: line(paint(33, symbols.warn)),
    };
  };

  /**
   * Steps run concurrently, but a terminal holds one spinner: it shows the running steps, and each
   * finished step becomes a permanent line above it.
   */
  const running = new Map<number, string>();
  let nextId = 0;
  const renderSpinner = (): void => {
    const texts = [...running.values()];
    if (texts.length === 0) {
      spinner?.stop();
      spinner = undefined;
      return;
    }
    const text = texts.length === 1 ? texts[0]! : `${texts[0]}  (+${texts.length - 1} more)`;
    const columns = (streams.stderr as { columns?: number }).columns ?? 80;
    const fitted = text.length > columns - 3 ? `${text.slice(0, columns - 4)}…` : text;
    if (spinner) spinner.text = fitted;
    else spinner = ora!({ text: fitted, stream: streams.stderr, isEnabled: true, color: 'cyan' }).start();
  };
  const ttyStep = (text: string, options: StepOptions = {}): StepHandle => {
    const id = nextId++;
    running.set(id, text);
    renderSpinner();
    const finish =
      (symbol: string, keep = !options.transient) =>
      (t: string) => {
        running.delete(id);
        if (keep) errLine(`${symbol} ${t || text}`);
        renderSpinner();
      };
    return {
      update: (t) => {
        if (!running.has(id)) return;
        running.set(id, t);
        renderSpinner();
      },
      succeed: finish(paint(32, symbols.ok)),
      fail: finish(paint(31, symbols.fail), true),
      info: finish(paint(34, symbols.info)),
      warn: finish(paint(33, symbols.warn)),
    };
  };

  return {
    face,
    interactive,
    debugEnabled: options.debug,
    step: face === 'tty' ? ttyStep : plainStep,
    info: (text) => errLine(text),
    warn: (text) => errLine(`${paint(33, 'warning:')} ${text}`),
    debug: (text) => {
      if (options.debug) errLine(paint(90, `debug: ${text}`));
    },
    out: (text) => {
      if (face !== 'json') streams.stdout.write(`${text}\n`);
    },
    result: (value) => {
      if (face === 'json') streams.stdout.write(`${JSON.stringify(value)}\n`);
    },
    errorText: (text) => errLine(text),
    async confirm(question) {
      if (!interactive) return false;
      const { confirm } = await import('@inquirer/prompts');
      return confirm({ message: question, default: false }, { input: streams.stdin, output: streams.stderr }).catch(promptCancelled);
    },
    async ask(question, opts = {}) {
      const { input, password } = await import('@inquirer/prompts');
      const context = { input: streams.stdin, output: streams.stderr };
      const answer = opts.mask
        ? password({ message: question, mask: '*', validate: opts.validate }, context)
        : input({ message: question, default: opts.default, validate: opts.validate }, context);
      return answer.catch(promptCancelled);
    },
  };
}
