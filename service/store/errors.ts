/**
 * Whether `error` is the store refusing a second row with the same `table.column` under a
 * unique constraint declared on that column (PostgreSQL names it `<table>_<column>_key`).
 */
export function isUniqueViolation(error: unknown, table: string, column: string): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, constraint, message } = error as Record<string, unknown>;
  if (code === '23505') return constraint === `${table}_${column}_key`;
  return (
    code === 'SQLITE_CONSTRAINT_UNIQUE' &&
    typeof message === 'string' &&
    message.includes(`${table}.${column}`)
  );
}
