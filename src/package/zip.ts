import { createRequire } from 'node:module';
import type { Archiver, ZipOptions } from 'archiver';

// @types/archiver@8 describes archiver 8's class API (no default export), but archiver 7 is
// installed and exports a factory function; load it through require and type it narrowly.
// Loaded on first use: it pulls in some 170 modules, which `up` with prebuilt zips never needs.
let archiverFactory: ((format: 'zip', options: ZipOptions) => Archiver) | undefined;
const archiver = (format: 'zip', options: ZipOptions): Archiver => {
  archiverFactory ??= createRequire(import.meta.url)('archiver') as (format: 'zip', options: ZipOptions) => Archiver;
  return archiverFactory(format, options);
};

// Fixed so identical code gives identical bytes, hence an identical CodeSha256 and no redeploy.
// archiver writes DOS time from the UTC fields, so this is the same on every machine and TZ.
const FIXED_DATE = new Date(Date.UTC(1980, 0, 1, 0, 0, 0));
const FILE_MODE = 0o644;

/**
 * A zip with one file, stored uncompressed. Deflate output is not stable across zlib builds:
 * Node ships Chromium's zlib, whose match finder depends on CPU features (SIMD hashing), so the
 * same input can compress to different bytes on another machine or Node version. The bundles are
 * small enough that storing them keeps each zip well under the size target.
 */
export function zipSingleFile(name: string, content: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const archive = archiver('zip', { store: true });
    const chunks: Buffer[] = [];
    archive.on('data', (chunk: Buffer) => chunks.push(chunk));
    archive.on('warning', reject);
    archive.on('error', reject);
    archive.on('end', () => resolve(Buffer.concat(chunks)));
    archive.append(content, { name, date: FIXED_DATE, mode: FILE_MODE });
    void archive.finalize().catch(reject);
  });
}
