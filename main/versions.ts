// Release versions (`1.4.2`, `1.5.0-beta.1`) compared as semantic versions, for the minimum
// version and the pin IT sets (issue 17).

interface Parsed {
  core: [number, number, number];
  pre: string[];
}

function parse(version: string): Parsed | null {
  const match = /^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/.exec(
    version.trim(),
  );
  if (!match) return null;
  const [, major = '0', minor = '0', patch = '0', pre] = match;
  return { core: [Number(major), Number(minor), Number(patch)], pre: pre ? pre.split('.') : [] };
}

/** Prerelease parts: numbers below words, numbers by value; fewer parts first when equal so far. */
function comparePre(a: string[], b: string[]): number {
  if (a.length === 0 || b.length === 0) return b.length - a.length;
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x === undefined || y === undefined) return x === undefined ? -1 : 1;
    if (x === y) continue;
    const nx = /^\d+$/.test(x);
    const ny = /^\d+$/.test(y);
    if (nx && ny) return Number(x) - Number(y);
    if (nx !== ny) return nx ? -1 : 1;
    return x < y ? -1 : 1;
  }
  return 0;
}

/** Negative when `a` is older than `b`, 0 when equal, positive when newer; NaN when either is not a version. */
export function compareVersions(a: string, b: string): number {
  const x = parse(a);
  const y = parse(b);
  if (!x || !y) return Number.NaN;
  for (let i = 0; i < 3; i++) {
    const d = (x.core[i] ?? 0) - (y.core[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return Math.sign(comparePre(x.pre, y.pre));
}

/** True when `version` is older than `minimum` (a version that cannot be read is older too). */
export function isBelow(version: string, minimum: string): boolean {
  const order = compareVersions(version, minimum);
  return Number.isNaN(order) || order < 0;
}

/** True when `version` is within the pin (`1.4` matches 1.4.x, `1.4.2` only 1.4.2 and its prereleases). */
export function withinPin(version: string, pin: string): boolean {
  const parsed = parse(version);
  if (!parsed) return false;
  const wanted = pin.split('.').map(Number);
  return wanted.every((part, i) => parsed.core[i] === part);
}
