import { IpcFailure } from '../../ipc/latchkey.ts';

/** The fields of the Products screen a refusal can name. */
export type ProductField = 'code' | 'name' | 'url' | 'displayOrder' | 'reason' | 'ticket';
const FIELDS: ReadonlySet<string> = new Set<ProductField>([
  'code',
  'name',
  'url',
  'displayOrder',
  'reason',
  'ticket',
]);

/** A refusal naming one of the screen's fields, its sentence without the field's name (`url: …`). */
export function fieldProblem(error: unknown): { field: ProductField; message: string } | null {
  if (!(error instanceof IpcFailure) || !error.field || !FIELDS.has(error.field)) return null;
  const prefix = `${error.field}: `;
  const message = error.message.startsWith(prefix)
    ? error.message.slice(prefix.length)
    : error.message;
  return { field: error.field as ProductField, message };
}

/** True when the product changed since the list was read (412): the list is read again. */
export const isStale = (error: unknown): boolean =>
  error instanceof IpcFailure && error.code === 'precondition_failed';
