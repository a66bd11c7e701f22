import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../service/clock.ts';
import { ProductError } from '../../service/domain/product-checks.ts';
import {
  createProduct,
  listProducts,
  updateProduct,
  type Product,
} from '../../service/domain/products.ts';
import { migrateToLatest } from '../../service/store/migrate.ts';
import { openTestStore } from '../support/store.ts';

// Issue 14: products have a display order the pages follow, and a domain module that lists,
// adds, renames, moves and re-addresses them, each change audited with its reason (R75, R79).

type TestStore = Awaited<ReturnType<typeof openTestStore>>;

const stores: TestStore[] = [];
afterAll(async () => {
  for (const store of stores.splice(0)) await store.close();
});

async function freshStore(upTo?: string): Promise<TestStore> {
  const store = await openTestStore(upTo ? { upTo } : {});
  stores.push(store);
  return store;
}

const clock = new ManualClock(Date.UTC(2026, 11, 7, 9, 0, 0));
const writer = (store: TestStore) => ({ db: store.db, clock, dialect: store.dialect });
const admin = { actor: 'admin-1', ip: '203.0.113.9', reason: 'CHG-14: onboarding' };

const SEED = [
  { code: 'emresource', name: 'EMResource', url: 'https://emresource.example.org/' },
  { code: 'eics', name: 'eICS', url: 'https://eics.example.org/' },
  { code: 'emtrack', name: 'EMTrack', url: 'https://emtrack.example.org/' },
];

async function seeded(): Promise<TestStore> {
  const store = await freshStore();
  for (const p of SEED) await createProduct(writer(store), p, admin);
  return store;
}

const codes = async (store: TestStore) => (await listProducts(store.db)).map((p) => p.code);

async function productEvents(store: TestStore) {
  const rows = await store.db
    .selectFrom('audit_events')
    .selectAll()
    .where('type', '=', 'admin_action')
    .orderBy('seq')
    .execute();
  return rows.map((r) => ({ ...r, detail: JSON.parse(r.detail) as Record<string, unknown> }));
}

/** The refusal a change ends in: its code, the field it names, and its sentence. */
async function refusal(work: Promise<unknown>) {
  try {
    await work;
  } catch (error) {
    if (error instanceof ProductError)
      return { code: error.code, field: error.field, message: error.message };
    throw error;
  }
  throw new Error('the change was accepted');
}

describe('migration 011: display order for the products already there', () => {
  it('issue 14: the seed’s three come first in the seed’s order, then the others by name', async () => {
    const store = await freshStore('009-verification-use');
    const old = [
      ['zeta', 'Zeta'],
      ['emtrack', 'EMTrack'],
      ['beta', 'Beta'],
      ['eics', 'eICS'],
      ['alpha', 'alpha'],
      ['emresource', 'EMResource'],
    ];
    for (const [code = '', name = ''] of old)
      await sql`insert into products (id, code, name, url) values (${code}, ${code}, ${name}, '')`.execute(
        store.db,
      );
    await migrateToLatest(store);
    const rows = await store.db
      .selectFrom('products')
      .select(['code', 'display_order'])
      .orderBy('display_order')
      .execute();
    expect(rows).toEqual([
      { code: 'emresource', display_order: 1 },
      { code: 'eics', display_order: 2 },
      { code: 'emtrack', display_order: 3 },
      { code: 'alpha', display_order: 4 },
      { code: 'beta', display_order: 5 },
      { code: 'zeta', display_order: 6 },
    ]);
  });
});

describe('products: add', () => {
  it('issue 14: a new product goes last, or where asked, moving the others down; audited with why (R75)', async () => {
    const store = await seeded();
    expect(await codes(store)).toEqual(['emresource', 'eics', 'emtrack']);
    const added = await createProduct(
      writer(store),
      { code: ' CADS ', name: 'Cads', url: 'https://cads.example.org/', displayOrder: 2 },
      { ...admin, ticket: 'CHG-14' },
    );
    expect(added).toMatchObject({ code: 'cads', name: 'Cads', displayOrder: 2 });
    expect(await listProducts(store.db)).toMatchObject([
      { code: 'emresource', displayOrder: 1 },
      { code: 'cads', displayOrder: 2 },
      { code: 'eics', displayOrder: 3 },
      { code: 'emtrack', displayOrder: 4 },
    ]);
    await createProduct(
      writer(store),
      { code: 'lab', name: 'Lab', url: 'http://lab.test/' },
      admin,
    );
    expect(await codes(store)).toEqual(['emresource', 'cads', 'eics', 'emtrack', 'lab']);
    const events = await productEvents(store);
    expect(events.at(-2)).toMatchObject({
      actor: 'admin-1',
      ip: '203.0.113.9',
      account_id: null,
      detail: {
        action: 'add-product',
        product: 'cads',
        name: 'Cads',
        url: 'https://cads.example.org/',
        displayOrder: 2,
        reason: 'CHG-14: onboarding',
        ticket: 'CHG-14',
      },
    });
  });

  it('bad input is refused naming the field, and nothing is written', async () => {
    const store = await seeded();
    const before = (await productEvents(store)).length;
    const add = (input: Record<string, unknown>) =>
      refusal(
        createProduct(
          writer(store),
          { code: 'new', name: 'New', url: 'https://new.example.org/', ...input } as never,
          admin,
        ),
      );
    expect(await add({ code: 'no spaces' })).toMatchObject({
      code: 'validation_failed',
      field: 'code',
      message: expect.stringMatching(/^code: Use 1 to 32 letters/),
    });
    expect(await add({ name: '  ' })).toMatchObject({ field: 'name' });
    expect(await add({ name: 'Two\nlines' })).toMatchObject({ field: 'name' });
    expect(await add({ url: 'javascript:alert(1)' })).toMatchObject({
      field: 'url',
      message: expect.stringMatching(/^url: Enter the product’s web address/),
    });
    expect(await add({ url: 'not an address' })).toMatchObject({ field: 'url' });
    expect(await add({ displayOrder: 0 })).toMatchObject({ field: 'displayOrder' });
    expect(await add({ displayOrder: 1.5 })).toMatchObject({ field: 'displayOrder' });
    expect(await add({ displayOrder: 5 })).toMatchObject({
      field: 'displayOrder',
      message: 'displayOrder: choose a position from 1 to 4.',
    });
    expect(await add({ colour: 'red' })).toMatchObject({ field: 'colour' });
    expect(await add({ code: 'EICS' })).toMatchObject({ code: 'conflict', field: 'code' });
    expect(await add({ name: 'EMTRACK' })).toMatchObject({ code: 'conflict', field: 'name' });
    expect(await codes(store)).toEqual(['emresource', 'eics', 'emtrack']);
    expect(await productEvents(store)).toHaveLength(before);
  });
});

describe('products: rename, move, change the address', () => {
  let store: TestStore;
  beforeAll(async () => {
    store = await seeded();
  });
  afterEach(() => clock.advance(1000));

  const product = async (code: string): Promise<Product> => {
    const found = (await listProducts(store.db)).find((p) => p.code === code);
    if (!found) throw new Error(`no product ${code}`);
    return found;
  };
  const edit = async (code: string, change: Partial<Product>, ifMatch?: string) => {
    const p = await product(code);
    const fields = { name: p.name, url: p.url, displayOrder: p.displayOrder, ...change };
    const { name, url, displayOrder } = fields;
    return updateProduct(
      writer(store),
      { code, ifMatch: ifMatch ?? p.etag, fields: { name, url, displayOrder } },
      admin,
    );
  };

  it('issue 14: a move to the front shifts the others; the audit names the changed field with before and after', async () => {
    const moved = await edit('emtrack', { displayOrder: 1 });
    expect(moved.displayOrder).toBe(1);
    expect(await codes(store)).toEqual(['emtrack', 'emresource', 'eics']);
    expect((await productEvents(store)).at(-1)?.detail).toEqual({
      action: 'edit-product',
      product: 'emtrack',
      reason: 'CHG-14: onboarding',
      changedFields: ['displayOrder'],
      changes: { displayOrder: { before: 3, after: 1 } },
    });
    await edit('emtrack', { displayOrder: 3 });
    expect(await codes(store)).toEqual(['emresource', 'eics', 'emtrack']);
  });

  it('renames and re-addresses in one edit; an edit that changes nothing writes nothing', async () => {
    const renamed = await edit('eics', { name: 'eICS Plus', url: 'https://plus.example.org/' });
    expect(renamed).toMatchObject({ name: 'eICS Plus', url: 'https://plus.example.org/' });
    expect((await productEvents(store)).at(-1)?.detail).toMatchObject({
      changedFields: ['name', 'url'],
      changes: {
        name: { before: 'eICS', after: 'eICS Plus' },
        url: { before: 'https://eics.example.org/', after: 'https://plus.example.org/' },
      },
    });
    const events = (await productEvents(store)).length;
    expect(await edit('eics', {})).toEqual(renamed);
    expect(await productEvents(store)).toHaveLength(events);
    await edit('eics', { name: 'eICS', url: 'https://eics.example.org/' });
  });

  it('R88: without If-Match the edit is refused (428); with an old ETag it is refused (412) with the product as it is now', async () => {
    const old = await product('emresource');
    await edit('emresource', { name: 'EMResource 2' });
    expect(
      await refusal(
        updateProduct(
          writer(store),
          {
            code: 'emresource',
            ifMatch: undefined,
            fields: { name: 'X', url: old.url, displayOrder: 1 },
          },
          admin,
        ),
      ),
    ).toMatchObject({ code: 'precondition_required' });
    try {
      await updateProduct(
        writer(store),
        {
          code: 'emresource',
          ifMatch: old.etag,
          fields: { name: 'Mine', url: old.url, displayOrder: 1 },
        },
        admin,
      );
      throw new Error('the stale edit was accepted');
    } catch (error) {
      expect(error).toBeInstanceOf(ProductError);
      expect(error).toMatchObject({
        code: 'precondition_failed',
        current: { code: 'emresource', name: 'EMResource 2' },
      });
    }
    expect((await product('emresource')).name).toBe('EMResource 2');
    await edit('emresource', { name: 'EMResource' });
  });

  it('bad input names the field; an unknown code is not found; a move past the end names displayOrder', async () => {
    expect(await refusal(edit('eics', { url: 'ftp://eics.example.org/' }))).toMatchObject({
      code: 'validation_failed',
      field: 'url',
    });
    expect(await refusal(edit('eics', { displayOrder: 4 }))).toMatchObject({
      field: 'displayOrder',
      message: 'displayOrder: choose a position from 1 to 3.',
    });
    expect(await refusal(edit('eics', { name: 'emresource' }))).toMatchObject({
      code: 'conflict',
      field: 'name',
    });
    expect(
      await refusal(
        updateProduct(
          writer(store),
          {
            code: 'nosuch',
            ifMatch: '"x"',
            fields: { name: 'N', url: 'https://n.example/', displayOrder: 1 },
          },
          admin,
        ),
      ),
    ).toMatchObject({ code: 'not_found' });
    expect(await codes(store)).toEqual(['emresource', 'eics', 'emtrack']);
  });

  it('R89: two moves made on the same version: one wins, the other is refused (412), and positions stay 1…n', async () => {
    const seen = await product('emtrack');
    const move = (displayOrder: number) =>
      updateProduct(
        writer(store),
        {
          code: 'emtrack',
          ifMatch: seen.etag,
          fields: { name: seen.name, url: seen.url, displayOrder },
        },
        admin,
      );
    const results = await Promise.allSettled([move(1), move(2)]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((r) => r.status === 'rejected');
    expect(rejected?.reason).toMatchObject({ code: 'precondition_failed' });
    expect((await listProducts(store.db)).map((p) => p.displayOrder)).toEqual([1, 2, 3]);
  });
});
