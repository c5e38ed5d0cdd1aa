import { Command, CommanderError, Option } from 'commander';
import type { CommandEnv, Deps, GlobalOptions } from '../commands/deps.js';
import { REGION_PATTERN } from '../config/patterns.js';
import { usageError } from '../core/errors.js';
import { formatErrorText, normalizeError } from './format-error.js';
import { createIoHost, type IoHost } from './io-host.js';
import { VERSION } from './version.js';

// Options come from commander, which has already checked them against the command's definition.
type Action = (env: CommandEnv, options: never, args: string[]) => Promise<number>;

function examples(lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`;
}

/**
 * Runs the CLI in-process and returns the exit code (0 ok, 1 failure, 2 usage). Command modules
 * are imported only when their command runs, so --help and --version load almost nothing.
 */
export async function main(argv: readonly string[], deps: Deps): Promise<number> {
  let exitCode = 0;
  let io: IoHost | undefined;
  const program = new Command('otp-setup');

  const run = (load: () => Promise<Action>) =>
    async function (this: Command, ...args: unknown[]): Promise<void> {
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
      const positional = args.slice(0, -2).filter((a): a is string => typeof a === 'string');
      const action = await load();
      exitCode = await action({ deps, io, global }, this.opts<never>(), positional);
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

  program
    .command('init')
    .description('write otp-setup.config.json (asks, or takes flags)')
    .option('--from <email>', 'sender address of the sign-in emails (required without a terminal)')
    .option('--force', 'overwrite an existing config file')
    .addOption(
      new Option('--preset <framework>', 'frontend framework, for the .env key prefix (default: asked on a terminal, else vite)').choices([
        'vite',
        'next',
        'cra',
        'expo',
      ]),
    )
    .addHelpText(
      'after',
      examples([
        'otp-setup init --from noreply@example.com --region eu-west-1 --yes',
        'otp-setup init --from noreply@example.com --preset next',
      ]),
    )
    .action(run(async () => (await import('../commands/init.js')).initCommand));

  program
    .command('up')
    .description('create or update everything: role, functions, SES identity, user pool, permissions, app client, .env')
    .option('--adopt', 'take over same-named resources that otp-setup did not create')
    .option('--allow-replace', 'allow replacing resources whose settings cannot change in place (a replaced pool loses its users)')
    .addHelpText('after', examples(['otp-setup up', 'otp-setup up --stage prod --region eu-west-1', 'otp-setup up --json > result.json']))
    .action(run(async () => (await import('../commands/up.js')).upCommand));

  program
    .command('plan')
    .description('show what "up" would change, field by field (read-only)')
    .option('--mau <n>', 'also estimate the monthly cost for this many monthly active users')
    .option('--sign-ins-per-user <n>', 'sign-ins per user a month, for the estimate (default 4)')
    .option(
      '--cognito-tier <tier>',
      'Cognito tier for the estimate: lite, essentials, plus or legacy (default: the configured userPool.tier)',
    )
    .addHelpText(
      'after',
      examples(['otp-setup plan', 'otp-setup plan --stage prod --json', 'otp-setup plan --mau 10000 --sign-ins-per-user 8']),
    )
    .action(
      run(
        async () => (env: CommandEnv, options: import('../cost/cost-options.js').CostFlags) =>
          import('../commands/plan.js').then((m) => m.planCommand(env, 'plan', options)),
      ),
    );

  program
    .command('status')
    .description('show what exists and any drift (read-only)')
    .addHelpText('after', examples(['otp-setup status', 'otp-setup status --json']))
    .action(run(async () => (env: CommandEnv) => import('../commands/plan.js').then((m) => m.planCommand(env, 'status'))));

  program
    .command('teardown')
    .description('delete everything "up" created, in reverse order, and nothing else')
    .option('--keep-ses', 'keep the SES sender identity')
    .addHelpText('after', examples(['otp-setup teardown', 'otp-setup teardown --yes --keep-ses']))
    .action(run(async () => (await import('../commands/teardown.js')).teardownCommand));

  program
    .command('package')
    .description('write the Lambda zips that "up" deploys, one <function-name>.zip each')
    .requiredOption('--out <dir>', 'output folder')
    .addHelpText('after', examples(['otp-setup package --out dist/lambda']))
    .action(run(async () => (await import('../commands/package.js')).packageCommand));

  program
    .command('test-auth')
    .description('sign a user in through the deployed flow: request a code, enter it, verify the tokens')
    .requiredOption('--email <email>', 'address to sign in (it receives the code)')
    .option('--user-pool-id <id>', 'user pool to use (default: from the state file of "up")')
    .option('--client-id <id>', 'app client to use (default: from the state file of "up")')
    .option('--create-user', 'create the user first if it does not exist (confirmed, email verified, no invitation)')
    .option('--code <code>', 'the emailed code (otherwise asked on a terminal, or read from stdin)')
    .option('--show-tokens', 'print the ID, access and refresh tokens')
    .option('--keep-session', 'do not revoke the refresh token at the end')
    .addHelpText(
      'after',
      examples([
        'otp-setup test-auth --email me@example.com --create-user',
        'echo 123456 | otp-setup test-auth --email me@example.com --json',
        'otp-setup test-auth --email me@example.com --endpoint-url http://127.0.0.1:8787',
      ]),
    )
    .action(run(async () => (await import('../commands/test-auth.js')).testAuthCommand));

  program
    .command('sandbox')
    .description('run a local Cognito-compatible endpoint with the same handlers and a mailbox (no AWS account)')
    .option('--port <port>', 'port to listen on (0: any free port)', '8787')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--no-env', 'do not point the frontend .env at the sandbox')
    .addHelpText('after', examples(['otp-setup sandbox', 'otp-setup sandbox --port 9000 --json']))
    .action(run(async () => (await import('../commands/sandbox.js')).sandboxCommand));

  program
    .command('scaffold')
    .description('write a typed Amplify v6 sign-in module (requestCode, submitCode, currentUser, signOut) into your app')
    .option('--out <file>', 'where to write it', 'src/auth/otp-auth.ts')
    .option('--force', 'overwrite the file if it exists')
    .addOption(
      new Option('--env-access <how>', 'how the module reads env keys (default: import.meta.env for vite, process.env otherwise)').choices([
        'import.meta.env',
        'process.env',
      ]),
    )
    .addHelpText('after', examples(['otp-setup scaffold', 'otp-setup scaffold --out app/lib/otp-auth.ts --force']))
    .action(run(async () => (await import('../commands/scaffold.js')).scaffoldCommand));

  program
    .command('doctor')
    .description(
      "the guide's troubleshooting section as checks: ok, warn, fail or unknown, each with a fix (read-only; exit 1 if any fails)",
    )
    .addHelpText('after', examples(['otp-setup doctor', 'otp-setup doctor --stage prod --json']))
    .action(run(async () => (await import('../commands/doctor.js')).doctorCommand));

  program
    .command('logs')
    .description("print the sign-in functions' log lines (like aws logs tail)")
    .option('-f, --follow', 'keep printing new lines until Ctrl-C')
    .option('--function <name>', 'only one function: create, define, verify or pre-sign-up')
    .option('--since <duration>', 'how far back to start, e.g. 30s, 10m, 2h, 1d', '10m')
    .addHelpText('after', examples(['otp-setup logs --since 1h', 'otp-setup logs --follow --function create']))
    .action(run(async () => (await import('../commands/logs.js')).logsCommand));

  program
    .command('policy')
    .description(
      'print the least-privilege IAM policy (JSON) that up, plan, status, teardown, doctor, test-auth and unlock need for this config',
    )
    .option('--account-id <id>', 'account the policy is for (default: the account of your credentials, from STS)')
    .addHelpText('after', examples(['otp-setup policy > otp-setup-policy.json', 'otp-setup policy --stage prod --account-id 123456789012']))
    .action(run(async () => (await import('../commands/policy.js')).policyCommand));

  program
    .command('unlock')
    .description('clear the lockout after too many wrong codes for one address (the only way out past the 100-failure ceiling)')
    .requiredOption('--email <address>', 'the locked-out address')
    .addHelpText(
      'after',
      examples(['otp-setup unlock --email jane@example.com', 'otp-setup unlock --email jane@example.com --stage prod --json']),
    )
    .action(run(async () => (await import('../commands/unlock.js')).unlockCommand));

  const ses = program
    .command('ses')
    .description('SES account settings for sending the codes')
    .addHelpText('after', examples(['otp-setup ses request-production --website-url https://app.example.com']));
  ses
    .command('request-production')
    .description('ask AWS to move SES sending out of the sandbox in this region (aws sesv2 put-account-details)')
    .option('--website-url <url>', 'public site whose users sign in (required)')
    .option('--use-case <text>', 'how and why you send email (a sensible default describes sign-in codes)')
    .addHelpText(
      'after',
      examples([
        'otp-setup ses request-production --website-url https://app.example.com',
        'otp-setup ses request-production --website-url https://app.example.com --yes',
      ]),
    )
    .action(run(async () => (await import('../commands/ses.js')).sesRequestProductionCommand));

  program
    .command('preview')
    .description('render the sign-in email with a sample code: HTML to a file, subject and text printed')
    .option('--out <file>', 'where to write the HTML', 'otp-email-preview.html')
    .option('--open', 'open the HTML in the browser (never in CI)')
    .option('--email <address>', 'sample recipient shown in the templates')
    .option('--name <name>', 'sample user name shown in the templates')
    .addHelpText('after', examples(['otp-setup preview', 'otp-setup preview --out /tmp/mail.html --open']))
    .action(run(async () => (await import('../commands/preview.js')).previewCommand));

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
