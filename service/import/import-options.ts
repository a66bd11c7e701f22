import type { AdminIdentity } from '../../common/api/auth.ts';

/** Where an import is, for a progress line: rows checked, then rows written. */
export interface ImportProgress {
  phase: 'checking' | 'writing';
  rows: number;
}

/** Progress is reported every this many rows (the caller throttles it in time). */
export const PROGRESS_EVERY = 1000;

/** How to import. */
export interface ImportOptions {
  /** `system`, or the acting administrator's account id, for the audit log. */
  actor?: string;
  /**
   * Create products the file names that the store lacks, instead of refusing those rows
   * (e.g. the benchmark generator's `ehr`, `pacs`, …). Off by default: a typo would become a product.
   */
  createMissingProducts?: boolean;
  /** Check the whole file and answer what the import would do, writing nothing. */
  dryRun?: boolean;
  /**
   * The administrator importing through the API: every organization the file names must be
   * one they hold import_accounts in (none is created), and the power rule holds for every
   * account updated. Without one (the CLI, on the server) organizations are created as needed.
   */
  admin?: AdminIdentity;
  /** Why, and the ticket, recorded with every account created or changed. */
  reason?: string;
  ticket?: string;
  onProgress?: (progress: ImportProgress) => void;
}
