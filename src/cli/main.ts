import { Command, CommanderError, Option } from 'commander';
import type { Deps, GlobalOptions } from '../commands/deps.js';
import { REGION_PATTERN } from '../config/patterns.js';
import { usageError } from '../core/errors.js';
import { formatErrorText, normalizeError } from './format-error.js';
import { createIoHost } from './io-host.js';
import type { IoHost } from '../core/io.js';
import { VERSION } from './version.js';
import {
  defineCommand,
  examples,
  flag,
  required,
  value,
  type CommandDefinition,
  type Consistent,
  type OptionSpecs,
  type OptionValues,
  type Runner,
} from './define-command.js';

/**
 * Runs the CLI in-process and returns the exit code (0 ok, 1 failure, 2 usage). Command modules
 * are imported only when their command runs, so --help and --version load almost nothing.
 */
export async function main(argv: readonly string[], deps: Deps): Promise<number> {
  let exitCode = 0;
  let io: IoHost | undefined;
  const program = new Command('otp-setup');

  const run: Runner = (load) =>
    async function (this: Command): Promise<void> {
      const global = this.optsWithGlobals<GlobalOptions & Record<string, unknown>>();
      io = await createIoHost(deps, { json: Boolean(global.json), debug: Boolean(global.debug), env: deps.env });
      if (global.region !== undefined && !REGION_PATTERN.test(global.region)) {
        throw usageError(
          'INVALID_REGION',
          `--region ${global.region} is not an AWS region.`,
          'Use a region code such as us-east-1 or eu-west-1.',
        );
      }
      if (global.endpointUrl !== undefined && !/^https?:\/\/[^\s]+$/.test(global.endpointUrl)) {
        throw usageError(
          'INVALID_ENDPOINT',
          `--endpoint-url ${global.endpointUrl} is not a URL.`,
          'Use a URL such as http://127.0.0.1:5000.',
        );
      }
      const action = await load();
      // commander hands the options untyped; defineCommand() checked their declaration against the
      // command's options type, so this is the one place they are taken on trust.
      exitCode = await action({ deps, io, global }, this.opts<never>());
    };

  program
    .name('otp-setup')
    .description('Passwordless sign-in by emailed one-time code on AWS Cognito, in one command.')
    .version(VERSION, '-v, --version')
    .option('-c, --config <path>', 'configuration file', 'otp-setup.config.json')
    .option('--region <region>', 'AWS region (default: config, then AWS_REGION, then us-east-1)')
    .option('--profile <name>', 'AWS profile from ~/.aws/config')
    .option('--stage <stage>', 'stage suffix appended to every resource name, e.g. dev')
    .addOption(new Option('--endpoint-url <url>', 'AWS endpoint override (LocalStack, moto); AWS_ENDPOINT_URL works too'))
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--json', 'print one JSON result on stdout (progress stays on stderr)')
    .option('--debug', 'show debug output and stack traces')
    .showHelpAfterError('(run with --help for usage)')
    // Every subcommand's --help also lists --json, --stage, --config, --region, --yes…
    .configureHelp({ showGlobalOptions: true })
    .exitOverride()
    .configureOutput({
      writeOut: (s) => deps.stdout.write(s),
      writeErr: (s) => deps.stderr.write(s),
    })
    .addHelpText(
      'after',
      examples([
        'otp-setup init --from noreply@example.com',
        'otp-setup up',
        'otp-setup test-auth --email me@example.com',
        'otp-setup teardown --yes',
      ]),
    );

  const command = <O extends OptionSpecs = Record<never, never>, A = OptionValues<O>>(
    definition: CommandDefinition<O, A> & Consistent<O, A>,
    parent: Command = program,
  ) => defineCommand(parent, run, definition);

  command({
    name: 'init',
    description: 'write otp-setup.config.json (asks, or takes flags)',
    options: {
      from: value('--from <email>', 'sender address of the sign-in emails (required without a terminal)'),
      force: flag('--force', 'overwrite an existing config file'),
      preset: value('--preset <framework>', 'frontend framework, for the .env key prefix (default: asked on a terminal, else vite)', {
        choices: ['vite', 'next', 'cra', 'expo'],
      }),
    },
    examples: [
      'otp-setup init --from noreply@example.com --region eu-west-1 --yes',
      'otp-setup init --from noreply@example.com --preset next',
    ],
    load: async () => (await import('../commands/init.js')).initCommand,
  });

  command({
    name: 'up',
    description: 'create or update everything: role, functions, SES identity, user pool, permissions, app client, .env',
    options: {
      adopt: flag('--adopt', 'take over same-named resources that otp-setup did not create'),
      allowReplace: flag(
        '--allow-replace',
        'allow replacing resources whose settings cannot change in place (a replaced pool loses its users)',
      ),
    },
    examples: ['otp-setup up', 'otp-setup up --stage prod --region eu-west-1', 'otp-setup up --json > result.json'],
    load: async () => (await import('../commands/up.js')).upCommand,
  });

  command({
    name: 'plan',
    description: 'show what "up" would change, field by field (read-only)',
    options: {
      mau: value('--mau <n>', 'also estimate the monthly cost for this many monthly active users'),
      signInsPerUser: value('--sign-ins-per-user <n>', 'sign-ins per user a month, for the estimate (default 4)'),
      cognitoTier: value(
        '--cognito-tier <tier>',
        'Cognito tier for the estimate: lite, essentials, plus or legacy (default: the configured userPool.tier)',
      ),
    },
    examples: ['otp-setup plan', 'otp-setup plan --stage prod --json', 'otp-setup plan --mau 10000 --sign-ins-per-user 8'],
    load: async () => (await import('../commands/plan.js')).planCommand,
  });

  command({
    name: 'status',
    description: 'show what exists and any drift (read-only)',
    examples: ['otp-setup status', 'otp-setup status --json'],
    load: async () => (await import('../commands/plan.js')).statusCommand,
  });

  command({
    name: 'teardown',
    description: 'delete everything "up" created, in reverse order, and nothing else',
    options: { keepSes: flag('--keep-ses', 'keep the SES sender identity') },
    examples: ['otp-setup teardown', 'otp-setup teardown --yes --keep-ses'],
    load: async () => (await import('../commands/teardown.js')).teardownCommand,
  });

  command({
    name: 'package',
    description: 'write the Lambda zips that "up" deploys, one <function-name>.zip each',
    options: { out: required('--out <dir>', 'output folder') },
    examples: ['otp-setup package --out dist/lambda'],
    load: async () => (await import('../commands/package.js')).packageCommand,
  });

  command({
    name: 'test-auth',
    description: 'sign a user in through the deployed flow: request a code, enter it, verify the tokens',
    options: {
      email: required('--email <email>', 'address to sign in (it receives the code)'),
      userPoolId: value('--user-pool-id <id>', 'user pool to use (default: from the state file of "up")'),
      clientId: value('--client-id <id>', 'app client to use (default: from the state file of "up")'),
      createUser: flag('--create-user', 'create the user first if it does not exist (confirmed, email verified, no invitation)'),
      code: value('--code <code>', 'the emailed code (otherwise asked on a terminal, or read from stdin)'),
      showTokens: flag('--show-tokens', 'print the ID, access and refresh tokens'),
      keepSession: flag('--keep-session', 'do not revoke the refresh token at the end'),
    },
    examples: [
      'otp-setup test-auth --email me@example.com --create-user',
      'echo 123456 | otp-setup test-auth --email me@example.com --json',
      'otp-setup test-auth --email me@example.com --endpoint-url http://127.0.0.1:8787',
    ],
    load: async () => (await import('../commands/test-auth.js')).testAuthCommand,
  });

  command({
    name: 'sandbox',
    description: 'run a local Cognito-compatible endpoint with the same handlers and a mailbox (no AWS account)',
    options: {
      port: value('--port <port>', 'port to listen on (0: any free port)', { default: '8787' }),
      host: value('--host <host>', 'address to listen on', { default: '127.0.0.1' }),
      env: flag('--no-env', 'do not point the frontend .env at the sandbox'),
    },
    examples: ['otp-setup sandbox', 'otp-setup sandbox --port 9000 --json'],
    load: async () => (await import('../commands/sandbox.js')).sandboxCommand,
  });

  command({
    name: 'scaffold',
    description: 'write a typed Amplify v6 sign-in module (requestCode, submitCode, currentUser, signOut) into your app',
    options: {
      out: value('--out <file>', 'where to write it', { default: 'src/auth/otp-auth.ts' }),
      force: flag('--force', 'overwrite the file if it exists'),
      envAccess: value('--env-access <how>', 'how the module reads env keys (default: import.meta.env for vite, process.env otherwise)', {
        choices: ['import.meta.env', 'process.env'],
      }),
    },
    examples: ['otp-setup scaffold', 'otp-setup scaffold --out app/lib/otp-auth.ts --force'],
    load: async () => (await import('../commands/scaffold.js')).scaffoldCommand,
  });

  command({
    name: 'doctor',
    description:
      "the guide's troubleshooting section as checks: ok, warn, fail or unknown, each with a fix (read-only; exit 1 if any fails)",
    examples: ['otp-setup doctor', 'otp-setup doctor --stage prod --json'],
    load: async () => (await import('../commands/doctor.js')).doctorCommand,
  });

  command({
    name: 'logs',
    description: "print the sign-in functions' log lines (like aws logs tail)",
    options: {
      follow: flag('-f, --follow', 'keep printing new lines until Ctrl-C'),
      function: value('--function <name>', 'only one function: create, define, verify or pre-sign-up'),
      since: value('--since <duration>', 'how far back to start, e.g. 30s, 10m, 2h, 1d', { default: '10m' }),
    },
    examples: ['otp-setup logs --since 1h', 'otp-setup logs --follow --function create'],
    load: async () => (await import('../commands/logs.js')).logsCommand,
  });

  command({
    name: 'policy',
    description:
      'print the least-privilege IAM policy (JSON) that up, plan, status, teardown, doctor, test-auth and unlock need for this config',
    options: { accountId: value('--account-id <id>', 'account the policy is for (default: the account of your credentials, from STS)') },
    examples: ['otp-setup policy > otp-setup-policy.json', 'otp-setup policy --stage prod --account-id 123456789012'],
    load: async () => (await import('../commands/policy.js')).policyCommand,
  });

  command({
    name: 'unlock',
    description: 'clear the lockout after too many wrong codes for one address (the only way out past the 100-failure ceiling)',
    options: { email: required('--email <address>', 'the locked-out address') },
    examples: ['otp-setup unlock --email jane@example.com', 'otp-setup unlock --email jane@example.com --stage prod --json'],
    load: async () => (await import('../commands/unlock.js')).unlockCommand,
  });

  const ses = program
    .command('ses')
    .description('SES account settings for sending the codes')
    .addHelpText('after', examples(['otp-setup ses request-production --website-url https://app.example.com']));
  command(
    {
      name: 'request-production',
      description: 'ask AWS to move SES sending out of the sandbox in this region (aws sesv2 put-account-details)',
      options: {
        websiteUrl: value('--website-url <url>', 'public site whose users sign in (required)'),
        useCase: value('--use-case <text>', 'how and why you send email (a sensible default describes sign-in codes)'),
      },
      examples: [
        'otp-setup ses request-production --website-url https://app.example.com',
        'otp-setup ses request-production --website-url https://app.example.com --yes',
      ],
      load: async () => (await import('../commands/ses.js')).sesRequestProductionCommand,
    },
    ses,
  );

  command({
    name: 'preview',
    description: 'render the sign-in email with a sample code: HTML to a file, subject and text printed',
    options: {
      out: value('--out <file>', 'where to write the HTML', { default: 'otp-email-preview.html' }),
      open: flag('--open', 'open the HTML in the browser (never in CI)'),
      email: value('--email <address>', 'sample recipient shown in the templates'),
      name: value('--name <name>', 'sample user name shown in the templates'),
    },
    examples: ['otp-setup preview', 'otp-setup preview --out /tmp/mail.html --open'],
    load: async () => (await import('../commands/preview.js')).previewCommand,
  });

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
      // Commander already printed the message on stderr; a script asking for --json gets it as JSON too.
      if (wantsJson(argv))
        deps.stdout.write(
          `${JSON.stringify(
            usageResult(
              err,
              argv,
              program.commands.map((c) => c.name()),
            ),
          )}\n`,
        );
      return 2;
    }
    const host = io ?? (await createIoHost(deps, { json: argv.includes('--json'), debug: argv.includes('--debug'), env: deps.env }));
    const formatted = normalizeError(err);
    host.errorText(formatErrorText(err, host.debugEnabled));
    host.result({
      ok: false,
      error: {
        code: formatted.code,
        message: formatted.message,
        ...(formatted.resolution ? { resolution: formatted.resolution } : {}),
        ...(formatted.details ? { details: formatted.details } : {}),
      },
    });
    return formatted.exitCode;
  }
}

/** Whether --json was asked for; usage errors happen before commander has parsed the options. */
function wantsJson(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).includes('--json');
}

function usageResult(err: CommanderError, argv: readonly string[], commands: readonly string[]): Record<string, unknown> {
  const command = argv.find((a) => commands.includes(a));
  return {
    ok: false,
    error: {
      code: 'USAGE',
      message: err.message.replace(/^error: /, ''),
      resolution: `Run "otp-setup ${command ? `${command} ` : ''}--help" for the commands and options.`,
      details: { reason: err.code.replace(/^commander\./, '') },
    },
  };
}
