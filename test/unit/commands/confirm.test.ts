import { describe, expect, it } from 'vitest';
import { requireConfirmation } from '../../../src/commands/confirm.js';
import type { IoHost } from '../../../src/core/io.js';

/** An IoHost that records what a command printed and answers the yes/no question with `answer`. */
function recordingIo(interactive: boolean, answer: boolean) {
  const seen = { questions: [] as string[], out: [] as string[], results: [] as Record<string, unknown>[] };
  const io = {
    interactive,
    confirm: async (question: string) => {
      seen.questions.push(question);
      return answer;
    },
    out: (text: string) => seen.out.push(text),
    result: (value: Record<string, unknown>) => seen.results.push(value),
  } as Partial<IoHost> as IoHost;
  return { io, seen };
}

const request = (yes?: boolean) => ({
  yes,
  needs: 'teardown deletes resources',
  declined: 'Nothing was deleted.',
  result: { command: 'teardown' },
});

describe('requireConfirmation', () => {
  it('goes on without asking with --yes, even without a terminal', async () => {
    const { io, seen } = recordingIo(false, false);
    expect(await requireConfirmation(io, 'Delete?', request(true))).toBe(true);
    expect(seen.questions).toEqual([]);
  });

  it('refuses without a terminal and without --yes: a usage error naming --yes, nothing asked', async () => {
    const { io, seen } = recordingIo(false, true);
    await expect(requireConfirmation(io, 'Delete?', request())).rejects.toMatchObject({
      code: 'CONFIRMATION_REQUIRED',
      exitCode: 2,
      message: 'teardown deletes resources and needs confirmation.',
      resolution: 'Run it in a terminal to confirm, or pass --yes.',
    });
    expect(seen.questions).toEqual([]);
  });

  it('asks on a terminal; a "no" says nothing happened and reports a cancelled result', async () => {
    const { io, seen } = recordingIo(true, false);
    expect(await requireConfirmation(io, 'Delete the 3 item(s) listed above?', request())).toBe(false);
    expect(seen.questions).toEqual(['Delete the 3 item(s) listed above?']);
    expect(seen.out).toEqual(['Nothing was deleted.']);
    expect(seen.results).toEqual([{ ok: false, command: 'teardown', cancelled: true }]);
  });

  it('a "yes" goes on and prints nothing', async () => {
    const { io, seen } = recordingIo(true, true);
    expect(await requireConfirmation(io, 'Delete?', request())).toBe(true);
    expect(seen.out).toEqual([]);
    expect(seen.results).toEqual([]);
  });
});
