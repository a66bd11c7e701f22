import type { Insertable, Kysely, Selectable, Updateable } from 'kysely';

/** Times are epoch milliseconds; flags are 0/1 integers, so one schema serves SQLite and PostgreSQL. */
export interface OrganizationTable {
  id: string;
  name: string;
  /** JSON text of `OrganizationPolicy`, parsed with its schema on read. */
  policy: string;
  created_at: number;
}

export interface ProductTable {
  id: string;
  /** Lower case, unique: what imports, accounts and clients name a product by. */
  code: string;
  name: string;
  url: string;
  /** Position in lists (1 first): the pages name products in this order (issue 14). */
  display_order: number;
}

export interface AccountTable {
  id: string;
  organization_id: string;
  username: string;
  /** NFKC + lower case: usernames are unique without regard to case. */
  username_key: string;
  email: string;
  email_key: string;
  name: string;
  phone: string;
  password_hash: string | null;
  must_change_password: number;
  /** A temporary password set by staff stops working at this time if unused. */
  temp_password_expires_at: number | null;
  security_question: string | null;
  security_answer_hash: string | null;
  /** Failed sign-ins, counting attempts still being checked (a reserved slot counts until settled). */
  failed_count: number;
  /** When the newest sign-in attempt reserved its slot (sign-in-attempts.ts). */
  attempt_reserved_at: number | null;
  locked_until: number | null;
  locked_at: number | null;
  disabled_at: number | null;
  shared: number;
  last_sign_in_at: number | null;
  password_changed_at: number | null;
  password_changed_how: string | null;
  password_changed_by: string | null;
  version: number;
  created_at: number;
}

/** A security-question answer being checked (outcome null) or checked: wrong or right. */
export interface ChallengeAttemptTable {
  id: string;
  account_id: string;
  link_id: string;
  started_at: number;
  outcome: 'wrong' | 'right' | null;
}

export interface AccountProductTable {
  account_id: string;
  product_id: string;
}

export interface HolderTable {
  id: string;
  account_id: string;
  name: string;
  email: string;
  phone: string;
  is_owner: number;
}

export interface ResetLinkTable {
  id: string;
  account_id: string;
  /** 'reset' (forgotten password) or 'invite' (set up a first password). */
  purpose: string;
  token_hash: string;
  /** The address the link was sent to: a changed address kills the link (R16). */
  sent_to: string;
  created_at: number;
  expires_at: number;
  opened_at: number | null;
  /** Hash of the cookie of the browser that opened the link last: the restricted reset session. */
  session_hash: string | null;
  answered_at: number | null;
  wrong_answers: number;
  used_at: number | null;
  revoked_at: number | null;
  revoked_reason: string | null;
}

export interface SessionTable {
  id: string;
  account_id: string;
  token_hash: string;
  /** 'full', or 'restricted' while a new password or a security question is still owed. */
  kind: string;
  created_at: number;
  expires_at: number;
  ended_at: number | null;
}

export interface AuditEventTable {
  id: string;
  at: number;
  type: string;
  account_id: string | null;
  organization_id: string | null;
  actor: string;
  ip: string | null;
  /** JSON text: outcome, reason and other non-secret detail. */
  detail: string;
  /** Position in the hash chain (written only by recordAuditBatch). */
  seq: number;
  prev_hash: string;
  /** HMAC-SHA-256 under the key `key_id` names; plain SHA-256 when key_id is null (legacy). */
  hash: string;
  /** The audit key that MACed this event (first 8 bytes of its SHA-256); null before migration 008. */
  key_id: string | null;
}

export interface OutboxTable {
  id: string;
  created_at: number;
  account_id: string | null;
  kind: string;
  to_address: string;
  subject: string;
  text_body: string;
  html_body: string;
  /** queued | sending | unconfirmed | sent | failed | dropped (service/domain/outbox-delivery.ts) */
  status: string;
  attempts: number;
  next_attempt_at: number;
  lease_until: number | null;
  last_error: string | null;
  sent_at: number | null;
  /** A message carrying a link is not worth sending after the link died (R85). */
  expires_at: number | null;
}

export interface RateCounterTable {
  bucket: string;
  window_start: number;
  count: number;
}

export interface RecoveryRequestTable {
  id: string;
  /** 'password' (Reset Your Password) or 'username' (Retrieve Forgotten Username). */
  kind: RecoveryRequestKind;
  /** What was typed, until processed; then null (it may be a password typed in the wrong box). */
  identifier: string | null;
  ip: string | null;
  created_at: number;
  /** Claims so far: a request that keeps failing is given up after a few. */
  attempts: number;
  /** A dispatcher that claimed the request owns it until then. */
  lease_until: number | null;
  processed_at: number | null;
}

export type RecoveryRequestKind = 'password' | 'username';

export interface RoleGrantTable {
  id: string;
  account_id: string;
  role: string;
  /** null: every organization (super-administrator). */
  organization_id: string | null;
  created_at: number;
}

export interface Database {
  organizations: OrganizationTable;
  products: ProductTable;
  accounts: AccountTable;
  account_products: AccountProductTable;
  holders: HolderTable;
  reset_links: ResetLinkTable;
  sessions: SessionTable;
  audit_events: AuditEventTable;
  outbox: OutboxTable;
  rate_counters: RateCounterTable;
  recovery_requests: RecoveryRequestTable;
  role_grants: RoleGrantTable;
  admin_totp: AdminTotpTable;
  recovery_codes: RecoveryCodeTable;
  api_tokens: ApiTokenTable;
  idempotency_keys: IdempotencyKeyTable;
  verifications: VerificationTable;
  challenge_attempts: ChallengeAttemptTable;
  oidc_clients: OidcClientTable;
  oidc_models: OidcModelTable;
  oidc_keys: OidcKeyTable;
  oidc_logout_deliveries: OidcLogoutDeliveryTable;
}

export type Account = Selectable<AccountTable>;
export type NewAccount = Insertable<AccountTable>;
export type AccountUpdate = Updateable<AccountTable>;
export type Organization = Selectable<OrganizationTable>;
export type Product = Selectable<ProductTable>;
export type Holder = Selectable<HolderTable>;
export type ResetLink = Selectable<ResetLinkTable>;
export type OutboxMessage = Selectable<OutboxTable>;
export type RecoveryRequest = Selectable<RecoveryRequestTable>;

export interface AdminTotpTable {
  account_id: string;
  /** Base32 TOTP secret; the verifier needs it in clear. */
  secret: string;
  enabled_at: number | null;
  /** The last time step accepted: a code is never accepted twice. */
  last_step: number;
  created_at: number;
}

export interface RecoveryCodeTable {
  id: string;
  account_id: string;
  code_hash: string;
  used_at: number | null;
}

export interface ApiTokenTable {
  id: string;
  account_id: string;
  /** 'access' or 'refresh' */
  kind: string;
  token_hash: string;
  /** Refresh rotation keeps a family; reuse of a spent token revokes it whole. */
  family_id: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
  revoked_at: number | null;
}

export interface IdempotencyKeyTable {
  actor_id: string;
  key: string;
  request_hash: string;
  status: number;
  response: string;
  created_at: number;
}

export interface VerificationTable {
  id: string;
  account_id: string;
  actor_id: string;
  /** 'answer' or 'email_code' */
  method: string;
  code_hash: string | null;
  attempts: number;
  created_at: number;
  expires_at: number;
  verified_at: number | null;
  /** When an action used it up (one verification, one action: SPEC §3); null while unused. */
  used_at: number | null;
  /** The action that used it. */
  used_for: string | null;
}

/** A product's OpenID Connect client (issue 14). */
export interface OidcClientTable {
  client_id: string;
  product_id: string;
  /** SHA-256 (hex) of the client secret; null for a public client (PKCE, no secret). */
  secret_hash: string | null;
  /** JSON array of exact redirect URIs. */
  redirect_uris: string;
  /** JSON array of the URIs RP-initiated logout may return to. */
  post_logout_redirect_uris: string;
  backchannel_logout_uri: string | null;
  created_at: number;
}

/** One oidc-provider record: a session, grant, code, token, interaction… */
export interface OidcModelTable {
  /** The provider's model name: Session, Grant, AccessToken, RefreshToken… */
  model: string;
  /** SHA-256 (hex) of the provider's id: an opaque token's id is the token itself. */
  id: string;
  /** JSON text of the provider's payload, without its id. */
  payload: string;
  account_id: string | null;
  grant_id: string | null;
  /** SHA-256 (hex) of a session's uid. */
  uid: string | null;
  expires_at: number | null;
  consumed_at: number | null;
}

/** A provider key: a signing key (private JWK) or a cookie-signing secret. */
export interface OidcKeyTable {
  id: string;
  /** 'sig' (ID and logout tokens) or 'cookie' (the provider's cookies). */
  use: string;
  /** The private JWK as JSON text ('sig'), or the base64url secret ('cookie'). */
  material: string;
  created_at: number;
  /** When a newer key took over; it stays published until what it signed has expired. */
  retired_at: number | null;
}

/** One back-channel logout token owed to a product, retried until delivered. */
export interface OidcLogoutDeliveryTable {
  id: string;
  account_id: string;
  client_id: string;
  /** The provider session's id at that product, when the sign-in was in a session. */
  sid: string | null;
  created_at: number;
  /** queued | delivered | failed */
  status: string;
  attempts: number;
  next_attempt_at: number;
  lease_until: number | null;
  last_error: string | null;
  delivered_at: number | null;
}

/** A database handle or an open transaction: repository functions take either. */
export type Db = Kysely<Database>;
