import { describe, expect, it } from 'vitest';
import { ConcurrencyLimit } from '../../service/concurrency-limit.ts';

/** A task that runs until the test finishes it, noting when it started. */
function heldTask(started: number[], id: number) {
  let finish!: (value: number) => void;
  let fail!: (error: Error) => void;
  const done = new Promise<number>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  return {
    task: () => {
      started.push(id);
      return done;
    },
    finish: () => finish(id),
    fail: () => fail(new Error(`task ${id} failed`)),
  };
}

const settled = () => new Promise((resolve) => setImmediate(resolve));

describe('the hashing concurrency limit (issue 18)', () => {
  it('runs at most `limit` tasks at once and starts the waiting ones in the order they came', async () => {
    const limit = new ConcurrencyLimit(2);
    const started: number[] = [];
    const tasks = Array.from({ length: 5 }, (_, i) => heldTask(started, i));
    const results = tasks.map((t) => limit.run(t.task));
    await settled();
    expect(started).toEqual([0, 1]);
    expect(limit.queued).toBe(3);

    tasks[1]?.finish();
    await settled();
    expect(started).toEqual([0, 1, 2]);
    tasks[0]?.finish();
    tasks[2]?.finish();
    await settled();
    expect(started).toEqual([0, 1, 2, 3, 4]);
    tasks[3]?.finish();
    tasks[4]?.finish();
    expect(await Promise.all(results)).toEqual([0, 1, 2, 3, 4]);
    expect(limit.queued).toBe(0);
  });

  it('passes a failure to its caller and gives the slot to the next task', async () => {
    const limit = new ConcurrencyLimit(1);
    const started: number[] = [];
    const first = heldTask(started, 1);
    const second = heldTask(started, 2);
    const failing = limit.run(first.task);
    const next = limit.run(second.task);
    first.fail();
    await expect(failing).rejects.toThrow('task 1 failed');
    await settled();
    expect(started).toEqual([1, 2]);
    second.finish();
    expect(await next).toBe(2);
  });

  it('refuses a limit below one', () => {
    expect(() => new ConcurrencyLimit(0)).toThrow(RangeError);
  });
});
