import type { Installation } from '../common/ipc/installation-contract.ts';
import { proxyWords } from './api-network.ts';
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

const PLATFORM_NAMES: Partial<Record<NodeJS.Platform, string>> = {
  win32: 'Windows',
  darwin: 'macOS',
  linux: 'Linux',
};

const none = (words: string) => (value: unknown) => (value === undefined ? words : null);

/** Each setting's value as the About view says it. */
function valueWords(key: SettingKey, m: MachineConfig): string {
  const u = m.updates;
  switch (key) {
    case 'connections':
      return m.connections.map((c) => `${c.name} (${c.url})`).join(', ') || 'none';
    case 'allowUserConnections':
      return m.allowUserConnections ? 'yes' : 'no';
    case 'idleLockMinutes':
      return (
        none('the organization’s own (15 minutes unless it says otherwise)')(m.idleLockMinutes) ??
        `${m.idleLockMinutes} minutes, or the organization’s if shorter`
      );
    case 'logLevel':
      return m.logLevel ?? 'info';
    case 'minimumVersion':
      return m.minimumVersion ?? 'none';
    case 'updateUrl':
      return u?.url ?? 'none: the console never looks for updates';
    case 'updatePublisherName':
      return u?.publisherName?.join('; ') ?? 'none';
    case 'updateChannel':
      return u?.channel ?? 'latest';
    case 'updatePin':
      return u?.pin ? `${u.pin}.x` : 'none';
    case 'updateDeferDays':
      return u?.deferDays ? `${u.deferDays} days after a release` : 'none';
    case 'caBundleFile': {
      const n = m.network;
      if (!n?.caBundleFile) return 'none: the operating system’s store only';
      const names = (n.authorities ?? []).map(commonNameOf).join(', ');
      return `${n.caBundleFile} (${names})`;
    }
    case 'proxy':
      return proxyWords(m.network?.proxy);
  }
}

/** The view the renderer shows; everything in it is display text. */
export function installationView(f: InstallationFacts): Installation {
  const m = f.machine;
  const failedClosed = !!m.problem;
  const origin = (key: SettingKey): Origin =>
    failedClosed ? 'default' : (m.policy?.origins[key] ?? 'default');
  return {
    version: f.version,
    platform: `${PLATFORM_NAMES[f.platform] ?? f.platform} (${f.arch})`,
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
    settings: SETTINGS.map((s) => ({
      key: s.key,
      label: s.label,
      value: valueWords(s.key, m),
      origin: origin(s.key),
    })),
    logs: { file: f.logFile, level: f.logLevel, levelOrigin: origin('logLevel') },
    updates: f.updates,
  };
}
