import type { SettingKey } from '../../common/ipc/installation-contract.ts';
import type { PolicyLayer } from './policy-schema.ts';

// Every setting IT can manage, once: where it sits in the JSON file, its name in Windows policy
// (a value under HKLM\SOFTWARE\Policies\Latchkey\Console) and in the macOS profile (a key of the
// org.latchkey.console payload). Precedence is decided per setting: machine policy, then the
// JSON file, then the user's own settings. The About view words each one (about-words.ts).

export type { SettingKey };

export interface Setting {
  key: SettingKey;
  /** Where it sits in a policy layer (the JSON file's shape). */
  path: readonly string[];
}

export const SETTINGS: readonly Setting[] = [
  { key: 'connections', path: ['connections'] },
  {
    key: 'allowUserConnections',
    path: ['allowUserConnections'],
  },
  { key: 'idleLockMinutes', path: ['idleLockMinutes'] },
  { key: 'logLevel', path: ['logLevel'] },
  { key: 'minimumVersion', path: ['minimumVersion'] },
  { key: 'updateUrl', path: ['updates', 'url'] },
  {
    key: 'updatePublisherName',
    path: ['updates', 'publisherName'],
  },
  { key: 'updateChannel', path: ['updates', 'channel'] },
  { key: 'updatePin', path: ['updates', 'pin'] },
  { key: 'updateDeferDays', path: ['updates', 'deferDays'] },
  {
    key: 'caBundleFile',
    path: ['network', 'caBundleFile'],
  },
  { key: 'proxy', path: ['network', 'proxy'] },
];

/** How a native value is read: a registry type or a profile's plist type. */
export type NativeKind = 'boolean' | 'number' | 'string' | 'strings';

/** A value's name in Windows policy and the macOS profile (the same name in both). */
export interface NativeName {
  name: string;
  path: readonly string[];
  kind: NativeKind;
}

/** The scalar settings by their native names; `Connections` is a list of its own (see readers). */
export const NATIVE_NAMES: readonly NativeName[] = [
  { name: 'AllowUserConnections', path: ['allowUserConnections'], kind: 'boolean' },
  { name: 'IdleLockMinutes', path: ['idleLockMinutes'], kind: 'number' },
  { name: 'LogLevel', path: ['logLevel'], kind: 'string' },
  { name: 'MinimumVersion', path: ['minimumVersion'], kind: 'string' },
  { name: 'UpdateUrl', path: ['updates', 'url'], kind: 'string' },
  { name: 'UpdatePublisherName', path: ['updates', 'publisherName'], kind: 'strings' },
  { name: 'UpdateChannel', path: ['updates', 'channel'], kind: 'string' },
  { name: 'UpdatePin', path: ['updates', 'pin'], kind: 'string' },
  { name: 'UpdateDeferDays', path: ['updates', 'deferDays'], kind: 'number' },
  { name: 'CaBundleFile', path: ['network', 'caBundleFile'], kind: 'string' },
  { name: 'ProxyMode', path: ['network', 'proxy', 'mode'], kind: 'string' },
  { name: 'ProxyServer', path: ['network', 'proxy', 'server'], kind: 'string' },
  { name: 'ProxyPacUrl', path: ['network', 'proxy', 'pacUrl'], kind: 'string' },
  { name: 'ProxyBypassList', path: ['network', 'proxy', 'bypassList'], kind: 'string' },
];
export const CONNECTIONS_NAME = 'Connections';

type Tree = Record<string, unknown>;

/** The value at `path` of a layer, or undefined. */
export function valueAt(layer: PolicyLayer, path: readonly string[]): unknown {
  let node: unknown = layer;
  for (const key of path) node = node && typeof node === 'object' ? (node as Tree)[key] : undefined;
  return node;
}

/** Sets the value at `path`, making the objects on the way. */
export function setAt(tree: Tree, path: readonly string[], value: unknown): void {
  const last = path.at(-1);
  if (last === undefined) return;
  let node = tree;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    node = (next && typeof next === 'object' ? next : (node[key] = {})) as Tree;
  }
  node[last] = value;
}

/** An issue's path by the native name (`ProxyMode`, `Connections[1].url`). */
export function nativeNameOf(issuePath: readonly PropertyKey[]): string {
  const keys = issuePath.map(String);
  if (keys[0] === 'connections')
    return `${CONNECTIONS_NAME}${typeof issuePath[1] === 'number' ? `[${issuePath[1]}]` : ''}${keys[2] ? `.${keys[2]}` : ''}`;
  const exact = NATIVE_NAMES.find((n) => n.path.join('.') === keys.join('.'));
  if (exact) return exact.name;
  const within = NATIVE_NAMES.find((n) => n.path.join('.').startsWith(keys.join('.')));
  return within?.name ?? keys.join('.');
}
