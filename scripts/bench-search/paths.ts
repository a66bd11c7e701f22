import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** The repository's root (this folder is scripts/bench-search/). */
export const ROOT = path.resolve(HERE, '../..');
/** The LDAP peer benchmark (../shared/bench/ldap-peer, issue 3): its generator and scripts. */
export const PEER_DIR = path.resolve(ROOT, '../shared/bench/ldap-peer');
