import { randomInt } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateCode, type RandomInt } from '../../../handlers/shared/otp.js';

const SAMPLES = 2000;

/**
 * Pearson's chi-square per position against a uniform digit distribution (9 degrees of freedom).
 * P(χ²₉ > 60) ≈ 1.3e-9, so a fair generator essentially never trips it, while a generator that
 * never yields one digit scores about 220 and is caught.
 */
const CHI_SQUARE_LIMIT = 60;

function digitStats(codes: readonly string[], length: number) {
  const counts = Array.from({ length }, () => new Array<number>(10).fill(0));
  for (const code of codes) {
    for (let i = 0; i < length; i++) {
      const row = counts[i];
      if (row) row[Number(code[i])]! += 1;
    }
  }
  const expected = codes.length / 10;
  const chiSquare = counts.map((row) => row.reduce((sum, n) => sum + (n - expected) ** 2 / expected, 0));
  const missing = counts.flatMap((row, position) => row.flatMap((n, digit) => (n === 0 ? [{ position, digit }] : [])));
  return { counts, chiSquare, missing };
}

function sample(length: number, rand?: RandomInt): string[] {
  return Array.from({ length: SAMPLES }, () => generateCode(length, rand));
}

describe('code generator', () => {
  for (const length of [4, 6, 10]) {
    it(`length ${length}: every digit appears in every position, roughly uniformly`, () => {
      const codes = sample(length);
      for (const code of codes) expect(code).toMatch(new RegExp(`^\\d{${length}}$`));
      const { missing, chiSquare } = digitStats(codes, length);
      expect(missing).toEqual([]);
      for (const x of chiSquare) expect(x).toBeLessThan(CHI_SQUARE_LIMIT);
      // Leading zeros are kept: ~10% of codes start with 0 and still have full length.
      const leadingZero = codes.filter((c) => c.startsWith('0'));
      expect(leadingZero.length).toBeGreaterThan(SAMPLES * 0.05);
      expect(leadingZero.every((c) => c.length === length)).toBe(true);
    });
  }

  it('the check catches the randomInt(0, 9) bug (a generator that never yields 9)', () => {
    const buggy: RandomInt = (max) => randomInt(0, max - 1);
    const { missing, chiSquare } = digitStats(sample(6, buggy), 6);
    expect(missing).toEqual(Array.from({ length: 6 }, (_, position) => ({ position, digit: 9 })));
    for (const x of chiSquare) expect(x).toBeGreaterThan(CHI_SQUARE_LIMIT);
  });

  it('keeps all-zero codes at full length', () => {
    expect(generateCode(6, () => 0)).toBe('000000');
    expect(generateCode(10, () => 0)).toBe('0000000000');
  });

  it('refuses a random source that returns non-digits', () => {
    expect(() => generateCode(6, () => 10)).toThrow(RangeError);
    expect(() => generateCode(6, () => 0.5)).toThrow(RangeError);
  });
});
