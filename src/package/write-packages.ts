import { join, resolve } from 'node:path';
import { writeFileAtomic } from '../core/atomic-file.js';
import { makeDirs } from '../core/make-dirs.js';
import { buildHandlers, type EmailTemplates } from './build-handlers.js';
import { FUNCTION_KINDS, type FunctionKind } from '../config/function-kinds.js';

export interface WrittenPackage {
  kind: FunctionKind;
  path: string;
  codeSha256: string;
  bytes: number;
}

export interface WritePackagesOptions {
  templates?: EmailTemplates;
  kinds?: readonly FunctionKind[];
}

// Lambda's own rule for a function name; it also keeps the zip inside outDir.
const FUNCTION_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** Writes `<function-name>.zip` per function into outDir (created if missing). */
export async function writePackages(
  outDir: string,
  functionNames: Readonly<Record<FunctionKind, string>>,
  opts: WritePackagesOptions = {},
): Promise<WrittenPackage[]> {
  const kinds = opts.kinds ?? FUNCTION_KINDS;
  for (const kind of kinds) {
    const name = functionNames[kind];
    if (!FUNCTION_NAME.test(name)) throw new Error(`invalid Lambda function name for ${kind}: ${JSON.stringify(name)}`);
  }
  const built = await buildHandlers({ templates: opts.templates, kinds });
  const dir = resolve(outDir);
  await makeDirs(dir);
  return Promise.all(
    kinds.map(async (kind) => {
      const { zip, codeSha256 } = built[kind];
      const path = join(dir, `${functionNames[kind]}.zip`);
      // An interrupted run never leaves a truncated zip behind.
      await writeFileAtomic(path, zip);
      return { kind, path, codeSha256, bytes: zip.length };
    }),
  );
}
