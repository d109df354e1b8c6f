import { describe, expect, it } from 'vitest';
import { openApiValidator } from '../../src/spec/crd-validator.js';
import { parseTCPShiftObject } from '../../src/spec/parse-tcpshift.js';
import { tcpshiftOpenApiSchema } from '../../src/spec/tcpshift-crd.js';
import { exampleObject, withChanges } from './examples.js';

const withSteps = (steps: unknown): unknown => withChanges(exampleObject('shift.yaml'), { 'spec.schedule.steps': steps });

function issuesOf(steps: unknown): { path: string; message: string }[] {
  const result = parseTCPShiftObject(withSteps(steps));
  return result.ok ? [] : result.issues;
}

describe('schedule gates', () => {
  it('resolves weights and gates apart: steps are the weights, each gate sits after the step before it', () => {
    const result = parseTCPShiftObject(withSteps([10, { pause: {} }, 50, { pause: { duration: '10m' } }, 100]));
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    expect(result.shift.spec.schedule.steps).toEqual([10, 50, 100]);
    expect(result.shift.spec.schedule.gates).toEqual([{ afterStep: 0 }, { afterStep: 1, durationMs: 600_000 }]);
  });

  it.each([
    [[{ pause: {} }, 10, 100], 'spec.schedule.steps[0]', /cannot come first/],
    [[10, { pause: {} }, { pause: {} }, 100], 'spec.schedule.steps[2]', /cannot follow another gate \(steps\[1\]\)/],
    [[10, 50, { pause: {} }], 'spec.schedule.steps[2]', /cannot come last/],
    [[10, { pause: {} }, 10], 'spec.schedule.steps[2]', /greater than steps\[0\] \(10\)/],
    [[10, { pause: { duration: 'soon' } }, 50], 'spec.schedule.steps[1].pause.duration', /must be a duration/],
    [[10, { pause: { duration: '2d' } }, 50], 'spec.schedule.steps[1].pause.duration', /must be a duration/],
    [[10, { pause: { duraton: '1m' } }, 50], 'spec.schedule.steps[1].pause.duraton', /unknown field \(allowed here: duration\)/],
    [[10, { wait: {} }, 50], 'spec.schedule.steps[1]', /canary weight \(an integer in 1\.\.100\) or a gate/],
    [[10, '20', 50], 'spec.schedule.steps[1]', /canary weight \(an integer in 1\.\.100\) or a gate/],
    [[0, 50], 'spec.schedule.steps[0]', /integer in 1\.\.100/],
  ])('refuses %j naming %s', (steps, path, message) => {
    const issues = issuesOf(steps);
    expect(issues.map((i) => i.path)).toContain(path);
    expect(issues.find((i) => i.path === path)?.message).toMatch(message);
  });

  it('the CRD keeps a schedule entry whole (weight or gate): the API server admits both, zod judges them', () => {
    const validate = openApiValidator(tcpshiftOpenApiSchema());
    expect(validate(withSteps([10, { pause: {} }, 50, { pause: { duration: '10m' } }, 100]))).toEqual([]);
    expect(validate(withSteps([]))).not.toEqual([]);
  });
});
