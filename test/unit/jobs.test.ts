import { env, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it, vi } from 'vitest';
import { Jobs, type JobHandler, type JobHandlers, type RetryPolicy } from '../../src/actor/jobs';

/**
 * The job kernel, on the storage of a real actor (a conversation nobody writes to, whose
 * migrations created the jobs table). The kinds are the test's own.
 */
interface TestKinds {
  work: { n: number };
  other: { text: string };
}

const RETRY: RetryPolicy = { maxAttempts: 4, backoff: { baseMs: 60_000, capMs: 3_600_000 }, permanent: (err) => err instanceof TypeError };

let counter = 0;
/** Runs `body` with a kernel on a fresh actor's storage. */
async function withJobs(body: (jobs: Jobs<TestKinds>, state: DurableObjectState) => Promise<void>): Promise<void> {
  const stub = env.CONVERSATIONS.get(env.CONVERSATIONS.idFromName(`jobs-test-${Date.now()}-${counter++}`));
  await runInDurableObject(stub, async (_instance, state) => {
    await body(new Jobs<TestKinds>(state.storage, { kind: 'test', id: state.id.toString() }), state);
    // Nothing of the test's may fire later as the conversation's own alarm.
    state.storage.sql.exec('DELETE FROM jobs');
    await state.storage.deleteAlarm();
  });
}

function handlers(work: JobHandler<TestKinds['work']>['run'], other: JobHandler<TestKinds['other']>['run'] = () => undefined): JobHandlers<TestKinds> {
  return { work: { run: work, retry: RETRY }, other: { run: other, retry: RETRY } };
}

const past = () => Date.now() - 1;

describe('the job kernel (actor/jobs.ts)', () => {
  it('enqueues a key once: the first payload and attempts stay, the due time only moves earlier', async () => {
    await withJobs(async (jobs) => {
      const now = Date.now();
      jobs.enqueue('work', 'w:1', now + 60_000, { n: 1 });
      jobs.enqueue('work', 'w:1', now + 120_000, { n: 2 });
      expect(jobs.list()).toMatchObject([{ key: 'w:1', kind: 'work', dueAt: now + 60_000, payload: { n: 1 }, attempts: 0 }]);
      jobs.enqueue('work', 'w:1', now + 30_000, { n: 3 });
      expect(jobs.list()).toMatchObject([{ key: 'w:1', dueAt: now + 30_000, payload: { n: 1 } }]);
    });
  });

  it('runs due jobs once and deletes them; jobs not yet due wait', async () => {
    await withJobs(async (jobs) => {
      const ran: number[] = [];
      jobs.enqueue('work', 'w:1', past(), { n: 1 });
      jobs.enqueue('work', 'w:2', Date.now() + 60_000, { n: 2 });
      await jobs.runDue(handlers(({ n }) => void ran.push(n)));
      await jobs.runDue(handlers(({ n }) => void ran.push(n)));
      expect(ran).toEqual([1]);
      expect(jobs.list().map((j) => j.key)).toEqual(['w:2']);
    });
  });

  it('retries a failing job with the backoff, doubling, and runs it once it succeeds', async () => {
    await withJobs(async (jobs, state) => {
      let calls = 0;
      const flaky = handlers(() => {
        calls++;
        if (calls < 3) throw new Error(`receiver down (${calls})`);
      });
      jobs.enqueue('work', 'w:1', past(), { n: 1 });
      const waits: number[] = [];
      for (let i = 0; i < 2; i++) {
        const before = Date.now();
        await jobs.runDue(flaky);
        const [job] = jobs.list();
        expect(job).toMatchObject({ attempts: i + 1, lastError: `Error: receiver down (${i + 1})` });
        waits.push(job!.dueAt - before);
        // Not due yet: another run leaves it alone.
        await jobs.runDue(flaky);
        expect(calls).toBe(i + 1);
        state.storage.sql.exec('UPDATE jobs SET due_at = ?', past()); // time passes
      }
      // 1 minute, then 2, each with at most 10 % jitter.
      expect(waits[0]).toBeGreaterThanOrEqual(60_000);
      expect(waits[0]).toBeLessThanOrEqual(66_000 + 1000);
      expect(waits[1]).toBeGreaterThanOrEqual(120_000);
      expect(waits[1]).toBeLessThanOrEqual(132_000 + 1000);
      await jobs.runDue(flaky);
      expect(calls).toBe(3);
      expect(jobs.list()).toEqual([]);
    });
  });

  it('drops a job after a permanent error, or after its last attempt', async () => {
    await withJobs(async (jobs, state) => {
      jobs.enqueue('work', 'permanent', past(), { n: 1 });
      await jobs.runDue(
        handlers(() => {
          throw new TypeError('refused for good');
        }),
      );
      expect(jobs.list()).toEqual([]);

      let calls = 0;
      jobs.enqueue('work', 'exhausted', past(), { n: 2 });
      for (let i = 0; i < RETRY.maxAttempts + 2; i++) {
        await jobs.runDue(
          handlers(() => {
            calls++;
            throw new Error('still down');
          }),
        );
        state.storage.sql.exec('UPDATE jobs SET due_at = ?', past()); // time passes
      }
      expect(calls).toBe(RETRY.maxAttempts);
      expect(jobs.list()).toEqual([]);
    });
  });

  it('logs a routine job only when it fails: a success would be a line per message', async () => {
    await withJobs(async (jobs) => {
      const lines: string[] = [];
      const spy = vi.spyOn(console, 'log').mockImplementation((line: unknown) => void lines.push(String(line)));
      try {
        let fail = false;
        const routine: JobHandlers<TestKinds> = {
          work: {
            run: () => {
              if (fail) throw new Error('inbox down');
            },
            retry: RETRY,
            routine: true,
          },
          other: { run: () => undefined, retry: RETRY },
        };
        jobs.enqueue('work', 'w:ok', past(), { n: 1 });
        jobs.enqueue('other', 'o:ok', past(), { text: 'logged' });
        await jobs.runDue(routine);
        fail = true;
        jobs.enqueue('work', 'w:fails', past(), { n: 2 });
        await jobs.runDue(routine);
      } finally {
        spy.mockRestore();
      }
      const logged = lines.map((l) => JSON.parse(l) as { job: string; outcome: string });
      expect(logged.map((l) => `${l.job} ${l.outcome}`)).toEqual(['other done', 'work retry']);
    });
  });

  it('a handler that throws does not stop the others', async () => {
    await withJobs(async (jobs) => {
      const ran: string[] = [];
      jobs.enqueue('work', 'a', past() - 2, { n: 1 });
      jobs.enqueue('other', 'b', past() - 1, { text: 'b' });
      jobs.enqueue('work', 'c', past(), { n: 3 });
      await jobs.runDue(
        handlers(
          ({ n }) => {
            if (n === 1) throw new Error('a fails');
            ran.push(`work ${n}`);
          },
          ({ text }) => void ran.push(`other ${text}`),
        ),
      );
      expect(ran).toEqual(['other b', 'work 3']);
      expect(jobs.list()).toMatchObject([{ key: 'a', attempts: 1 }]);
    });
  });

  it('runs a job again that was enqueued again while it ran, and one that asks to', async () => {
    await withJobs(async (jobs) => {
      let calls = 0;
      jobs.enqueue('work', 'w:1', past(), { n: 1 });
      await jobs.runDue(
        handlers(async () => {
          calls++;
          // As another request would, meanwhile: what it brought is not lost.
          jobs.enqueue('work', 'w:1', Date.now(), { n: 2 });
        }),
      );
      expect(calls).toBe(1);
      expect(jobs.list()).toMatchObject([{ key: 'w:1', attempts: 0 }]);
      expect(jobs.list()[0]!.dueAt).toBeLessThanOrEqual(Date.now());

      const later = Date.now() + 600_000;
      await jobs.runDue(handlers(() => ({ again: later })));
      expect(jobs.list()).toMatchObject([{ key: 'w:1', dueAt: later }]);
    });
  });

  it('arms the alarm at the earliest job, and deletes it when none is left', async () => {
    await withJobs(async (jobs, state) => {
      const now = Date.now();
      jobs.enqueue('work', 'late', now + 600_000, { n: 1 });
      jobs.enqueue('other', 'early', now + 300_000, { text: 'x' });
      jobs.enqueue('work', 'latest', now + 900_000, { n: 2 });
      await jobs.arm();
      expect(await state.storage.getAlarm()).toBe(now + 300_000);
      jobs.cancel('early');
      await jobs.arm();
      expect(await state.storage.getAlarm()).toBe(now + 600_000);
      jobs.cancel('la');
      await jobs.arm();
      expect(await state.storage.getAlarm()).toBeNull();
    });
  });

  it('arms asked for in one turn read the table once, after that turn’s enqueues', async () => {
    await withJobs(async (jobs, state) => {
      const now = Date.now();
      const reads = vi.spyOn(state.storage, 'getAlarm');
      jobs.enqueue('work', 'late', now + 600_000, { n: 1 });
      const first = jobs.arm();
      jobs.enqueue('other', 'early', now + 300_000, { text: 'x' });
      const second = jobs.arm();
      await Promise.all([first, second]);
      expect(reads).toHaveBeenCalledTimes(1);
      expect(await state.storage.getAlarm()).toBe(now + 300_000);
      // A later turn reads again.
      jobs.cancel('early');
      await jobs.arm();
      expect(await state.storage.getAlarm()).toBe(now + 600_000);
      reads.mockRestore();
    });
  });

  it('an overdue job sets the alarm to now, not to the past', async () => {
    await withJobs(async (jobs, state) => {
      const before = Date.now();
      jobs.enqueue('work', 'overdue', before - 3_600_000, { n: 1 });
      await jobs.arm();
      expect(await state.storage.getAlarm()).toBeGreaterThanOrEqual(before);
    });
  });
  it('never runs one job twice at a time: enqueued again while it runs, it runs once more after, and the alarm waits for it', async () => {
    await withJobs(async (jobs, state) => {
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let running = 0;
      let most = 0;
      let runs = 0;
      const work = handlers(async () => {
        runs += 1;
        running += 1;
        most = Math.max(most, running);
        if (runs === 1) await gate;
        running -= 1;
      });
      jobs.enqueue('work', 'w:1', past(), { n: 1 });
      const first = jobs.runDue(work);
      await Promise.resolve();
      jobs.enqueue('work', 'w:1', past(), { n: 1 });
      await jobs.runDue(work);
      // Only the running job is due: the alarm is not set for now, which would wake the actor over and over.
      await jobs.arm();
      expect((await state.storage.getAlarm())! - Date.now()).toBeGreaterThan(60_000);
      release();
      await first;
      await jobs.runDue(work);
      expect({ runs, most }).toEqual({ runs: 2, most: 1 });
      expect(jobs.list()).toEqual([]);
    });
  });
});
