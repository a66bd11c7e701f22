import type { Installation, SettingValues } from '../common/ipc/installation-contract.ts';
import { commonNameOf } from './certificates.ts';
import type { InstallFacts } from './install-facts.ts';
import type { LogLevel } from './log.ts';
import type { MachineConfig, Origin } from './machine-config.ts';
import { SETTINGS, type SettingKey } from './policy/settings-catalog.ts';
import { isBelow } from './versions.ts';

// The "About this installation" view (issue 17), built from what main applies: each setting's
// value in words and where it came from, each source's state, the log, updates.

export type UpdateView = Installation['updates'];

export interface InstallationFacts {
  version: string;
  platform: NodeJS.Platform;
  arch: string;
  install: InstallFacts;
  machine: MachineConfig;
  logFile: string;
  logLevel: LogLevel;
  updates: UpdateView;
}

/** What each setting is in effect, as data: the renderer words it (about-words.ts). */
function settingValues(m: MachineConfig): SettingValues {
  const u = m.updates;
  const n = m.network;
  return {
    connections: m.connections.map((c) => ({ name: c.name, url: c.url })),
    allowUserConnections: m.allowUserConnections,
    idleLockMinutes: m.idleLockMinutes ?? null,
    logLevel: m.logLevel ?? null,
    minimumVersion: m.minimumVersion ?? null,
    updateUrl: u?.url ?? null,
    updatePublisherName: u?.publisherName ?? null,
    updateChannel: u?.channel ?? null,
    updatePin: u?.pin ?? null,
    updateDeferDays: u?.deferDays ?? null,
    caBundleFile: n?.caBundleFile
      ? { file: n.caBundleFile, authorities: (n.authorities ?? []).map(commonNameOf) }
      : null,
    proxy: n?.proxy ?? null,
  };
}

/** The view the renderer shows: data and where it came from; the renderer words it. */
export function installationView(f: InstallationFacts): Installation {
  const m = f.machine;
  const failedClosed = !!m.problem;
  const origin = (key: SettingKey): Origin =>
    failedClosed ? 'default' : (m.policy?.origins[key] ?? 'default');
  return {
    version: f.version,
    platform: f.platform,
    arch: f.arch,
    install: { scope: f.install.scope, kind: f.install.kind, location: f.install.location },
    minimumVersion: m.minimumVersion
      ? { required: m.minimumVersion, blocked: isBelow(f.version, m.minimumVersion) }
      : null,
    problem: m.problem ?? null,
    sources: (m.policy?.sources ?? []).map((s) => ({
      origin: s.kind,
      location: s.location,
      state: s.state,
      problem: s.problem ?? null,
    })),
    settings: SETTINGS.map((s) => ({ key: s.key, origin: origin(s.key) })),
    values: settingValues(m),
    logs: { file: f.logFile, level: f.logLevel, levelOrigin: origin('logLevel') },
    updates: f.updates,
  };
}
