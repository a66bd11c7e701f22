/** A progress line on stderr, so stdout holds the report only. */
export const log = (message: string) => process.stderr.write(`[bench-search] ${message}\n`);

/** Milliseconds with the digits that matter: 2 decimals under 10, 1 under 100, none above. */
export const f2 = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));

/** Bytes as whole MiB. */
export const mib = (bytes: number) => `${(bytes / 1048576).toFixed(0)} MiB`;
