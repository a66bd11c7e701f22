/** Progress on stderr, so stdout holds the figures alone. */
export const log = (message: string) => process.stderr.write(`${message}\n`);
