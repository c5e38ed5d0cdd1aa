import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const exec = promisify(execFile);
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const SCRIPT = join(ROOT, 'scripts', 'import-graph.sh');

interface Run {
  code: number;
  stdout: string;
}

async function importGraph(root: string): Promise<Run> {
  try {
    const { stdout } = await exec('bash', [join(root, 'scripts', 'import-graph.sh')]);
    return { code: 0, stdout };
  } catch (err) {
    const failed = err as { code?: number; stdout?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '' };
  }
}

/** A throwaway tree with the script and the given src/ files, to show the check can fail. */
async function tree(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'otp-import-graph-'));
  trees.push(root);
  await mkdir(join(root, 'scripts'));
  await cp(SCRIPT, join(root, 'scripts', 'import-graph.sh'));
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
  return root;
}

const trees: string[] = [];
afterAll(() => Promise.all(trees.map((t) => rm(t, { recursive: true, force: true }))));

describe('layering (scripts/import-graph.sh)', () => {
  it('no lower layer of src/ imports an upper one', async () => {
    const run = await importGraph(ROOT);
    expect(run.stdout).toContain('Layering: no violations');
    expect(run.code, run.stdout).toBe(0);
  });

  it('reports a lower layer importing an upper one: type-only, dynamic and multi-line imports included', async () => {
    const root = await tree({
      'src/core/a.ts': "import type { IoHost } from '../cli/io-host.js';\nexport const a = 1;\n",
      'src/config/b.ts': "export const b = () => import('../package/zip.js');\n",
      'src/sandbox/c.ts': "import { desired } from '../steps/app-client-step.js';\n",
      'src/steps/d.ts': "import { e } from '../spec/e.js';\n",
      'src/aws/m.ts': "// a comment first\nimport {\n  longName,\n  otherName,\n} from '../commands/x.js';\n",
      'src/spec/n.ts': "export const n = () =>\n  import(\n    '../steps/y.js'\n  );\n",
      'src/cli/io-host.ts': "import { a } from '../core/a.js';\n",
    });
    const run = await importGraph(root);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('core -> cli (type)  src/core/a.ts:1');
    expect(run.stdout).toContain('config -> package (value)  src/config/b.ts:1');
    expect(run.stdout).toContain('sandbox -> steps (value)  src/sandbox/c.ts:1');
    // Imports Prettier wraps over several lines, named by the line they start on.
    expect(run.stdout).toContain('aws -> commands (value)  src/aws/m.ts:2');
    expect(run.stdout).toContain('spec -> steps (value)  src/spec/n.ts:2');
    // Upper layers importing lower ones are the rule, not a violation.
    expect(run.stdout).not.toContain('steps -> spec (value)');
    expect(run.stdout).not.toContain('cli -> core (value)');
  });
});
