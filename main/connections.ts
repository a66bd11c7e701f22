import { createHash, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { IpcFailure } from '../common/ipc/ipc-failure.ts';
import type { MachineConfig } from './machine-config.ts';
import { insecureUrl } from './insecure-url.ts';

export type { MachineConfig };

/** A connection profile as main keeps it: no session state, no secret. */
export interface ConnectionProfile {
  id: string;
  name: string;
  url: string;
  colour: string;
  /** From the machine-wide configuration file: the user cannot remove it. */
  managed: boolean;
}

const ProfileFields = z.object({
  name: z.string().trim().min(1).max(60),
  url: z.url({ protocol: /^https?$/ }),
  colour: z.string().regex(/^#[0-9a-f]{6}$/i),
});
const StoredProfileSchema = ProfileFields.extend({ id: z.string().min(1).max(100) });
type StoredProfile = z.infer<typeof StoredProfileSchema>;

/** A managed connection's id stays the same across runs, so its stored session still matches. */
const managedId = (p: { name: string; url: string }) =>
  `managed-${createHash('sha256').update(`${p.name}\n${p.url}`).digest('hex').slice(0, 16)}`;

/** The slice of electron-store the profiles use. */
export interface ProfileStore {
  get(key: 'connections'): unknown;
  set(key: 'connections', value: StoredProfile[]): void;
}

/** Connection profiles: the machine-wide ones first, then the user's own from electron-store. */
export class ConnectionProfiles {
  constructor(
    private readonly store: ProfileStore,
    readonly machine: MachineConfig,
    private readonly newId: () => string = randomUUID,
  ) {}

  list(): ConnectionProfile[] {
    const managed = this.machine.connections.map((c) => ({
      ...c,
      url: normalUrl(c.url),
      id: managedId(c),
      managed: true,
    }));
    if (!this.machine.allowUserConnections) return managed;
    return [...managed, ...this.stored().map((p) => ({ ...p, managed: false }))];
  }

  get(id: string): ConnectionProfile | undefined {
    return this.list().find((p) => p.id === id);
  }

  /** Adds the user's own connection, unless IT forbids it. */
  add(input: { name: string; url: string; colour: string }): ConnectionProfile {
    if (!this.machine.allowUserConnections)
      throw new IpcFailure('forbidden', 'Your organization does not allow adding connections.');
    if (insecureUrl(input.url))
      throw new IpcFailure(
        'bad_input',
        'Use an https:// address (http:// is only for a service on this computer).',
        'url',
      );
    const name = input.name.trim();
    if (this.list().some((p) => p.name.toLowerCase() === name.toLowerCase()))
      throw new IpcFailure('conflict', `There is already a connection named ${name}.`, 'name');
    const profile = { id: this.newId(), name, url: normalUrl(input.url), colour: input.colour };
    this.store.set('connections', [...this.stored(), profile]);
    return { ...profile, managed: false };
  }

  /** Removes the user's own connection; a managed one stays. */
  remove(id: string): boolean {
    if (this.machine.connections.some((c) => managedId(c) === id))
      throw new IpcFailure('forbidden', 'This connection is set by your organization.');
    const stored = this.stored();
    const rest = stored.filter((p) => p.id !== id);
    if (rest.length === stored.length) return false;
    this.store.set('connections', rest);
    return true;
  }

  private stored(): StoredProfile[] {
    const parsed = z.array(z.unknown()).safeParse(this.store.get('connections') ?? []);
    if (!parsed.success) return [];
    return parsed.data.flatMap((p) => {
      const profile = StoredProfileSchema.safeParse(p);
      return profile.success && !insecureUrl(profile.data.url) ? [profile.data] : [];
    });
  }
}

/** The service's base address without a trailing slash. */
const normalUrl = (url: string) => new URL(url).toString().replace(/\/+$/, '');
