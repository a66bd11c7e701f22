import { sql } from 'kysely';
import type { Db } from '../store/schema.ts';
import { PHONE_PUNCTUATION, SEARCH_MARK, foldSearchText } from './text-folding.ts';

// Gram frequencies, to let the rarest gram of the pattern drive. Estimated per process from a
// sample of accounts (those whose random id starts with "00": 1 in 256), refreshed every 15 minutes; a
// store too small for that sample is asked directly, each list counted up to a cap.

/** Gram lists are counted up to this many rows to choose the rarest gram as the driver. */
const FREQUENCY_PROBE_CAP = 20_000;
const FREQUENCY_TTL_MS = 15 * 60_000;
const FREQUENCY_CACHE_SIZE = 100_000;

const SAMPLE_PREFIX = '00';
const SAMPLE_SCALE = 256;
/** Fewer sampled accounts than this: count the lists instead. */
const SAMPLE_MINIMUM = 300;

interface FrequencyModel {
  at: number;
  /** The sampled accounts' searchable text (five fields each); empty for a small store. */
  docs: string[][];
  /** Sampled accounts per gram, as indexes into `docs`; null: count lists (small store). */
  postings: Map<string, number[]> | null;
  /** Exact counts (up to FREQUENCY_PROBE_CAP) of lists asked directly. */
  probed: Map<string, number>;
}

const models = new WeakMap<object, FrequencyModel>();

/** The grams of one account's searchable text, as the index has them (see migration 002). */
function accountGrams(fields: string[]): Set<string> {
  const grams = new Set<string>();
  for (const field of fields) {
    const chars = [...field];
    for (let i = 0; i + 3 <= chars.length; i += 1) {
      grams.add(chars.slice(i, i + 3).join(''));
      if (chars[i] === SEARCH_MARK) {
        if (i + 4 <= chars.length) grams.add(chars.slice(i, i + 4).join(''));
        if (i + 5 <= chars.length) grams.add(chars.slice(i, i + 5).join(''));
      }
    }
  }
  return grams;
}

const markWords = (text: string) => text.replace(/([ -])/g, `$1${SEARCH_MARK}`);
const phoneDigits = (phone: string) =>
  [...phone].filter((c) => !PHONE_PUNCTUATION.includes(c)).join('');

async function frequencyModel(db: Db): Promise<FrequencyModel> {
  const cached = models.get(db);
  if (cached && Date.now() - cached.at < FREQUENCY_TTL_MS) return cached;
  const sample = await sql<{ uk: string; ek: string; nm: string; ph: string; org: string }>`
    select a.username_key as uk, a.email_key as ek, a.name as nm, a.phone as ph, o.name as org
    from accounts a join organizations o on o.id = a.organization_id
    where a.id >= ${SAMPLE_PREFIX} and a.id < ${SAMPLE_PREFIX.slice(0, -1) + '1'}`.execute(db);
  const model: FrequencyModel = {
    at: Date.now(),
    docs: [],
    postings: null,
    probed: cached?.probed ?? new Map(),
  };
  if (sample.rows.length >= SAMPLE_MINIMUM) {
    const postings = new Map<string, number[]>();
    for (const r of sample.rows) {
      const fields = [r.uk, r.ek, r.nm, r.org].map(
        (t) => SEARCH_MARK + markWords(foldSearchText(t)),
      );
      fields.push(SEARCH_MARK + phoneDigits(r.ph));
      const doc = model.docs.push(fields) - 1;
      for (const g of accountGrams(fields)) {
        const list = postings.get(g);
        if (list) list.push(doc);
        else postings.set(g, [doc]);
      }
    }
    model.postings = postings;
    model.probed.clear();
  }
  models.set(db, model);
  return model;
}

/**
 * Estimated matches of `pattern` (driven by `gram`) from the sample; null without a sample.
 * Decides whether the substring list is likely to be read to its end (few matches).
 */
export async function estimatedMatches(
  db: Db,
  gram: string,
  pattern: string,
): Promise<number | null> {
  const model = await frequencyModel(db);
  if (!model.postings) return null;
  let n = 0;
  for (const doc of model.postings.get(gram) ?? []) {
    if (model.docs[doc]?.some((field) => field.includes(pattern))) n += 1;
  }
  return n * SAMPLE_SCALE;
}

export async function gramFrequencies(db: Db, grams: string[]): Promise<Map<string, number>> {
  const model = await frequencyModel(db);
  const out = new Map<string, number>();
  if (model.postings) {
    for (const g of grams) out.set(g, (model.postings.get(g)?.length ?? 0) * SAMPLE_SCALE);
    return out;
  }
  const missing = [...new Set(grams)].filter((g) => !model.probed.has(g));
  if (missing.length > 0) {
    const parts = missing.map(
      (g, i) =>
        sql`select ${i} as i, count(*) as n from (select 1 as one from search_grams where g = ${g} limit ${FREQUENCY_PROBE_CAP}) ${sql.raw(`x${i}`)}`,
    );
    const rows = await sql<{ i: number; n: number }>`${sql.join(parts, sql` union all `)}`.execute(
      db,
    );
    if (model.probed.size + missing.length > FREQUENCY_CACHE_SIZE) model.probed.clear();
    for (const row of rows.rows) {
      const g = missing[Number(row.i)];
      if (g !== undefined) model.probed.set(g, Number(row.n));
    }
  }
  for (const g of grams) out.set(g, model.probed.get(g) ?? 0);
  return out;
}
