// `npm start` (SPEC §5): build, seed the demo, run the account service on 127.0.0.1:8787, and
// open the console with a "Local demo" connection to it. Where Electron cannot run, the service
// keeps running for the browser tests and the Log In page.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { ConfigError, loadConfig } from '../service/config.ts';
import { seedDemo } from '../service/demo.ts';
import { startService, type RunningService } from '../service/server.ts';
import { findElectronBinary } from './electron-binary.ts';

const DEMO_ADMIN = 'admin / observant falcon ledger 2026 (Demo Health exempts it from TOTP)';

function build(): void {
  // The package exports no bin path; its CLI sits next to its entry.
  const entry = createRequire(import.meta.url).resolve('electron-vite');
  const cli = path.join(path.dirname(entry), '..', 'bin', 'electron-vite.js');
  const result = spawnSync(process.execPath, [cli, 'build'], { stdio: 'inherit' });
  if (result.status !== 0) {
    console.error('npm start: the build failed (see above).');
    process.exit(result.status ?? 1);
  }
}

/** The machine-wide configuration the console reads: one managed connection to the demo. */
function writeConsoleConfig(dataDir: string, url: string): string {
  mkdirSync(dataDir, { recursive: true });
  const file = path.resolve(dataDir, 'console-config.json');
  const config = {
    connections: [{ name: 'Local demo', url, colour: '#0f766e' }],
    allowUserConnections: true,
  };
  writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`);
  return file;
}

function stopOnSignal(service: RunningService): void {
  const stop = () => void service.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

function launchConsole(service: RunningService, configFile: string): void {
  const stayUp = (why: string) =>
    console.log(
      `Latchkey: no Electron here (${why}), so the console window cannot open; the account service keeps running at ${service.url} for the browser tests and the Log In page (${service.url}/login). Press Ctrl+C to stop.`,
    );
  const electron = findElectronBinary();
  if (!electron.path) return stayUp(electron.reason ?? 'no binary');
  const env: NodeJS.ProcessEnv = { ...process.env, LATCHKEY_CONFIG: configFile };
  delete env.ELECTRON_RUN_AS_NODE;
  const child = spawn(electron.path, ['.'], { stdio: 'inherit', env });
  child.once('error', (error) => stayUp(`it could not be started: ${error.message}`));
  child.once('exit', (code) => {
    if (code === null) return;
    void service.close().then(() => process.exit(code));
  });
}

async function main(): Promise<void> {
  build();
  const config = loadConfig();
  const service = await startService(config);
  stopOnSignal(service);
  await seedDemo(service.ctx);
  const mail = config.smtpUrl ? `SMTP ${new URL(config.smtpUrl).host}` : `${config.dataDir}/outbox`;
  console.log(
    `Latchkey account service at ${service.url} (demo data in ${config.dataDir}, mail to ${mail}); console sign-in: ${DEMO_ADMIN}.`,
  );
  launchConsole(service, writeConsoleConfig(config.dataDir, service.url));
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) console.error(error.message);
  else if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE')
    console.error('npm start: the port is in use; stop the other service or set PORT.');
  else console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
