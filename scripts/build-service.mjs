// Compiles the account service (service/, the common/ it imports, and scripts/start.ts) to
// JavaScript in out/node for `node` to run: `tsc --build`, incremental, so a no-op when nothing
// changed. `npm install` runs it (prepare), and so do `npm run service`, `npm start` and the
// tests before they start anything: what runs is never older than the sources.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
let tsc;
try {
  tsc = createRequire(path.join(root, 'package.json')).resolve('typescript/bin/tsc');
} catch {
  // An install without devDependencies: the build from `npm install` is what there is.
  if (existsSync(path.join(root, 'out/node/service/cli.js'))) process.exit(0);
  console.error('The service is not built and TypeScript is not installed: run `npm install`.');
  process.exit(1);
}
const result = spawnSync(process.execPath, [tsc, '--build', 'tsconfig.service.json'], {
  cwd: root,
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
