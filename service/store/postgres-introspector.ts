import {
  PostgresIntrospector,
  sql,
  type DatabaseMetadataOptions,
  type Kysely,
  type TableMetadata,
} from 'kysely';

/*
 * Kysely's PostgreSQL introspector, which its Migrator asks whether its own tables exist, reads
 * the tables of every schema in the database through has_schema_privilege(name) and
 * pg_get_serial_sequence(name): functions that look a schema up by name outside the query's
 * snapshot. A schema dropped meanwhile by another session (another deployment's, or another
 * test file's) then fails this one's migration with `schema "…" does not exist`. This one reads
 * only the schemas on the session's search path, from the catalogue alone.
 */
export class SearchPathIntrospector extends PostgresIntrospector {
  constructor(private readonly db: Kysely<unknown>) {
    super(db);
  }

  override async getTables(
    options: DatabaseMetadataOptions = { withInternalKyselyTables: false },
  ): Promise<TableMetadata[]> {
    const { rows } = await sql<{
      schema: string;
      table: string;
      is_view: boolean;
      column: string;
      type: string;
      type_schema: string;
      not_null: boolean;
      has_default: boolean;
      identity: boolean;
    }>`
      select ns.nspname as schema, c.relname as table, c.relkind = 'v' as is_view,
        a.attname as column, typ.typname as type, dtns.nspname as type_schema,
        a.attnotnull as not_null, a.atthasdef as has_default, a.attidentity <> '' as identity
      from pg_catalog.pg_attribute a
      join pg_catalog.pg_class c on c.oid = a.attrelid
      join pg_catalog.pg_namespace ns on ns.oid = c.relnamespace
      join pg_catalog.pg_type typ on typ.oid = a.atttypid
      join pg_catalog.pg_namespace dtns on dtns.oid = typ.typnamespace
      where c.relkind in ('r', 'v', 'p') and ns.nspname = any(current_schemas(false))
        and a.attnum >= 0 and not a.attisdropped
        and (${options.withInternalKyselyTables ?? false}
          or c.relname not in ('kysely_migration', 'kysely_migration_lock'))
      order by ns.nspname, c.relname, a.attnum`.execute(this.db);
    const tables = new Map<string, TableMetadata>();
    for (const row of rows) {
      const id = `${row.schema}.${row.table}`;
      const table = tables.get(id) ?? {
        name: row.table,
        schema: row.schema,
        isView: row.is_view,
        columns: [],
      };
      tables.set(id, table);
      (table.columns as TableMetadata['columns'][number][]).push({
        name: row.column,
        dataType: row.type,
        dataTypeSchema: row.type_schema,
        isNullable: !row.not_null,
        isAutoIncrementing: row.identity,
        hasDefaultValue: row.has_default,
      });
    }
    return [...tables.values()];
  }
}
