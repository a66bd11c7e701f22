// Windows security descriptors in SDDL (what `(Get-Acl).Sddl` prints), read far enough to answer
// "who may change this folder or file?". SIDs and rights come out language-independent, unlike
// icacls' account names ("VORDEFINIERT\Administratoren").

/** One access-control entry. */
export interface Ace {
  allow: boolean;
  /** OI, CI, IO, ID, NP… */
  flags: string[];
  mask: number;
  /** A full SID (`S-1-5-32-545`); abbreviations are expanded. */
  sid: string;
}

export interface SecurityDescriptor {
  owner: string;
  dacl: Ace[];
}

/** The SDDL abbreviations of the SIDs that appear on file system objects. */
export const SID_ALIASES: Record<string, string> = {
  SY: 'S-1-5-18',
  BA: 'S-1-5-32-544',
  BU: 'S-1-5-32-545',
  BG: 'S-1-5-32-546',
  PU: 'S-1-5-32-547',
  AU: 'S-1-5-11',
  IU: 'S-1-5-4',
  WD: 'S-1-1-0',
  CO: 'S-1-3-0',
  CG: 'S-1-3-1',
  OW: 'S-1-3-4',
  LS: 'S-1-5-19',
  NS: 'S-1-5-20',
  AC: 'S-1-15-2-1',
};

/** The rights SDDL spells with letters, as bits of an access mask. */
const RIGHTS: Record<string, number> = {
  GA: 0x10000000,
  GR: 0x80000000,
  GW: 0x40000000,
  GX: 0x20000000,
  SD: 0x10000,
  RC: 0x20000,
  WD: 0x40000,
  WO: 0x80000,
  FA: 0x1f01ff,
  FR: 0x120089,
  FW: 0x120116,
  FX: 0x1200a0,
  CC: 0x1,
  DC: 0x2,
  LC: 0x4,
  SW: 0x8,
  RP: 0x10,
  WP: 0x20,
  DT: 0x40,
  LO: 0x80,
  CR: 0x100,
};

const sidOf = (text: string) => SID_ALIASES[text] ?? text;

function maskOf(rights: string): number {
  if (/^0x[0-9a-f]+$/i.test(rights)) return Number.parseInt(rights, 16);
  let mask = 0;
  for (let i = 0; i < rights.length; i += 2) {
    const bits = RIGHTS[rights.slice(i, i + 2)];
    if (bits === undefined) throw new Error(`unknown right ${rights.slice(i, i + 2)}`);
    mask |= bits;
  }
  return mask >>> 0;
}

const ACE = /\(([^;()]*);([^;()]*);([^;()]*);([^;()]*);([^;()]*);([^;()]*)\)/g;

/** Owner and DACL of an SDDL string; throws when it is not one. */
export function parseSddl(sddl: string): SecurityDescriptor {
  const owner = /(?:^|[^A-Z])O:([A-Z]{2}|S-1-[0-9-]+)/.exec(sddl)?.[1];
  const dacl = /D:([A-Z]*)((?:\([^)]*\))*)/.exec(sddl);
  if (!owner || !dacl) throw new Error('not a security descriptor');
  const aces = [...(dacl[2] ?? '').matchAll(ACE)].map((m) => ({
    allow: m[1] === 'A',
    flags: (m[2] ?? '').match(/.{2}/g) ?? [],
    mask: maskOf(m[3] ?? ''),
    sid: sidOf(m[6] ?? ''),
    type: m[1],
  }));
  // Only plain allow and deny entries are understood; anything else is not guessed at.
  const odd = aces.find((a) => a.type !== 'A' && a.type !== 'D');
  if (odd) throw new Error(`unexpected entry type ${odd.type}`);
  return { owner: sidOf(owner), dacl: aces.map(({ type: _type, ...ace }) => ace) };
}
