import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import type { CommandEnv } from '../../../src/commands/deps.js';
import { defineCommand, flag, required, value, type Runner } from '../../../src/cli/define-command.js';

// What the runner received, to show what commander hands the command.
const received: unknown[] = [];
const run: Runner = (load) =>
  async function (this: Command) {
    const action = await load();
    await action({} as CommandEnv, this.opts<never>());
  };

async function parse(program: Command, argv: string[]): Promise<void> {
  await program.parseAsync(argv, { from: 'user' });
}

/** Subcommands copy these settings when they are added: throw instead of exiting, print nothing. */
const quietProgram = () => new Command().exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });

describe('defineCommand', () => {
  it("hands the command commander's values under the declared names, defaults and --no- switches included", async () => {
    const program = quietProgram();
    defineCommand(program, run, {
      name: 'demo',
      description: 'demo',
      options: {
        keepSes: flag('--keep-ses', 'a switch'),
        out: required('--out <dir>', 'required'),
        since: value('-s, --since <d>', 'with a default', { default: '10m' }),
        env: flag('--no-env', 'a negated switch'),
        preset: value('--preset <p>', 'with choices', { choices: ['vite', 'next'] }),
      },
      load:
        async () =>
        async (_env: CommandEnv, options: { keepSes?: boolean; out: string; since: string; env: boolean; preset?: 'vite' | 'next' }) => {
          received.push(options);
          return 0;
        },
    });
    await parse(program, ['demo', '--keep-ses', '--out', 'dist', '--no-env']);
    expect(received.pop()).toEqual({ keepSes: true, out: 'dist', since: '10m', env: false });
    await expect(parse(program, ['demo', '--preset', 'svelte', '--out', 'x'])).rejects.toThrow(/Allowed choices are vite, next/);
    await expect(parse(program, ['demo'])).rejects.toThrow(/required option '--out <dir>' not specified/);
  });

  it('does not compile when a declaration and the command disagree', () => {
    const program = new Command();
    const load =
      <A>() =>
      async () =>
      async (_env: CommandEnv, _options: A) =>
        0;
    defineCommand(program, run, {
      name: 'a',
      description: '',
      // @ts-expect-error the key is not the flag's attribute name (keepSes)
      options: { keep: flag('--keep-ses', '') },
      load: load<{ keep?: boolean }>(),
    });
    // @ts-expect-error the command asks for an option that is not declared
    defineCommand(program, run, {
      name: 'b',
      description: '',
      options: { adopt: flag('--adopt', '') },
      load: load<{ adopt?: boolean; allowReplace?: boolean }>(),
    });
    // @ts-expect-error the command needs a value that an optional option may not give
    defineCommand(program, run, {
      name: 'c',
      description: '',
      options: { email: value('--email <address>', '') },
      load: load<{ email: string }>(),
    });
    defineCommand(program, run, {
      name: 'd',
      description: '',
      options: { email: required('--email <address>', '') },
      load: load<{ email: string }>(),
    });
    expect(program.commands.map((c) => c.name())).toEqual(['a', 'b', 'c', 'd']);
  });
});
