/**
 * Loads the SQL templates in templates/, preferring templates/<adapter>/ over
 * templates/default/. One instance per run; compiled templates are cached in it.
 *
 * Which template an engine gets is adapter knowledge, so the catalog lives here, below every
 * stage that renders SQL (runner, tests, docs site, history); none of them imports another's.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import HandlebarsModule from 'handlebars';

/** dpf's templates/ folder, from src/ or dist/ alike (both sit one level below the package). */
export const TEMPLATES_DIR = fileURLToPath(new URL('../../templates', import.meta.url));

export type SqlTemplateName =
  | 'create_table_as'
  | 'create_or_replace_table_as'
  | 'create_view'
  | 'create_table'
  | 'max_as_text'
  | 'copy_to_files'
  | 'delete_superseded_rows'
  | 'insert_values'
  | 'seed_load'
  | 'count_rows'
  | 'count_failures'
  | 'sample_rows'
  | 'rows_missing'
  | 'source_freshness'
  | 'incremental_append'
  | 'incremental_delete'
  | 'incremental_merge'
  | 'duplicate_keys'
  | 'alter_add_column'
  | 'alter_drop_column'
  | 'relation_builds_create'
  | 'relation_builds_select'
  | 'relation_builds_mark'
  | 'relation_builds_delete'
  | 'snapshot_stage'
  | 'snapshot_close'
  | 'snapshot_invalidate_deleted'
  | 'snapshot_insert'
  | 'microbatch_delete'
  | 'microbatch_insert'
  | 'microbatch_select'
  | 'create_empty_table_as'
  | 'grant'
  | 'revoke'
  | 'show_grants'
  | 'column_profile_stats'
  | 'table_stats'
  | 'columns_of_relations'
  | 'latest_series'
  | 'column_profile_top_values'
  | 'column_profile_histogram'
  | 'create_table_if_missing'
  | 'delete_rows'
  | 'select_rows'
  | 'cost_by_node'
  | 'cost_by_day';

export class SqlTemplates {
  private readonly cache = new Map<SqlTemplateName, HandlebarsTemplateDelegate>();
  private readonly handlebars = HandlebarsModule.create();

  constructor(private readonly adapterName: string) {}

  render(name: SqlTemplateName, context: Record<string, unknown>): string {
    let template = this.cache.get(name);
    if (!template) {
      const specific = join(TEMPLATES_DIR, this.adapterName, `${name}.sql.hbs`);
      const file = existsSync(specific) ? specific : join(TEMPLATES_DIR, 'default', `${name}.sql.hbs`);
      template = this.handlebars.compile(readFileSync(file, 'utf8'), { noEscape: true, strict: true });
      this.cache.set(name, template);
    }
    return template(context).trim();
  }
}
