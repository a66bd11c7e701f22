import type { z } from 'zod';
import type { ErrorCode } from '../../common/api/errors.ts';
import type { Product } from '../../common/api/products.ts';
import type { Product as ProductRow } from '../store/schema.ts';

/** How to create products when there are none: the import's error and the CLI say it. */
export const HOW_TO_ADD_PRODUCTS =
  'Add each product first: npm run service -- product add --code CODE --name NAME --url URL, or POST /api/v1/products as a super-administrator (the console’s Products screen); an import can also create the codes it names with --create-products.';

/** Why a product change was refused; `field` names the input at fault. */
export class ProductError extends Error {
  override readonly name = 'ProductError';
  constructor(
    readonly code: Extract<
      ErrorCode,
      | 'validation_failed'
      | 'not_found'
      | 'conflict'
      | 'precondition_failed'
      | 'precondition_required'
    >,
    message: string,
    readonly field?: string,
    /** The product as it is now, when the edit was made on an older version. */
    readonly current?: Product,
  ) {
    super(message);
  }
}

/** The first problem of a parse, as a refusal naming its field. */
function refusal(error: z.ZodError): ProductError {
  const issue = error.issues[0];
  const field =
    issue?.code === 'unrecognized_keys'
      ? (issue.keys[0] ?? 'input')
      : (issue?.path.map(String).join('.') ?? '') || 'input';
  const message = issue?.code === 'unrecognized_keys' ? 'no such field.' : issue?.message;
  return new ProductError('validation_failed', `${field}: ${message ?? 'not valid.'}`, field);
}

export function parse<T extends z.ZodType>(schema: T, input: unknown): z.infer<T> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw refusal(parsed.error);
  return parsed.data;
}

export function positionProblem(last: number): ProductError {
  return new ProductError(
    'validation_failed',
    `displayOrder: choose a position from 1 to ${last}.`,
    'displayOrder',
  );
}

export function nameTaken(rows: ProductRow[], name: string, except?: string): ProductError | null {
  const key = name.normalize('NFKC').toLowerCase();
  const other = rows.find((r) => r.id !== except && r.name.normalize('NFKC').toLowerCase() === key);
  if (!other) return null;
  return new ProductError(
    'conflict',
    `name: the product ${other.code} is already called ${other.name}; the pages would name two products alike.`,
    'name',
  );
}
