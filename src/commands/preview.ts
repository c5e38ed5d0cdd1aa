import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { formatMinutes, renderEmail } from '../../handlers/shared/email.js';
import { loadConfig } from '../config/load-config.js';
import { OtpError, errorMessage } from '../core/errors.js';
import type { CommandEnv } from './deps.js';
import { configPath, loadTemplates } from './stack-context.js';

export interface PreviewOptions {
  out?: string;
  open?: boolean;
  email?: string;
  name?: string;
}

/** A code of the configured length, clearly a sample. */
function sampleCode(length: number): string {
  return '123456789012'.slice(0, length);
}

function opener(platform: NodeJS.Platform): { command: string; args: string[] } {
  if (platform === 'darwin') return { command: 'open', args: [] };
  if (platform === 'win32') return { command: 'cmd', args: ['/c', 'start', '""'] };
  return { command: 'xdg-open', args: [] };
}

/**
 * Renders the configured email templates with a sample code through the handler's own renderer
 * (so the preview is what users get), writes the HTML and prints subject and text.
 */
export async function previewCommand(env: CommandEnv, options: PreviewOptions): Promise<number> {
  const { io, deps } = env;
  const loaded = await loadConfig(configPath(env), { stage: env.global.stage, region: env.global.region });
  const { config, dir } = loaded;
  const templates = (await loadTemplates(config, dir)) ?? (await (await import('../package/build-handlers.js')).defaultTemplates());
  const code = sampleCode(config.otp.length);
  const rendered = renderEmail(templates, {
    code,
    minutes: formatMinutes(config.otp.ttlSeconds),
    email: options.email ?? 'jane.doe@example.com',
    name: options.name ?? 'Jane',
  });
  const out = resolve(deps.cwd, options.out ?? 'otp-email-preview.html');
  try {
    await writeFile(out, rendered.html);
  } catch (err) {
    throw new OtpError('PREVIEW_WRITE_FAILED', `Cannot write ${out}: ${errorMessage(err)}`, {
      cause: err,
      resolution: 'Pass --out with a writable path.',
    });
  }
  io.out(`From:    ${config.email.fromName ? `${config.email.fromName} <${config.email.from}>` : config.email.from}`);
  io.out(`Subject: ${rendered.subject}`);
  io.out('');
  io.out(rendered.text.trimEnd());
  io.out('');
  io.out(`HTML written to ${out} (sample code ${code}).`);
  let opened = false;
  if (options.open) {
    if (deps.env.CI !== undefined) {
      io.warn('--open is ignored in CI (CI is set): no browser there.');
    } else {
      const { command, args } = opener(process.platform);
      const child = spawn(command, [...args, out], { detached: true, stdio: 'ignore' });
      child.on('error', () => io.warn(`Could not run ${command}; open ${out} yourself.`));
      child.unref();
      opened = true;
    }
  }
  io.result({ ok: true, command: 'preview', out, subject: rendered.subject, text: rendered.text, code, opened });
  return 0;
}
