// The one place that prints: the interface commands, the runner and steps report through
// (they never touch the console). src/cli/io-host.ts implements it with three faces: `tty`
// (ora spinners on stderr), `plain` (one line per event on stderr, for CI logs) and `json`
// (progress as plain lines on stderr, exactly one JSON object as the last line of stdout).

export type Face = 'tty' | 'plain' | 'json';

export interface StepHandle {
  /** Replace the running text (e.g. "creating…", "waiting for IAM…"). */
  update(text: string): void;
  succeed(text: string): void;
  fail(text: string): void;
  /** Finish without success or failure (e.g. skipped, unchanged). */
  info(text: string): void;
  warn(text: string): void;
}

export interface IoHost {
  readonly face: Face;
  readonly interactive: boolean;
  readonly debugEnabled: boolean;
  /** A transient step shows while it runs and leaves no line behind unless it fails. */
  step(text: string, options?: StepOptions): StepHandle;
  info(text: string): void;
  warn(text: string): void;
  debug(text: string): void;
  /** Human output of a command, on stdout (suppressed with --json). */
  out(text: string): void;
  /** The command's one machine-readable result (only printed with --json). */
  result(value: Record<string, unknown>): void;
  /** Writes a raw error text to stderr (used only by the error formatter). */
  errorText(text: string): void;
  /**
   * Both prompts reject with an OtpError coded CANCELLED when the user cancels them (Ctrl-C, Ctrl-D).
   * `confirm` answers false without asking when there is no terminal.
   */
  confirm(question: string): Promise<boolean>;
  /** `mask`: echo each typed character as "*" (a sign-in code on a shared screen). */
  ask(question: string, options?: { default?: string; validate?: (value: string) => string | true; mask?: boolean }): Promise<string>;
}

export interface StepOptions {
  transient?: boolean;
}
