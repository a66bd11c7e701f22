import { parse as parsePlist } from 'plist';
import { CONNECTIONS_NAME, NATIVE_NAMES, setAt } from './settings-catalog.ts';

// macOS managed preferences (issue 17): a configuration profile (build/deploy/macos/Latchkey.mobileconfig,
// deployed by Jamf, Intune or any MDM) with a payload of type org.latchkey.console makes macOS
// write /Library/Managed Preferences/org.latchkey.console.plist, owned by root. Such plists are
// often binary: `plutil` turns them into XML, which the `plist` package reads.

export const PREFERENCE_DOMAIN = 'org.latchkey.console';
export const MANAGED_PLIST = `/Library/Managed Preferences/${PREFERENCE_DOMAIN}.plist`;
/** Keys an MDM may add to every payload's preferences; not settings. */
const PAYLOAD_KEY = /^Payload[A-Z]|^PayloadVersion$/;

/** The plist as XML text: as is, or converted from binary by `plutil`. */
export async function plistXml(
  bytes: Buffer,
  file: string,
  toXml: (file: string) => Promise<string>,
): Promise<string> {
  if (bytes.subarray(0, 8).toString('latin1') === 'bplist00') return toXml(file);
  return bytes.toString('utf8');
}

/** A connection of the profile: `{ Name, URL, Colour }`. */
function connectionOf(entry: unknown, i: number, problems: string[]): unknown {
  if (!entry || typeof entry !== 'object' || Array.isArray(entry)) return entry;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(entry)) {
    const field = ({ Name: 'name', URL: 'url', Colour: 'colour' } as Record<string, string>)[key];
    if (field) out[field] = value;
    else problems.push(`${CONNECTIONS_NAME}[${i}].${key}: not a setting Latchkey knows`);
  }
  return out;
}

/** A policy layer from the managed preferences (before the schema checks them), or the problems. */
export function layerOfPreferences(xml: string): {
  layer: Record<string, unknown>;
  problems: string[];
} {
  const root = parsePlist(xml) as unknown;
  if (!root || typeof root !== 'object' || Array.isArray(root))
    return { layer: {}, problems: ['(the whole file): not a dictionary of settings'] };
  const layer: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [key, value] of Object.entries(root)) {
    if (PAYLOAD_KEY.test(key)) continue;
    if (key === CONNECTIONS_NAME) {
      layer.connections = Array.isArray(value)
        ? value.map((entry, i) => connectionOf(entry, i, problems))
        : value;
      continue;
    }
    const known = NATIVE_NAMES.find((n) => n.name === key);
    if (known) setAt(layer, known.path, value);
    else problems.push(`${key}: not a setting Latchkey knows`);
  }
  return { layer, problems };
}
