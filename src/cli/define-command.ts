import { Command, Option } from 'commander';
import type { CommandEnv } from '../commands/deps.js';

/**
 * Command options declared as data, so that the names commander derives from the flags and the
 * option interface each command takes are checked against each other by the compiler: an option
 * declared under a key that is not the flag's attribute name, or a command asking for an option
 * that is not declared (or declared optional where it needs a value), does not compile.
 */
export interface OptionSpec<F extends string, T> {
  readonly flags: F;
  readonly description: string;
  readonly required?: boolean;
  readonly default?: string;
  readonly choices?: readonly string[];
  /** Type-level only: the value commander hands the command. */
  readonly value?: T;
}

/** commander's attribute name of a flag: '--keep-ses' → 'keepSes', '-f, --follow' → 'follow', '--no-env' → 'env'. */
type LongName<F extends string> = F extends `${string}--no-${infer N}` ? Word<N> : F extends `${string}--${infer N}` ? Word<N> : never;
type Word<N extends string> = N extends `${infer A} ${string}` ? A : N;
type Camel<S extends string> = S extends `${infer H}-${infer T}` ? `${H}${Capitalize<Camel<T>>}` : S;
export type AttributeName<F extends string> = Camel<LongName<F>>;

/** A switch: true when given. `--no-x` switches are true unless given. */
export function flag<F extends string>(
  flags: F,
  description: string,
): OptionSpec<F, F extends `${string}--no-${string}` ? boolean : true | undefined> {
  return { flags, description };
}

/** An option with a value: a string when given, else the default (when there is one) or undefined. */
export function value<F extends string>(flags: F, description: string): OptionSpec<F, string | undefined>;
export function value<F extends string>(flags: F, description: string, options: { default: string }): OptionSpec<F, string>;
export function value<F extends string, const C extends readonly string[]>(
  flags: F,
  description: string,
  options: { choices: C },
): OptionSpec<F, C[number] | undefined>;
export function value<F extends string>(
  flags: F,
  description: string,
  options: { default?: string; choices?: readonly string[] } = {},
): OptionSpec<F, string | undefined> {
  return { flags, description, ...options };
}

/** An option the command cannot run without; commander refuses the command line without it. */
export function required<F extends string>(flags: F, description: string): OptionSpec<F, string> {
  return { flags, description, required: true };
}

type AnyOption = OptionSpec<string, unknown>;
export type OptionSpecs = Record<string, AnyOption>;

/** Each key must be the attribute name commander derives from its flags. */
type Checked<O extends OptionSpecs> = {
  [K in keyof O]: O[K] extends OptionSpec<infer F, unknown> ? (AttributeName<F> extends K ? O[K] : never) : never;
};

export type OptionValues<O extends OptionSpecs> = { [K in keyof O]: O[K] extends OptionSpec<string, infer T> ? T : never };

export type CommandAction<Options> = (env: CommandEnv, options: Options) => Promise<number>;

export interface CommandDefinition<O extends OptionSpecs, A> {
  name: string;
  description: string;
  options?: O & Checked<O>;
  examples?: string[];
  /** Loads the command's module only when it runs, so --help and --version load almost nothing. */
  load: () => Promise<CommandAction<A>>;
}

/**
 * The command's options type `A` asks only for declared options, and what commander hands over
 * for them fits: otherwise the definition gets a property no object has, and does not compile.
 */
export type Consistent<O extends OptionSpecs, A> = [Exclude<keyof A, keyof O>] extends [never]
  ? [OptionValues<O>] extends [A]
    ? unknown
    : { optionTypesDoNotFit: OptionValues<O> }
  : { undeclaredOptions: Exclude<keyof A, keyof O> };

export type Runner = (load: () => Promise<CommandAction<never>>) => (this: Command) => Promise<void>;

export function examples(lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`;
}

/** Adds one subcommand to `parent`; `run` turns the loaded action into commander's action. */
export function defineCommand<O extends OptionSpecs = Record<never, never>, A = OptionValues<O>>(
  parent: Command,
  run: Runner,
  definition: CommandDefinition<O, A> & Consistent<O, A>,
): Command {
  const command = parent.command(definition.name).description(definition.description);
  for (const spec of Object.values(definition.options ?? {}) as AnyOption[]) {
    const option = new Option(spec.flags, spec.description);
    if (spec.required) option.makeOptionMandatory();
    if (spec.default !== undefined) option.default(spec.default);
    if (spec.choices) option.choices(spec.choices);
    command.addOption(option);
  }
  if (definition.examples) command.addHelpText('after', examples(definition.examples));
  command.action(run(definition.load));
  return command;
}
