import { mkdtemp, readFile, stat, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load-config.js';
import { assignStackId, newStackId, withStackId } from '../../../src/config/stack-id.js';

describe('stack ids', () => {
  it('are valid config values and differ between draws', () => {
    const ids = new Set(Array.from({ length: 50 }, () => newStackId()));
    expect(ids.size).toBe(50);
    for (const id of ids) expect(parseConfig({ stackId: id, email: { from: 'a@example.com' } }).stackId).toBe(id);
  });

  it('the config rejects an id AWS tags cannot carry', () => {
    expect(() => parseConfig({ stackId: 'has space', email: { from: 'a@example.com' } })).toThrow(/stackId/);
  });

  it('are added as one line, the rest of the file byte for byte', () => {
    const text = '{\n    "$schema": "./schema.json",\n    "email": { "from": "a@example.com" }\n}\n';
    expect(withStackId(text, 'abcd123456')).toBe(
      '{\n    "stackId": "abcd123456",\n    "$schema": "./schema.json",\n    "email": { "from": "a@example.com" }\n}\n',
    );
    const crlf = '{\r\n\t"email": {"from": "a@example.com"}\r\n}';
    expect(withStackId(crlf, 'abcd123456')).toBe('{\r\n\t"stackId": "abcd123456",\r\n\t"email": {"from": "a@example.com"}\r\n}');
    expect(withStackId('{"email":{"from":"a@example.com"}}', 'abcd123456')).toBe(
      '{"stackId": "abcd123456", "email":{"from":"a@example.com"}}',
    );
  });

  it('assignStackId writes the preferred id, keeps the file mode, and never replaces an id already there', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'otp-id-'));
    const path = join(dir, 'otp-setup.config.json');
    await writeFile(path, '{\n  "email": { "from": "a@example.com" }\n}\n');
    await chmod(path, 0o600);
    expect(await assignStackId(path, 'fromstate1')).toEqual({ id: 'fromstate1', written: true });
    expect(JSON.parse(await readFile(path, 'utf8')).stackId).toBe('fromstate1');
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await assignStackId(path, 'other00000')).toEqual({ id: 'fromstate1', written: false });
  });
});
