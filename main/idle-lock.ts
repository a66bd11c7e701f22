import { systemTimers, type Timers } from './timers.ts';

const MINUTE = 60_000;

/**
 * The idle lock (SPEC §3): each signed-in connection locks after its policy's minutes without
 * activity. Activity anywhere in the window restarts every countdown.
 */
export class IdleLock {
  private readonly armed = new Map<string, { ms: number; handle: unknown }>();

  constructor(
    private readonly onLock: (connectionId: string) => void,
    private readonly timers: Timers = systemTimers,
  ) {}

  /** Starts (or restarts) a connection's countdown: after sign-in and unlock. */
  arm(connectionId: string, minutes: number): void {
    this.disarm(connectionId);
    // The policy says 1–240 minutes; a broken answer still locks, within the hour.
    const ms = (Number.isFinite(minutes) ? Math.min(Math.max(minutes, 1), 240) : 60) * MINUTE;
    this.armed.set(connectionId, { ms, handle: this.schedule(connectionId, ms) });
  }

  /** Stops a connection's countdown: sign-out, expiry, removal. */
  disarm(connectionId: string): void {
    const entry = this.armed.get(connectionId);
    if (entry) this.timers.clearTimeout(entry.handle);
    this.armed.delete(connectionId);
  }

  /** The user did something: every countdown starts again. */
  activity(): void {
    for (const [connectionId, entry] of this.armed) {
      this.timers.clearTimeout(entry.handle);
      entry.handle = this.schedule(connectionId, entry.ms);
    }
  }

  /** Locks every armed connection now (menu "Lock", screen lock, suspend). */
  lockAll(): void {
    for (const connectionId of [...this.armed.keys()]) this.fire(connectionId);
  }

  dispose(): void {
    for (const connectionId of [...this.armed.keys()]) this.disarm(connectionId);
  }

  private schedule(connectionId: string, ms: number): unknown {
    return this.timers.setTimeout(() => this.fire(connectionId), ms);
  }

  private fire(connectionId: string): void {
    this.disarm(connectionId);
    this.onLock(connectionId);
  }
}
