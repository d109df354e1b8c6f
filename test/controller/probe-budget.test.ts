// The controller-wide probe budget: shifts that have not started queue in arrival order until
// their connections fit; a shift under way always gets its probes; freed connections wake the queue.
import { describe, expect, it } from 'vitest';
import { budgetWaitMessage, ProbeBudget } from '../../src/controller/index.js';
import { probeCost } from '../../src/controller/probe-budget.js';
import { shiftFor } from '../support/shift-fixtures.js';

describe('ProbeBudget', () => {
  it('admits while the cost fits, then queues in arrival order and wakes the queue when connections free', () => {
    const woken: string[] = [];
    const budget = new ProbeBudget(100, (key) => woken.push(key));
    expect(budget.admit('a/one', 60)).toBeUndefined();
    expect(budget.admit('a/two', 50)).toEqual({ needed: 50, inUse: 60, capacity: 100, ahead: 0 });
    // A small shift behind a waiting one waits too (no starvation of large shifts).
    expect(budget.admit('b/three', 10)).toEqual({ needed: 10, inUse: 60, capacity: 100, ahead: 1 });
    expect(budget.waiting).toBe(2);
    budget.release('a/one');
    expect(woken).toEqual(['a/two', 'b/three']);
    expect(budget.admit('a/two', 50)).toBeUndefined();
    expect(budget.admit('b/three', 10)).toBeUndefined();
    expect(budget.inUse).toBe(60);
    expect(budget.admit('a/two', 50)).toBeUndefined(); // admitted once, idempotent
  });

  it('a shift costing more than the whole budget runs alone rather than never', () => {
    const budget = new ProbeBudget(10, () => undefined);
    expect(budget.admit('big', 40)).toBeUndefined();
    expect(budget.admit('small', 1)).toMatchObject({ ahead: 0, inUse: 40 });
    budget.release('big');
    expect(budget.admit('small', 1)).toBeUndefined();
  });

  it('a shift under way takes its probes back over the budget; a shift that leaves the queue unblocks it', () => {
    const budget = new ProbeBudget(10, () => undefined);
    budget.hold('resumed', 30);
    expect(budget.inUse).toBe(30);
    expect(budget.admit('first', 5)).toMatchObject({ ahead: 0 });
    expect(budget.admit('second', 5)).toMatchObject({ ahead: 1 });
    budget.release('first'); // it waits for something else now (its route is missing)
    budget.release('resumed');
    expect(budget.admit('second', 5)).toBeUndefined();
    budget.clear();
    expect([budget.inUse, budget.waiting]).toEqual([0, 0]);
  });

  it('says what the shift waits for', () => {
    expect(budgetWaitMessage({ needed: 40, inUse: 990, capacity: 1000, ahead: 2 })).toBe(
      "waiting for probe connections: needs 40 of the controller's 1000 (--probe-budget-connections), 2 shifts ahead in the queue; nothing written yet",
    );
  });

  it('a shift costs its long-lived connections plus its sampling concurrency (one with light probes)', () => {
    const spec = shiftFor({ 'spec.probe.longLived.connections': 30, 'spec.probe.newConnections.concurrency': 12 }).spec;
    expect(probeCost('full', spec)).toBe(42);
    expect(probeCost('light', spec)).toBe(1);
  });
});
