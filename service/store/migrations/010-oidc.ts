import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../database.ts';

type AnyDb = Kysely<unknown>;

/**
 * Latchkey as an OpenID Connect provider for the products (issue 14).
 *
 * - `oidc_clients`: each product's registered client. Only a SHA-256 of a confidential client's
 *   256-bit secret is kept; a public client has none (PKCE only).
 * - `oidc_models`: what oidc-provider stores (sessions, grants, codes, tokens, interactions),
 *   keyed by a SHA-256 of the provider's id (an opaque token is its own id), with the columns
 *   its look-ups and the account-wide revocation need.
 * - `oidc_keys`: the ID-token signing keys (private JWKs) and the cookie-signing keys, made at
 *   first start and shared by every process on the store.
 * - `oidc_logout_deliveries`: the back-channel logout outbox, worked off like the mail outbox.
 */
export function oidcSchema(_dialect: Dialect): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable('oidc_clients')
        .addColumn('client_id', 'text', (c) => c.primaryKey())
        .addColumn('product_id', 'text', (c) => c.notNull().references('products.id'))
        .addColumn('secret_hash', 'text')
        .addColumn('redirect_uris', 'text', (c) => c.notNull())
        .addColumn('post_logout_redirect_uris', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('backchannel_logout_uri', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('oidc_clients_product')
        .on('oidc_clients')
        .column('product_id')
        .execute();

      await db.schema
        .createTable('oidc_models')
        .addColumn('model', 'text', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('account_id', 'text')
        .addColumn('grant_id', 'text')
        .addColumn('uid', 'text')
        .addColumn('expires_at', 'bigint')
        .addColumn('consumed_at', 'bigint')
        .addPrimaryKeyConstraint('oidc_models_pk', ['model', 'id'])
        .execute();
      for (const column of ['grant_id', 'uid', 'account_id', 'expires_at']) {
        await db.schema
          .createIndex(`oidc_models_${column}`)
          .on('oidc_models')
          .column(column)
          .execute();
      }

      await db.schema
        .createTable('oidc_keys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('use', 'text', (c) => c.notNull())
        .addColumn('material', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('retired_at', 'bigint')
        .execute();

      await db.schema
        .createTable('oidc_logout_deliveries')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) =>
          c.notNull().references('accounts.id').onDelete('cascade'),
        )
        .addColumn('client_id', 'text', (c) =>
          c.notNull().references('oidc_clients.client_id').onDelete('cascade'),
        )
        .addColumn('sid', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
        .addColumn('lease_until', 'bigint')
        .addColumn('last_error', 'text')
        .addColumn('delivered_at', 'bigint')
        .execute();
      await db.schema
        .createIndex('oidc_logout_deliveries_due')
        .on('oidc_logout_deliveries')
        .columns(['status', 'next_attempt_at'])
        .execute();
      await db.schema
        .createIndex('oidc_logout_deliveries_account')
        .on('oidc_logout_deliveries')
        .columns(['account_id', 'created_at'])
        .execute();
    },
  };
}
