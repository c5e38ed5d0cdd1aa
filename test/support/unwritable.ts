import { execFileSync } from 'node:child_process';
import { chmod } from 'node:fs/promises';

/**
 * Makes a folder refuse new files, as a user would meet it: chmod 555 for a normal user; root
 * ignores modes, so there the immutable flag (chattr +i) does it. Returns the undo, or undefined
 * when this machine cannot do either (the test is then skipped, not faked).
 */
export async function makeUnwritable(dir: string): Promise<(() => Promise<void>) | undefined> {
  if (process.getuid?.() !== 0) {
    await chmod(dir, 0o555);
    return () => chmod(dir, 0o755);
  }
  try {
    execFileSync('chattr', ['+i', dir], { stdio: 'ignore' });
  } catch {
    return undefined;
  }
  return async () => {
    execFileSync('chattr', ['-i', dir], { stdio: 'ignore' });
  };
}
