import { createRequire } from 'node:module';

// Read once from package.json so the version has one source; resolved relative to this module
// both under vitest (src/cli) and once built (dist/src/cli).
const require = createRequire(import.meta.url);
function readVersion(): string {
  for (const candidate of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = require(candidate) as { name?: string; version?: string };
      if (pkg.name === 'otp-setup' && pkg.version) return pkg.version;
    } catch {
      // try the next location
    }
  }
  return '0.0.0';
}
export const VERSION = readVersion();
