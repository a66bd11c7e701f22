import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../database.ts';

type AnyDb = Kysely<unknown>;

/** The admin API: TOTP, API tokens, idempotency, caller verification, a hash-chained audit log. */
export function adminSchema(_dialect: Dialect): Migration {
  return {
    async up(db: AnyDb) {
      await db.schema
        .createTable('admin_totp')
        .addColumn('account_id', 'text', (c) => c.primaryKey().references('accounts.id'))
        .addColumn('secret', 'text', (c) => c.notNull())
        .addColumn('enabled_at', 'bigint')
        .addColumn('last_step', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('recovery_codes')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('code_hash', 'text', (c) => c.notNull().unique())
        .addColumn('used_at', 'bigint')
        .execute();

      await db.schema
        .createTable('api_tokens')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('family_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('used_at', 'bigint')
        .addColumn('revoked_at', 'bigint')
        .execute();
      await db.schema
        .createIndex('api_tokens_family')
        .on('api_tokens')
        .column('family_id')
        .execute();
      await db.schema
        .createIndex('api_tokens_account')
        .on('api_tokens')
        .column('account_id')
        .execute();

      await db.schema
        .createTable('idempotency_keys')
        .addColumn('actor_id', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('request_hash', 'text', (c) => c.notNull())
        .addColumn('status', 'integer', (c) => c.notNull())
        .addColumn('response', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('idempotency_keys_pk', ['actor_id', 'key'])
        .execute();

      await db.schema
        .createTable('verifications')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('actor_id', 'text', (c) => c.notNull())
        .addColumn('method', 'text', (c) => c.notNull())
        .addColumn('code_hash', 'text')
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('verified_at', 'bigint')
        .execute();
      await db.schema
        .createIndex('verifications_account')
        .on('verifications')
        .columns(['account_id', 'created_at'])
        .execute();

      await db.schema.alterTable('audit_events').addColumn('seq', 'bigint').execute();
      await db.schema.alterTable('audit_events').addColumn('prev_hash', 'text').execute();
      await db.schema.alterTable('audit_events').addColumn('hash', 'text').execute();
      await db.schema
        .createIndex('audit_events_seq')
        .on('audit_events')
        .column('seq')
        .unique()
        .execute();
      await db.schema
        .createIndex('audit_events_actor')
        .on('audit_events')
        .columns(['actor', 'at'])
        .execute();
      await db.schema
        .createIndex('audit_events_org')
        .on('audit_events')
        .columns(['organization_id', 'at'])
        .execute();
    },
  };
}
