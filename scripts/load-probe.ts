import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay, performance, type EventLoopUtilization } from 'node:perf_hooks';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../service/store/schema.ts';

/**
 * What a process went through while a load ran: its event loop's delay past the timer's
 * interval (ms) and busy share; CPU time (ms) of its main thread, of the whole process (hash
 * threads too) and of the PostgreSQL backends serving it; and the time its main thread was
 * ready to run but waited for a core. What /proc cannot tell (not Linux, a remote database) is
 * undefined.
 */
export interface LoadReport {
  p50: number;
  p99: number;
  max: number;
  utilization: number;
  mainCpuMs: number | undefined;
  mainWaitMs: number | undefined;
  processCpuMs: number;
  postgresCpuMs: number | undefined;
}

/** The timer interval the delay is sampled at; what it adds to every sample is taken off. */
const RESOLUTION_MS = 5;

/** The main thread's run and wait time (ns), where /proc has them. */
function mainThreadTimes(): { run: number; wait: number } | undefined {
  try {
    const [run, wait] = readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8')
      .split(' ')
      .map(Number);
    return run === undefined || wait === undefined ? undefined : { run, wait };
  } catch {
    return undefined;
  }
}

/** CPU ms of each PostgreSQL backend whose application_name is `name`, where /proc has them. */
async function backendCpu(db: Kysely<Database>, name: string): Promise<Map<number, number>> {
  const { rows } = await sql<{ pid: number }>`
    select pid from pg_stat_activity where application_name = ${name}`.execute(db);
  const cpu = new Map<number, number>();
  for (const { pid } of rows) {
    try {
      // Fields 14 and 15 (utime, stime) in clock ticks of 10 ms, after the parenthesized name.
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
      cpu.set(pid, (Number(fields[11]) + Number(fields[12])) * 10);
    } catch {
      // Not on this machine, or gone.
    }
  }
  return cpu;
}

/** Measures this process (and its PostgreSQL backends, named by `postgres`) from start to stop. */
export class LoadProbe {
  private readonly delay = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  private busy: EventLoopUtilization | undefined;
  private thread: ReturnType<typeof mainThreadTimes>;
  private cpu: NodeJS.CpuUsage | undefined;
  private backends = new Map<number, number>();

  constructor(private readonly postgres?: { db: Kysely<Database>; applicationName: string }) {}

  async start(): Promise<void> {
    if (this.postgres)
      this.backends = await backendCpu(this.postgres.db, this.postgres.applicationName);
    this.delay.reset();
    this.delay.enable();
    this.busy = performance.eventLoopUtilization();
    this.thread = mainThreadTimes();
    this.cpu = process.cpuUsage();
  }

  async stop(): Promise<LoadReport> {
    this.delay.disable();
    const thread = mainThreadTimes();
    const cpu = process.cpuUsage(this.cpu);
    const utilization = performance.eventLoopUtilization(this.busy).utilization;
    const ms = (ns: number) => Math.max(0, ns / 1e6 - RESOLUTION_MS);
    const now = this.postgres
      ? await backendCpu(this.postgres.db, this.postgres.applicationName)
      : new Map<number, number>();
    // A backend opened during the load counts from zero.
    const used = [...now].map(([pid, ms]) => ms - (this.backends.get(pid) ?? 0));
    return {
      p50: ms(this.delay.percentile(50)),
      p99: ms(this.delay.percentile(99)),
      max: ms(this.delay.max),
      utilization,
      mainCpuMs: thread && this.thread ? (thread.run - this.thread.run) / 1e6 : undefined,
      mainWaitMs: thread && this.thread ? (thread.wait - this.thread.wait) / 1e6 : undefined,
      processCpuMs: (cpu.user + cpu.system) / 1000,
      postgresCpuMs: used.length ? used.reduce((a, b) => a + b, 0) : undefined,
    };
  }
}
