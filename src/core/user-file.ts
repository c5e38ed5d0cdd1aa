import { constants } from 'node:fs';
import { access, lstat, mkdir, readFile, readlink, realpath, stat, unlink } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { OtpError, errorMessage } from './errors.js';

/**
 * A file of the user's that otp-setup merges its lines into (the frontend .env, amplify_outputs.json).
 * It is edited in place of its real target: a symlink is followed and stays a symlink, the mode
 * and owner are kept (write-file-atomic copies them onto the replacement), and anything that is
 * not a regular file (a device such as /dev/null, a FIFO, a socket, a folder) or is read-only is
 * refused, never replaced.
 */
export interface UserFileRole {
  /** "frontend env file" */
  what: string;
  /** The config field that names it: "frontend.envFile". */
  field: string;
  /** Error code prefix: ENV → ENV_UNREADABLE, ENV_NOT_A_FILE, … */
  code: string;
  /** Extra advice when the path is not a regular file, e.g. how to write no file at all. */
  notAFileHint?: string;
}

const MAX_LINKS = 40;

/** Where a write really lands: the end of a symlink chain, even one whose target does not exist yet. */
export async function realTarget(path: string): Promise<string> {
  let current = resolve(path);
  for (let hops = 0; hops < MAX_LINKS; hops++) {
    try {
      return await realpath(current);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    // realpath fails on a dangling link: follow it by hand so the link is kept, not replaced.
    let link: string;
    try {
      link = await readlink(current);
    } catch {
      return current; // not a link: a file that does not exist yet
    }
    current = resolve(dirname(current), link);
  }
  return current;
}

function kindOf(s: {
  isDirectory(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
  isFIFO(): boolean;
  isSocket(): boolean;
}): string {
  if (s.isDirectory()) return 'a folder';
  if (s.isCharacterDevice()) return 'a character device';
  if (s.isBlockDevice()) return 'a block device';
  if (s.isFIFO()) return 'a named pipe (FIFO)';
  if (s.isSocket()) return 'a socket';
  return 'not a regular file';
}

function notAFile(path: string, target: string, kind: string, role: UserFileRole): OtpError {
  const where = target === resolve(path) ? path : `${path} (a link to ${target})`;
  const hint = role.notAFileHint ? ` ${role.notAFileHint}` : '';
  return new OtpError(`${role.code}_NOT_A_FILE`, `The ${role.what} ${where} is ${kind}, not a regular file; otp-setup never replaces it.`, {
    resolution: `Point ${role.field} at a regular file.${hint}`,
  });
}

function failure(code: 'UNREADABLE' | 'UNWRITABLE', path: string, err: unknown, role: UserFileRole): OtpError {
  const errno = (err as NodeJS.ErrnoException).code;
  const verb = code === 'UNREADABLE' ? 'read' : 'write';
  return new OtpError(`${role.code}_${code}`, `Cannot ${verb} the ${role.what} ${path} (${errno ?? errorMessage(err)}).`, {
    cause: err,
    resolution:
      errno === 'EISDIR'
        ? `${role.field} must name a file, not a folder.`
        : code === 'UNREADABLE'
          ? `Check its permissions and its folder, or point ${role.field} at another file.`
          : `Make the file and its folder writable, or point ${role.field} at another file.`,
  });
}

/** The real target when it exists and is a regular file; undefined when nothing is there yet. */
async function inspect(
  path: string,
  role: UserFileRole,
  op: 'UNREADABLE' | 'UNWRITABLE',
): Promise<{ target: string; mode: number } | undefined> {
  let target: string;
  let info;
  try {
    target = await realTarget(path);
    info = await stat(target);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw failure(op, path, err, role);
  }
  if (!info.isFile()) {
    // The folder case keeps its long-standing code and wording.
    if (info.isDirectory()) throw failure(op, path, Object.assign(new Error('EISDIR'), { code: 'EISDIR' }), role);
    throw notAFile(path, target, kindOf(info), role);
  }
  return { target, mode: info.mode };
}

/** The file's text, or undefined when it does not exist. Never opens a FIFO or a device. */
export async function readUserFile(path: string, role: UserFileRole): Promise<string | undefined> {
  const found = await inspect(path, role, 'UNREADABLE');
  if (!found) return undefined;
  try {
    return await readFile(found.target, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw failure('UNREADABLE', path, err, role);
  }
}

/**
 * Refuses a file otp-setup may not edit: not a regular file, or read-only. A file with no write
 * bit at all is the user saying "do not touch"; root could write it anyway, so the bits are checked,
 * not only access(2).
 */
export async function assertUserFileWritable(path: string, role: UserFileRole): Promise<void> {
  const found = await inspect(path, role, 'UNWRITABLE');
  if (!found) return;
  const readOnly =
    (found.mode & 0o222) === 0 ||
    !(await access(found.target, constants.W_OK).then(
      () => true,
      () => false,
    ));
  if (readOnly) {
    const mode = (found.mode & 0o777).toString(8).padStart(4, '0');
    throw new OtpError(
      `${role.code}_READ_ONLY`,
      `The ${role.what} ${path} is read-only (mode ${mode}); otp-setup does not override that.`,
      {
        resolution: `Make it writable (chmod u+w "${found.target}") if otp-setup may add its keys, or point ${role.field} at another file.`,
      },
    );
  }
}

/**
 * Replaces the file's content atomically (a reader sees the old or the new text, never half),
 * at its real target, keeping its mode and owner. A new file gets the usual 0666 & ~umask.
 */
export async function writeUserFile(path: string, text: string, role: UserFileRole): Promise<void> {
  await assertUserFileWritable(path, role);
  try {
    const target = await realTarget(path);
    await mkdir(dirname(target), { recursive: true });
    await writeFileAtomic(target, text);
  } catch (err) {
    throw failure('UNWRITABLE', path, err, role);
  }
}

/** Deletes a file otp-setup created; a path the user has since turned into a link is emptied instead. */
export async function deleteUserFile(path: string, role: UserFileRole): Promise<void> {
  const link = await lstat(path).then(
    (s) => s.isSymbolicLink(),
    () => false,
  );
  if (link) return writeUserFile(path, '', role);
  await assertUserFileWritable(path, role);
  try {
    await unlink(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw failure('UNWRITABLE', path, err, role);
  }
}
