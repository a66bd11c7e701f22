import type { Readiness as ReadinessReport } from '../common/api/health.ts';
import type { Clock } from './clock.ts';
import type { SearchIndexState } from './search/index.ts';
import type { Store } from './store/database.ts';
import { migrationState } from './store/migrate.ts';
import { describeOutage, storeOutageOf, type StoreOutage } from './store/store-errors.ts';
import { probeWrite } from './store/write-probe.ts';

type Report = ReadinessReport;
type Checks = Report['checks'];

export interface ReadinessSources {
  store: Pick<Store, 'db' | 'dialect' | 'schema'>;
  clock: Clock;
  search: { readonly indexState: SearchIndexState; readonly buildingSince: number | undefined };
  budgets: {
    /** READY_INDEX_BUILD: how long the search index may build before the process is not ready. */
    indexBuildMs: number;
    /** READY_MAIL_STALL: how long one pass of the mail dispatcher may run. */
    mailStallMs: number;
  };
}

/** The mail dispatcher as readiness sees it (MailDispatcher). */
export interface DispatcherHeartbeat {
  readonly busySince: number | undefined;
}

// Failures a rolled-back write cannot see (a disk that fills when a commit is flushed): the
// store stays "not ready" this long after a request last met one.
const REMEMBER_OUTAGE_MS = 30_000;
const UNSEEN_BY_PROBE = new Set<StoreOutage['kind']>(['full', 'disk_error', 'corrupt']);

const seconds = (ms: number) => `${Math.round(ms / 1000)} s`;

/**
 * GET /readyz: whether this process can serve now, and if not, why. Concurrent calls share one
 * round of checks, so a flood of probes costs one write probe at a time.
 */
export class Readiness {
  private dispatcher: DispatcherHeartbeat | undefined;
  private lastOutage: { outage: StoreOutage; at: number } | undefined;
  private running: Promise<Report> | undefined;

  constructor(private readonly sources: ReadinessSources) {}

  /** The dispatcher whose passes are watched (started after the app is built). */
  watchDispatcher(dispatcher: DispatcherHeartbeat): void {
    this.dispatcher = dispatcher;
  }

  /** A request met this store error (error-answers.ts answered it 503). */
  noteOutage(outage: StoreOutage): void {
    if (UNSEEN_BY_PROBE.has(outage.kind)) {
      this.lastOutage = { outage, at: this.sources.clock.now() };
    }
  }

  check(): Promise<Report> {
    this.running ??= this.checkNow().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async checkNow(): Promise<Report> {
    const [store, migrations] = await Promise.all([this.storeCheck(), this.migrationsCheck()]);
    const checks: Checks = {
      store,
      migrations,
      mailDispatcher: this.mailCheck(),
      searchIndex: this.searchCheck(),
    };
    const reasons = Object.values(checks).flatMap((c) => (c.ok ? [] : [c.reason ?? '']));
    return { status: reasons.length === 0 ? 'ready' : 'not_ready', reasons, checks };
  }

  private async storeCheck(): Promise<Checks['store']> {
    const outage = await probeWrite(this.sources.store);
    if (outage) return failedStore(outage, 'a test write failed');
    const last = this.lastOutage;
    const ago = last ? this.sources.clock.now() - last.at : Infinity;
    if (last && ago < REMEMBER_OUTAGE_MS) {
      return failedStore(last.outage, `a request's write failed ${seconds(ago)} ago`);
    }
    return { ok: true };
  }

  private async migrationsCheck(): Promise<Checks['migrations']> {
    try {
      const { pending, unknown } = await migrationState(this.sources.store);
      if (unknown.length > 0) {
        return {
          ok: false,
          pending,
          unknown,
          reason: `migrations: the database was written by a newer Latchkey (migration ${unknown.join(', ')} is unknown to this version); run the newer version on every process`,
        };
      }
      if (pending.length > 0) {
        return {
          ok: false,
          pending,
          unknown,
          reason: `migrations: ${pending.join(', ')} not yet run; restart this process (migrations run at start-up)`,
        };
      }
      return { ok: true, pending, unknown };
    } catch (error) {
      const outage = storeOutageOf(error);
      if (!outage) throw error;
      const reason = `migrations: cannot be read: ${describeOutage(outage)}`;
      return { ok: false, pending: [], unknown: [], reason };
    }
  }

  private mailCheck(): Checks['mailDispatcher'] {
    const since = this.dispatcher?.busySince;
    if (since === undefined) return { ok: true };
    const busyForMs = Math.max(0, this.sources.clock.now() - since);
    const budget = this.sources.budgets.mailStallMs;
    if (busyForMs <= budget) return { ok: true, busyForMs };
    return {
      ok: false,
      busyForMs,
      reason: `mail dispatcher: one pass has run for ${seconds(busyForMs)}, past its budget of ${seconds(budget)} (READY_MAIL_STALL); is the SMTP server answering?`,
    };
  }

  private searchCheck(): Checks['searchIndex'] {
    const { indexState: state, buildingSince } = this.sources.search;
    if (buildingSince === undefined) return { ok: true, state };
    const buildingForMs = Math.max(0, this.sources.clock.now() - buildingSince);
    const budget = this.sources.budgets.indexBuildMs;
    if (buildingForMs <= budget) return { ok: true, state, buildingForMs };
    return {
      ok: false,
      state,
      buildingForMs,
      reason: `search index: building for ${seconds(buildingForMs)}, past its budget of ${seconds(budget)} (READY_INDEX_BUILD); the store answers searches meanwhile`,
    };
  }
}

function failedStore(outage: StoreOutage, how: string): Checks['store'] {
  return { ok: false, code: outage.code, reason: `store: ${how}: ${describeOutage(outage)}` };
}
