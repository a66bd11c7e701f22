import { readFileSync, writeFileSync } from 'node:fs';
import { httpRunner, type ClientJob } from './http-client.ts';
import { measure } from './passes.ts';

// The HTTP modes' client process (http-client.ts starts it): argv job file in, results out.

async function main() {
  const [jobFile, resultFile] = process.argv.slice(2);
  if (!jobFile || !resultFile) throw new Error('usage: client-process.ts JOB.json RESULTS.json');
  const job = JSON.parse(readFileSync(jobFile, 'utf8')) as ClientJob;
  const client = httpRunner(job.port, job.token);
  try {
    writeFileSync(resultFile, JSON.stringify(await measure(job.label, client.run, job.queries)));
  } finally {
    client.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
