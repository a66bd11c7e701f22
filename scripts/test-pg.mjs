// Runs the whole test suite against PostgreSQL: each test file gets a schema of its own.
import { spawnSync } from 'node:child_process';

const url = process.env.DATABASE_URL ?? 'postgres://127.0.0.1:5432/test';
if (!/^postgres(ql)?:\/\//.test(url)) {
  console.error(`test:pg: DATABASE_URL must be a postgres:// URL, not "${url}"`);
  process.exit(2);
}
const result = spawnSync('npx', ['vitest', 'run', ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, DATABASE_URL: url },
});
process.exit(result.status ?? 1);
