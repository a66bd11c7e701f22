import { CONNECTIONS_NAME, NATIVE_NAMES, setAt } from './settings-catalog.ts';

// Windows policy (issue 17): the values the ADMX template (build/deploy/windows/Latchkey.admx) writes
// under HKLM\SOFTWARE\Policies\Latchkey\Console, as Group Policy or Intune's ADMX ingestion puts
// them there. Read with `reg query KEY /s` (HKLM\SOFTWARE\Policies is writable by administrators
// only, and is not redirected for 32/64-bit), whose output is parsed here.

export const POLICY_KEY = 'HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Latchkey\\Console';

/** One registry value as `reg query` prints it. */
export interface RegistryValue {
  name: string;
  type: string;
  /** REG_SZ/REG_EXPAND_SZ text; REG_DWORD/REG_QWORD a number; REG_MULTI_SZ a list. */
  data: string | number | string[];
}

/** `    Name    REG_TYPE    data`: four spaces around each field. */
const VALUE_LINE = /^ {4}(.+?) {4}(REG_[A-Z_]+)(?: {4}(.*))?$/;

function dataOf(type: string, text: string): RegistryValue['data'] {
  if (type === 'REG_DWORD' || type === 'REG_QWORD') return Number.parseInt(text, 16);
  // reg.exe shows the strings of a REG_MULTI_SZ joined by a literal `\0`.
  if (type === 'REG_MULTI_SZ') return text === '' ? [] : text.split('\\0').filter(Boolean);
  return text;
}

/** Keys and their values, in the order `reg query /s` lists them. */
export function parseRegQuery(output: string): Map<string, RegistryValue[]> {
  const keys = new Map<string, RegistryValue[]>();
  let current: RegistryValue[] | undefined;
  for (const line of output.split(/\r?\n/)) {
    if (/^HKEY_/i.test(line)) {
      current = [];
      keys.set(line.trim(), current);
      continue;
    }
    const match = VALUE_LINE.exec(line.trimEnd());
    if (!match || !current) continue;
    const [, name = '', type = '', text = ''] = match;
    // The key's unnamed default value is not a setting.
    if (name === '(Default)') continue;
    current.push({ name, type, data: dataOf(type, text) });
  }
  return keys;
}

/** A policy layer from the key's values (before the schema checks them), or the problems. */
export function layerOfRegistry(keys: Map<string, RegistryValue[]>): {
  layer: Record<string, unknown>;
  problems: string[];
} {
  const layer: Record<string, unknown> = {};
  const problems: string[] = [];
  const findKey = (name: string) =>
    [...keys.entries()].find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1];
  for (const value of findKey(POLICY_KEY) ?? []) {
    const known = NATIVE_NAMES.find((n) => n.name.toLowerCase() === value.name.toLowerCase());
    if (!known) {
      problems.push(`${value.name}: not a setting Latchkey knows`);
      continue;
    }
    // An optional text box left empty in Group Policy writes an empty value: not set.
    if (value.data === '' || (Array.isArray(value.data) && value.data.length === 0)) continue;
    // Group Policy writes booleans as DWORD 1 or 0.
    const data =
      known.kind === 'boolean' && (value.data === 0 || value.data === 1)
        ? value.data === 1
        : value.data;
    setAt(layer, known.path, data);
  }
  const connectionsKey = `${POLICY_KEY}\\${CONNECTIONS_NAME}`;
  const connections = findKey(connectionsKey);
  // The ADMX list writes one value per connection: its name, and the address as its data.
  if (connections) layer.connections = connections.map((v) => ({ name: v.name, url: v.data }));
  for (const key of keys.keys()) {
    const known = [POLICY_KEY, connectionsKey].some((k) => k.toLowerCase() === key.toLowerCase());
    if (!known) problems.push(`${key.slice(POLICY_KEY.length + 1)}: not a key Latchkey knows`);
  }
  return { layer, problems };
}

/** What running `reg.exe` answers. */
export interface CommandResult {
  code: number;
  stdout: string;
}
export type RunCommand = (command: string, args: string[]) => Promise<CommandResult>;

/** The absolute path of reg.exe (never whatever `reg` is first on PATH). */
export const regExe = (env: NodeJS.ProcessEnv = process.env) =>
  `${env.SystemRoot || 'C:\\Windows'}\\System32\\reg.exe`;

/** The policy key's output, or null when there is none (reg.exe exits 1: key not found). */
export async function queryPolicyKey(run: RunCommand, env: NodeJS.ProcessEnv = process.env) {
  const result = await run(regExe(env), ['query', POLICY_KEY, '/s']);
  if (result.code === 1) return null;
  if (result.code !== 0) throw new Error(`reg.exe answered ${result.code}`);
  return result.stdout;
}
