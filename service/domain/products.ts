import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { AdminIdentity } from '../../common/api/auth.ts';
import { ifMatchNames } from '../../common/api/etags.ts';
import {
  NewProductSchema,
  ProductFieldsSchema,
  type NewProduct,
  type Product,
  type ProductFields,
} from '../../common/api/products.ts';
import type { ServiceContext } from '../context.ts';
import type { Db, Product as ProductRow } from '../store/schema.ts';
import { newId } from '../ids.ts';
import { recordAudit } from './audit.ts';
import { nameTaken, parse, positionProblem, ProductError } from './product-checks.ts';

export type { Product };

/** Who changes products, from where, and why: what the audit event records. */
export interface ProductActor {
  /** The administrator's account id, or `system` for the command line. */
  actor: string;
  ip: string | null;
  reason?: string;
  ticket?: string | undefined;
  via?: 'cli';
}

/** Adding and changing products is a super-administrator's (issue 14); reading them is anyone's. */
export const mayManageProducts = (admin: AdminIdentity): boolean => admin.superAdmin;

type Writer = Pick<ServiceContext, 'db' | 'clock' | 'dialect'>;

/** Any constant: the advisory lock that orders product writes on PostgreSQL (SQLite's BEGIN IMMEDIATE does it there). */
const PRODUCTS_LOCK = 7_461_748;

/** The ETag of a product: a hash of what an edit can change. */
export function productEtag(row: Pick<ProductRow, 'name' | 'url' | 'display_order'>): string {
  const text = JSON.stringify([row.name, row.url, row.display_order]);
  return `"pr-${createHash('sha256').update(text).digest('hex').slice(0, 32)}"`;
}

const toProduct = (row: ProductRow): Product => ({
  code: row.code,
  name: row.name,
  url: row.url,
  displayOrder: row.display_order,
  etag: productEtag(row),
});

/** Display order, then name: sorted here, since SQLite and PostgreSQL collate case differently. */
export function byDisplayOrder<T extends { name: string; display_order: number }>(a: T, b: T) {
  return (
    a.display_order - b.display_order || a.name.localeCompare(b.name, 'en', { sensitivity: 'base' })
  );
}

async function orderedRows(db: Db): Promise<ProductRow[]> {
  const rows = await db.selectFrom('products').selectAll().execute();
  return rows.sort(byDisplayOrder);
}

/** The position after the last product: an insert's `display_order` that puts it last. */
export const lastPosition = () =>
  sql<number>`(select coalesce(max(display_order), 0) + 1 from products)`;

/** Every product, in display order. */
export async function listProducts(db: Db): Promise<Product[]> {
  return (await orderedRows(db)).map(toProduct);
}

/** The products' names in display order: the pages' footer, in one query. */
export async function productNamesInOrder(db: Db): Promise<string[]> {
  const rows = await db.selectFrom('products').select(['name', 'display_order']).execute();
  return rows.sort(byDisplayOrder).map((p) => p.name);
}

/** Writes positions 1…n for `ordered`, touching only the rows whose position changes. */
async function renumber(trx: Db, ordered: ProductRow[]): Promise<void> {
  for (const [index, row] of ordered.entries()) {
    if (row.display_order === index + 1) continue;
    await trx
      .updateTable('products')
      .set({ display_order: index + 1 })
      .where('id', '=', row.id)
      .execute();
    row.display_order = index + 1;
  }
}

/** `rows` with `row` moved to `position` (1 first). */
function placed(rows: ProductRow[], row: ProductRow, position: number): ProductRow[] {
  const others = rows.filter((r) => r.id !== row.id);
  others.splice(position - 1, 0, row);
  return others;
}

async function writing<T>(ctx: Writer, work: (trx: Db) => Promise<T>): Promise<T> {
  return ctx.db.transaction().execute(async (trx) => {
    if (ctx.dialect === 'postgres')
      await sql`select pg_advisory_xact_lock(${PRODUCTS_LOCK})`.execute(trx);
    return work(trx);
  });
}

/** Why, the ticket and the way in, each only when there is one: the audit event's own fields. */
const why = (by: ProductActor) => ({
  ...(by.reason !== undefined ? { reason: by.reason } : {}),
  ...(by.ticket ? { ticket: by.ticket } : {}),
  ...(by.via ? { via: by.via } : {}),
});

/**
 * Adds a product at `displayOrder` (last when not given), moving the ones from there down one;
 * the product and its audit event commit together (R79). A code or a name already used is refused.
 */
export async function createProduct(
  ctx: Writer,
  input: NewProduct,
  by: ProductActor,
): Promise<Product> {
  const v = parse(NewProductSchema, input);
  const created = await writing(ctx, async (trx) => {
    const rows = await orderedRows(trx);
    if (rows.some((r) => r.code.toLowerCase() === v.code))
      throw new ProductError('conflict', `code: there is already a product ${v.code}.`, 'code');
    const taken = nameTaken(rows, v.name);
    if (taken) throw taken;
    const position = v.displayOrder ?? rows.length + 1;
    if (position > rows.length + 1) throw positionProblem(rows.length + 1);
    const row: ProductRow = {
      id: newId(),
      code: v.code,
      name: v.name,
      url: v.url,
      display_order: position,
    };
    await trx
      .insertInto('products')
      .values({ ...row, display_order: 0 })
      .execute();
    await renumber(trx, placed(rows, { ...row, display_order: 0 }, position));
    await recordAudit(trx, ctx.clock, {
      type: 'admin_action',
      actor: by.actor,
      ip: by.ip,
      detail: {
        action: 'add-product',
        product: v.code,
        name: v.name,
        url: v.url,
        displayOrder: position,
        ...why(by),
      },
    });
    return row;
  });
  return toProduct(created);
}

/** R88: the edit names the product as it is (428 without If-Match, 412 with the product now). */
function assertCurrent(row: ProductRow, ifMatch: string | undefined): void {
  if (!ifMatch)
    throw new ProductError(
      'precondition_required',
      'Send If-Match with the ETag of the product you changed.',
    );
  if (!ifMatchNames(ifMatch, productEtag(row)))
    throw new ProductError(
      'precondition_failed',
      'The product changed since you read it. Review it as it is now, then try again.',
      undefined,
      toProduct(row),
    );
}

export interface ProductEdit {
  code: string;
  /** The If-Match header as sent: the ETag of the product the administrator changed. */
  ifMatch: string | undefined;
  fields: ProductFields;
}

/**
 * Renames, moves or re-addresses a product (an edit carries every field; unchanged ones as
 * read): If-Match with its ETag (428 when missing, 412 with the product now when stale, R88),
 * then the write, the others' new positions and the audit event in one transaction (R79). An
 * edit that changes nothing writes nothing.
 */
export async function updateProduct(
  ctx: Writer,
  edit: ProductEdit,
  by: ProductActor,
): Promise<Product> {
  const next = parse(ProductFieldsSchema, edit.fields);
  const code = edit.code.trim().toLowerCase();
  return writing(ctx, async (trx) => {
    const rows = await orderedRows(trx);
    const row = rows.find((r) => r.code.toLowerCase() === code);
    if (!row) throw new ProductError('not_found', `There is no product ${code}.`);
    assertCurrent(row, edit.ifMatch);
    if (next.displayOrder > rows.length) throw positionProblem(rows.length);
    const changes = changedFields(row, next);
    if (changes.length === 0) return toProduct(row);
    if (next.name !== row.name) {
      const taken = nameTaken(rows, next.name, row.id);
      if (taken) throw taken;
    }
    const before = { name: row.name, url: row.url, displayOrder: row.display_order };
    await trx
      .updateTable('products')
      .set({ name: next.name, url: next.url })
      .where('id', '=', row.id)
      .execute();
    Object.assign(row, { name: next.name, url: next.url });
    await renumber(trx, placed(rows, row, next.displayOrder));
    await recordAudit(trx, ctx.clock, {
      type: 'admin_action',
      actor: by.actor,
      ip: by.ip,
      detail: {
        action: 'edit-product',
        product: row.code,
        ...why(by),
        changedFields: changes,
        changes: Object.fromEntries(changes.map((f) => [f, { before: before[f], after: next[f] }])),
      },
    });
    return toProduct(row);
  });
}

function changedFields(row: ProductRow, next: ProductFields): Array<keyof ProductFields> {
  const fields: Array<keyof ProductFields> = [];
  if (next.name !== row.name) fields.push('name');
  if (next.url !== row.url) fields.push('url');
  if (next.displayOrder !== row.display_order) fields.push('displayOrder');
  return fields;
}
