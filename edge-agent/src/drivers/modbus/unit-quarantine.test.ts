import { describe, expect, it } from 'vitest';
import { UnitQuarantine } from './unit-quarantine.js';

describe('unit quarantine', () => {
  it('quarantines a unit after N unanswered requests in a row, and only that unit', () => {
    let now = 1_000;
    const quarantine = new UnitQuarantine({ after: 3, firstMs: 100, maxMs: 350 }, () => now);
    quarantine.unanswered(2);
    quarantine.unanswered(2);
    expect(quarantine.check(2)).toBeUndefined();
    quarantine.unanswered(2);
    expect(quarantine.check(2)).toEqual({ unanswered: 3, retryInMs: 100 });
    expect(quarantine.check(1)).toBeUndefined();
    expect(quarantine.quarantined()).toEqual([2]);
    now += 60;
    expect(quarantine.check(2)).toEqual({ unanswered: 3, retryInMs: 40 });
  });

  it('probes once when the quarantine ends; a failed probe doubles it, up to the maximum', () => {
    let now = 0;
    const quarantine = new UnitQuarantine({ after: 2, firstMs: 100, maxMs: 350 }, () => now);
    quarantine.unanswered(5);
    quarantine.unanswered(5);
    const waits: number[] = [];
    for (let round = 0; round < 4; round++) {
      const { retryInMs } = quarantine.check(5)!;
      waits.push(retryInMs);
      now += retryInMs;
      expect(quarantine.check(5)).toBeUndefined(); // the probe may go out
      quarantine.unanswered(5);
    }
    expect(waits).toEqual([100, 200, 350, 350]);
  });

  it('any answer, an exception included, ends the quarantine and the count', () => {
    let now = 0;
    const quarantine = new UnitQuarantine({ after: 2, firstMs: 100, maxMs: 1000 }, () => now);
    quarantine.unanswered(7);
    quarantine.answered(7);
    quarantine.unanswered(7);
    expect(quarantine.check(7)).toBeUndefined(); // the count started over
    quarantine.unanswered(7);
    now += 100;
    quarantine.answered(7);
    quarantine.unanswered(7);
    expect(quarantine.check(7)).toBeUndefined(); // and so did the rounds
  });
});
