import { buildService } from '../../scripts/service-process.ts';

/**
 * Before any test file: the service compiled from the sources as they are now, so the tests
 * that start it as it ships (`node out/node/service/cli.js`) never run a stale build.
 */
export default function setup(): void {
  buildService();
}
