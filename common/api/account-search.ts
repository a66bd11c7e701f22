import { z } from 'zod';

/** Search filters of the console (SPEC §3). */
export const SEARCH_FILTERS = [
  'locked',
  'no_question',
  'shared',
  'must_change',
  'disabled',
] as const;
export type SearchFilter = (typeof SEARCH_FILTERS)[number];

/** Totals above this are answered as "more than 1,000" so counting stays fast. */
export const SEARCH_TOTAL_CAP = 1000;

const filterList = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()).filter(Boolean))
  .pipe(z.array(z.enum(SEARCH_FILTERS)));

/** GET /api/v1/accounts query string. */
export const AccountSearchQuerySchema = z.object({
  q: z.string().trim().max(200, 'Search for at most 200 characters.').default(''),
  filter: filterList.default([]),
  organization: z.string().max(100).optional(),
  cursor: z.string().max(500).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type AccountSearchQuery = z.infer<typeof AccountSearchQuerySchema>;

/** One row of the result list: what the console shows before opening an account. */
export const AccountSummarySchema = z.object({
  id: z.string(),
  username: z.string(),
  email: z.string(),
  name: z.string(),
  phone: z.string(),
  organization: z.object({ id: z.string(), name: z.string() }),
  locked: z.boolean(),
  disabled: z.boolean(),
  shared: z.boolean(),
  mustChangePassword: z.boolean(),
  hasSecurityQuestion: z.boolean(),
  /** 0 exact username, 1 prefix of a field, 2 substring of a field, 3 no query. */
  matchTier: z.number().int().min(0).max(3),
});
export type AccountSummary = z.infer<typeof AccountSummarySchema>;

export const AccountSearchResultSchema = z.object({
  items: z.array(AccountSummarySchema),
  /** Matches, counted up to SEARCH_TOTAL_CAP. */
  total: z.number().int(),
  totalCapped: z.boolean(),
  nextCursor: z.string().nullable(),
  /**
   * On a search that found nothing: up to 3 usernames a few edits from the query, in the
   * caller's scope ("did you mean alice?"). Absent otherwise, and from SEARCH_INDEX=store.
   */
  suggestions: z.array(z.string()).max(3).optional(),
});
export type AccountSearchResult = z.infer<typeof AccountSearchResultSchema>;
