import { realpathSync, statSync, type Stats } from 'node:fs';
import path from 'node:path';
import { parseSddl, type SecurityDescriptor } from './sddl.ts';

// A managed file counts only if no one but an administrator can change it (issue 17): otherwise
// a standard user could create the configuration folder first, or edit it, and point updates or
// connections elsewhere. A refused file's settings are not applied, and the words say how to fix
// the permissions.

/** Why a path may be changed by someone who is not an administrator, with the fix; or null. */
export type TrustProblem = string | null;

export interface PosixTrust {
  /** Owners that count as administrators: root (and, in a development build, the developer). */
  uids: number[];
  /** Groups whose write access is fine: root/wheel, and admin on macOS. */
  gids: number[];
  platform: NodeJS.Platform;
  stat?: (file: string) => Stats;
  realpath?: (file: string) => string;
}

const octal = (mode: number) => (mode & 0o7777).toString(8).padStart(4, '0');

/** Every folder from `file`'s up to the root, then the file itself. */
function chain(file: string): string[] {
  const dirs: string[] = [];
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    dirs.unshift(dir);
    if (path.dirname(dir) === dir) break;
  }
  return [...dirs, file];
}

function posixFix(file: string, platform: NodeJS.Platform): string {
  const group = platform === 'darwin' ? 'wheel' : 'root';
  const dir = path.dirname(file);
  return `sudo chown root:${group} '${dir}' '${file}' && sudo chmod 755 '${dir}' && sudo chmod 644 '${file}'`;
}

/**
 * POSIX: the file and every folder above it belong to a trusted owner, and no one else may write
 * them, except a sticky folder of root's (like /tmp), where others cannot rename what is not theirs.
 */
export function posixTrustProblem(file: string, trust: PosixTrust): TrustProblem {
  const stat = trust.stat ?? statSync;
  const real = (trust.realpath ?? realpathSync)(file);
  for (const item of chain(real)) {
    const s = stat(item);
    const what = item === real ? 'The file' : 'The folder';
    const writable =
      (s.mode & 0o002) !== 0 || ((s.mode & 0o020) !== 0 && !trust.gids.includes(s.gid));
    const sticky = (s.mode & 0o1000) !== 0 && s.isDirectory() && s.uid === 0;
    let why: string | null = null;
    if (!trust.uids.includes(s.uid)) why = `belongs to user id ${s.uid}, not root`;
    else if (writable && !(sticky && item !== real))
      why = `can be changed by others (mode ${octal(s.mode)}, group id ${s.gid})`;
    if (why)
      return `${what} ${item} ${why}, so a user who is not an administrator could change ${real}. Latchkey ignores it until an administrator runs: ${posixFix(real, trust.platform)}`;
  }
  return null;
}

/** SIDs that may hold write rights: SYSTEM, Administrators, TrustedInstaller. */
const WINDOWS_ADMINS = new Set([
  'S-1-5-18',
  'S-1-5-32-544',
  'S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464',
]);
/** Rights that let someone replace content or permissions (not attributes or extended attributes). */
const WRITE_RIGHTS = 0x2 | 0x4 | 0x40 | 0x10000 | 0x40000 | 0x80000 | 0x10000000 | 0x40000000;
/** Creator Owner and Owner Rights stand for the owner, which is checked on its own. */
const OWNER_STANDINS = new Set(['S-1-3-0', 'S-1-3-4']);

/** The first principal other than an administrator that may change the object, or null. */
export function untrustedWriter(sd: SecurityDescriptor): string | null {
  if (!WINDOWS_ADMINS.has(sd.owner)) return `its owner ${sd.owner}`;
  for (const ace of sd.dacl) {
    // Inherit-only entries are for what gets created inside, not for the object itself.
    if (!ace.allow || ace.flags.includes('IO') || (ace.mask & WRITE_RIGHTS) === 0) continue;
    if (WINDOWS_ADMINS.has(ace.sid) || OWNER_STANDINS.has(ace.sid)) continue;
    return ace.sid;
  }
  return null;
}

/** Well-known groups by name, so IT recognises them in the words. */
const GROUP_NAMES: Record<string, string> = {
  'S-1-5-32-545': 'Users',
  'S-1-5-11': 'Authenticated Users',
  'S-1-1-0': 'Everyone',
  'S-1-5-4': 'Interactive users',
  'S-1-5-32-546': 'Guests',
};
const principalWords = (sid: string) => (GROUP_NAMES[sid] ? `${GROUP_NAMES[sid]} (${sid})` : sid);

export function windowsFix(file: string): string {
  const dir = path.win32.dirname(file);
  return [
    `icacls "${dir}" /inheritance:r /grant:r *S-1-5-18:(OI)(CI)F *S-1-5-32-544:(OI)(CI)F *S-1-5-32-545:(OI)(CI)RX`,
    `icacls "${dir}" /setowner *S-1-5-32-544 /T`,
  ].join(' && ');
}

/** Runs PowerShell with the path in the environment (never in the command text). */
export type SddlReader = (file: string) => Promise<string>;

/** Windows: the folder and the file, each owned by an administrator and writable by none other. */
export async function windowsTrustProblem(
  file: string,
  readSddl: SddlReader,
): Promise<TrustProblem> {
  for (const item of [path.win32.dirname(file), file]) {
    let writer: string | null;
    try {
      writer = untrustedWriter(parseSddl(await readSddl(item)));
    } catch (error) {
      writer = `unknown (its permissions could not be read: ${(error as Error).message})`;
    }
    if (writer)
      return `${item} can be changed by ${principalWords(writer)}, who is not an administrator, so Latchkey ignores ${file}. Fix it in an administrator's command prompt: ${windowsFix(file)}`;
  }
  return null;
}
