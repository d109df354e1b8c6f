import { describe, expect, it } from 'vitest';
import { liveViewLines, weightBar, type LiveViewFields } from '../../src/cli/live-view.js';

const baking: LiveViewFields = {
  step: 'step 3/4',
  phase: 'baking',
  bakeLeft: 'bake 42.5s left',
  canary: 50,
  longLived: { open: 20, wanted: 20, echoed: 14_230, drained: 20, broken: 0 },
  newConnections: { attempted: 1322, perStep: 1500, failed: 0, share: '50.1%', interval: '[47.3%, 52.9%]', split: 'testing' },
};

const width = (line: string): number => [...line].length;

describe('live view', () => {
  it('at 80 columns: every line fits, the bar shrinks, and the useful part survives (failed count, canary share, broken)', () => {
    const lines = liveViewLines(baking, 80);
    for (const line of lines) expect(width(line)).toBeLessThanOrEqual(79);
    expect(lines[0]).toMatch(/^step 3\/4 baking, bake 42.5s left {2}stable 50% ▕█+░+▏ canary 50%$/);
    expect(lines.join('\n')).toContain('new 1322/1500 (0 failed), canary 50.1%');
    expect(lines.join('\n')).toContain('0 broken');
  });

  it('at 120 columns: the full bar, and the counters on lines of their own only when they do not fit together', () => {
    const lines = liveViewLines(baking, 120);
    for (const line of lines) expect(width(line)).toBeLessThanOrEqual(119);
    expect(lines[0]).toContain(weightBar(50));
    expect(lines.join('\n')).toContain('[47.3%, 52.9%], split testing');
    expect(lines.join('\n')).toContain('14230 echoed');
  });

  it('drops the least useful fields first as the terminal narrows, never the failures', () => {
    const at60 = liveViewLines({ ...baking, newConnections: { ...baking.newConnections!, failed: 16 } }, 60).join('\n');
    expect(at60).not.toContain('[47.3%');
    expect(at60).toContain('16 failed');
    expect(at60).toContain('stable 50%');
    expect(at60).toContain('canary 50%');
    const at40 = liveViewLines(baking, 40);
    for (const line of at40) expect(width(line)).toBeLessThanOrEqual(39);
    expect(at40[0]).toBe('step 3/4 baking  stable 50 / canary 50');
  });

  it('in full for plain lines (no terminal width): one counters line as before', () => {
    const lines = liveViewLines(baking);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toBe('long-lived 20/20 open, 14230 echoed, 20 drained, 0 broken | new 1322/1500 (0 failed), canary 50.1% [47.3%, 52.9%], split testing');
  });
});
