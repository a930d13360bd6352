import { describe, expect, it } from 'vitest';
import { RtuPacer } from './rtu-pacer.js';

/** The pacer on a clock the test moves: what it waits for is a value, not a race. */
function pacer(silenceMs: number) {
  const trace: string[] = [];
  let now = 1000;
  const paced = new RtuPacer(
    silenceMs,
    () => trace.push('discard'),
    () => now,
    async (ms) => {
      trace.push(`sleep ${ms}`);
      now += ms;
    },
  );
  return { paced, trace, advance: (ms: number) => (now += ms) };
}

describe('RTU pacer', () => {
  it('keeps t3.5 of silence between an answer and the next request, rounded up to whole ms', async () => {
    const { paced, trace, advance } = pacer(4.01);
    await paced.before(); // nothing was on the line yet
    paced.after();
    advance(1.5);
    await paced.before();
    expect(trace).toEqual(['discard', 'sleep 3', 'discard']);
  });

  it('does not wait when the line has been silent long enough', async () => {
    const { paced, trace, advance } = pacer(1.75);
    paced.after();
    advance(2);
    await paced.before();
    expect(trace).toEqual(['discard']);
  });

  it('discards stale input before every request, after the wait', async () => {
    const { paced, trace } = pacer(1.75);
    for (let i = 0; i < 3; i++) {
      await paced.before();
      paced.after();
    }
    expect(trace).toEqual(['discard', 'sleep 2', 'discard', 'sleep 2', 'discard']);
  });
});
