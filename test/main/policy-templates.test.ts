import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DOMParser, type Element } from '@xmldom/xmldom';
import { build as buildPlist, parse as parsePlist } from 'plist';
import { describe, expect, it } from 'vitest';
import { LOG_LEVELS } from '../../main/log.ts';
import { layerOfPreferences, PREFERENCE_DOMAIN } from '../../main/policy/macos-policy.ts';
import {
  PolicyLayerSchema,
  PROXY_MODES,
  UPDATE_CHANNELS,
} from '../../main/policy/policy-schema.ts';
import { CONNECTIONS_NAME, NATIVE_NAMES } from '../../main/policy/settings-catalog.ts';
import { layerOfRegistry, parseRegQuery, POLICY_KEY } from '../../main/policy/windows-policy.ts';

// Issue 17: the templates IT deploys (build/deploy/windows/Latchkey.admx + en-US/Latchkey.adml,
// build/deploy/macos/Latchkey.mobileconfig) name exactly the settings the console reads, with the
// same allowed values; a registry written from the ADMX reads back as valid policy.

const DEPLOY = path.resolve(import.meta.dirname, '../../build/deploy');
const xml = (file: string) =>
  new DOMParser().parseFromString(readFileSync(path.join(DEPLOY, file), 'utf8'), 'text/xml');
const admx = xml('windows/Latchkey.admx');
const adml = xml('windows/en-US/Latchkey.adml');
const all = (doc: ReturnType<typeof xml> | Element, tag: string) =>
  Array.from(doc.getElementsByTagName(tag)) as Element[];
const policies = all(admx, 'policy');
const RELATIVE_KEY = POLICY_KEY.replace(/^HKEY_LOCAL_MACHINE\\/, '').toLowerCase();

/** Registry value names the ADMX writes, by policy. */
function valueNames(): string[] {
  return policies.flatMap((p) => [
    ...(p.getAttribute('valueName') ? [p.getAttribute('valueName') as string] : []),
    ...all(p, 'elements').flatMap((e) =>
      Array.from(e.childNodes)
        .filter((n): n is Element => n.nodeType === 1)
        .map((n) => n.getAttribute('valueName') ?? (n.tagName === 'list' ? CONNECTIONS_NAME : '')),
    ),
  ]);
}

const enumValues = (id: string) =>
  all(admx, 'enum')
    .find((e) => e.getAttribute('id') === id)
    ?.getElementsByTagName('string');

describe('the Windows templates (ADMX and ADML)', () => {
  it('write under HKLM\\Software\\Policies\\Latchkey\\Console, machine class only', () => {
    for (const p of policies) {
      expect(p.getAttribute('class')).toBe('Machine');
      expect(p.getAttribute('key')?.toLowerCase()).toBe(RELATIVE_KEY);
    }
    const list = all(admx, 'list')[0];
    expect(list?.getAttribute('key')?.toLowerCase()).toBe(`${RELATIVE_KEY}\\connections`);
    expect(list?.getAttribute('explicitValue')).toBe('true');
  });

  it('name every setting the console reads, and nothing else', () => {
    expect(valueNames().sort()).toEqual(
      [CONNECTIONS_NAME, ...NATIVE_NAMES.map((n) => n.name)].sort(),
    );
  });

  it('offer exactly the values the console accepts', () => {
    const texts = (id: string) => Array.from(enumValues(id) ?? []).map((s) => s.textContent);
    expect(texts('LogLevel')).toEqual([...LOG_LEVELS]);
    expect(texts('UpdateChannel')).toEqual([...UPDATE_CHANNELS]);
    expect(texts('ProxyMode')).toEqual([...PROXY_MODES]);
    const decimal = (id: string) => all(admx, 'decimal').find((d) => d.getAttribute('id') === id);
    expect([
      decimal('IdleLockMinutes')?.getAttribute('minValue'),
      decimal('IdleLockMinutes')?.getAttribute('maxValue'),
    ]).toEqual(['1', '240']);
    expect([
      decimal('UpdateDeferDays')?.getAttribute('minValue'),
      decimal('UpdateDeferDays')?.getAttribute('maxValue'),
    ]).toEqual(['0', '90']);
  });

  it('every string and presentation the ADMX refers to is in the ADML, and every box points at an element', () => {
    const text = readFileSync(path.join(DEPLOY, 'windows/Latchkey.admx'), 'utf8');
    const strings = new Set(all(adml, 'string').map((s) => s.getAttribute('id')));
    const presentations = new Map(all(adml, 'presentation').map((p) => [p.getAttribute('id'), p]));
    for (const [, id] of text.matchAll(/\$\(string\.([A-Za-z0-9_]+)\)/g))
      expect(strings, id).toContain(id);
    for (const p of policies) {
      const ref = /^\$\(presentation\.(.+)\)$/.exec(p.getAttribute('presentation') ?? '')?.[1];
      const ids = all(p, 'elements').flatMap((e) =>
        Array.from(e.childNodes)
          .filter((n): n is Element => n.nodeType === 1)
          .map((n) => n.getAttribute('id')),
      );
      if (!ref) {
        expect(ids, p.getAttribute('name') ?? '').toEqual([]);
        continue;
      }
      const boxes = Array.from(presentations.get(ref)?.childNodes ?? []).filter(
        (n): n is Element => n.nodeType === 1,
      );
      expect(boxes.map((b) => b.getAttribute('refId')).sort(), ref).toEqual(ids.sort());
    }
  });

  it('a registry filled in through every policy reads back as valid policy', () => {
    const lines = [
      POLICY_KEY,
      '    AllowUserConnections    REG_DWORD    0x1',
      '    IdleLockMinutes    REG_DWORD    0xf',
      '    LogLevel    REG_SZ    debug',
      '    MinimumVersion    REG_SZ    0.1.0',
      '    UpdateUrl    REG_SZ    https://updates.hospital.example/',
      '    UpdatePublisherName    REG_MULTI_SZ    CN=Latchkey Ltd, O=Latchkey Ltd, C=GB',
      '    UpdateChannel    REG_SZ    beta',
      '    UpdatePin    REG_SZ    0.1',
      '    UpdateDeferDays    REG_DWORD    0x0',
      '    CaBundleFile    REG_SZ    C:\\ProgramData\\Latchkey\\hospital-root.pem',
      // The Proxy policy enabled in PAC mode: its unused text boxes are written empty.
      '    ProxyMode    REG_SZ    pac_script',
      '    ProxyServer    REG_SZ    ',
      '    ProxyPacUrl    REG_SZ    http://wpad.hospital.example/wpad.dat',
      '    ProxyBypassList    REG_SZ    ',
      '',
      `${POLICY_KEY}\\Connections`,
      '    Production    REG_SZ    https://login.hospital.example',
    ];
    const { layer, problems } = layerOfRegistry(parseRegQuery(lines.join('\r\n')));
    expect(problems).toEqual([]);
    const parsed = PolicyLayerSchema.safeParse(layer);
    expect(parsed.error?.issues ?? []).toEqual([]);
    expect(parsed.data?.network?.proxy).toEqual({
      mode: 'pac_script',
      pacUrl: 'http://wpad.hospital.example/wpad.dat',
    });
  });
});

describe('the macOS configuration profile', () => {
  const profile = parsePlist(
    readFileSync(path.join(DEPLOY, 'macos/Latchkey.mobileconfig'), 'utf8'),
  ) as Record<string, unknown>;
  const payloads = profile.PayloadContent as Array<Record<string, unknown>>;

  it('is a device profile with one payload for the console’s preference domain', () => {
    expect(profile).toMatchObject({
      PayloadType: 'Configuration',
      PayloadScope: 'System',
      PayloadVersion: 1,
    });
    expect(payloads.map((p) => p.PayloadType)).toEqual([PREFERENCE_DOMAIN]);
    for (const uuid of [profile.PayloadUUID, payloads[0]?.PayloadUUID])
      expect(uuid).toMatch(/^[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/);
  });

  it('its settings, as macOS writes them to Managed Preferences, are valid policy', () => {
    const { layer, problems } = layerOfPreferences(buildPlist(payloads[0] as never));
    expect(problems).toEqual([]);
    const parsed = PolicyLayerSchema.safeParse(layer);
    expect(parsed.error?.issues ?? []).toEqual([]);
    expect(parsed.data?.connections?.map((c) => c.name)).toEqual(['Production', 'Training']);
  });
});
