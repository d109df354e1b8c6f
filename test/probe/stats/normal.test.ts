import { describe, expect, it } from 'vitest';
import { normalQuantile, twoSidedZ } from '../../../src/probe/stats/normal.js';

describe('normalQuantile', () => {
  it.each([
    [0.5, 0],
    [0.975, 1.959963985],
    [0.995, 2.575829304],
    [0.841344746, 1],
    [0.001, -3.090232306],
    [1e-9, -5.997807015],
  ])('Φ⁻¹(%s) = %s', (p, z) => {
    expect(normalQuantile(p)).toBeCloseTo(z, 6);
  });

  it('is antisymmetric around 0.5', () => {
    for (const p of [0.01, 0.2, 0.3, 0.49]) expect(normalQuantile(p)).toBeCloseTo(-normalQuantile(1 - p), 9);
  });

  it('rejects probabilities outside (0, 1)', () => {
    expect(() => normalQuantile(0)).toThrow(RangeError);
    expect(() => normalQuantile(1)).toThrow(RangeError);
    expect(() => normalQuantile(Number.NaN)).toThrow(RangeError);
  });

  it('gives the two-sided z of a confidence level', () => {
    expect(twoSidedZ(0.95)).toBeCloseTo(1.959964, 5);
    expect(twoSidedZ(0.99)).toBeCloseTo(2.575829, 5);
  });
});
