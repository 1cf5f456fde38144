/**
 * The run-history tables in the target's `dpf_meta` schema, as data: one definition per table
 * (columns with their logical types and meanings), read by the writer (CREATE TABLE, the
 * appender's columns), by the reader, and by the test that checks docs/history.md and
 * schemas/history.schema.json against it. A column is added here, in the JSON Schema and in
 * docs/history.md together, and HISTORY_VERSION goes up when a later part must migrate.
 */
import type { LogicalType } from '../adapters/adapter.js';
import type { Relation } from '../adapters/relation.js';

/**
 * Stored in dpf_meta.history_version; ensure() brings an older database up to date.
 * 2: the alerts table (docs/alerts.md).
 * 3: node_runs and runs got the engine's figures and costs (docs/cost.md), added by ensure().
 * 4: table_stats and monitor_results (docs/monitors.md).
 * 5: table_stats.columns_json: the table row holds the columns and types; column rows only
 *    for columns whose values were measured (`column_stats`).
 * 6: node_runs.relation_name (added by ensure(), at the end of the table).
 * 7: runs.pipeline, the pipeline a `dpf pipeline run` started (docs/pipelines.md; added by ensure()).
 * 8: audit_log, who changed which relations (docs/governance.md; created by ensure()).
 * 9: pii_findings, what each PII scan found (docs/governance.md#pii-scanner; created by ensure()).
 */
export const HISTORY_VERSION = 9;
export const HISTORY_SCHEMA = 'dpf_meta';

export interface HistoryColumn {
  readonly name: string;
  readonly type: LogicalType;
  readonly description: string;
}

export type HistoryTableName = 'runs' | 'node_runs' | 'test_results' | 'freshness' | 'alerts' | 'table_stats' | 'monitor_results' | 'audit_log' | 'pii_findings';

/** A row as the writer builds it: column name -> value (null for unknown). */
export type HistoryRow = Readonly<Record<string, string | number | boolean | null>>;

const col = (name: string, type: LogicalType, description: string): HistoryColumn => ({ name, type, description });

export const HISTORY_TABLES: Readonly<Record<HistoryTableName, readonly HistoryColumn[]>> = {
  runs: [
    col('run_id', 'text', 'The invocation id (the same as run_results.json metadata.invocation_id).'),
    col('command', 'text', 'build, run, seed, snapshot, test or freshness.'),
    col('selector', 'text', 'The selection as given (--select ... --exclude ...); null for everything.'),
    col('target', 'text', 'The target name in profiles.yml.'),
    col('git_commit', 'text', "The project's git commit; null outside a git repository."),
    col('git_dirty', 'boolean', 'Tracked files were changed since that commit; null outside a git repository.'),
    col('user_name', 'text', 'The operating-system user who ran the command.'),
    col('started_at', 'timestamp', 'When the run started (UTC).'),
    col('ended_at', 'timestamp', 'When the run ended (UTC).'),
    col('elapsed_seconds', 'double', 'Seconds from start to end.'),
    col('status', 'text', 'success (nothing failed), error (a node errored or a test failed) or cancelled.'),
    col('dpf_version', 'text', 'The dpf version that ran.'),
    col('from_ledger', 'boolean', 'Answered from target/reuse_ledger.json without opening the warehouse (written through the spool).'),
    col('nodes', 'bigint', 'Steps in the run.'),
    col('success_count', 'bigint', 'Steps that built their relation.'),
    col('reused_count', 'bigint', 'Steps that kept the relation they built before.'),
    col('pass_count', 'bigint', 'Tests and checks that passed.'),
    col('warn_count', 'bigint', 'Tests and checks that warned.'),
    col('fail_count', 'bigint', 'Tests and checks that failed.'),
    col('error_count', 'bigint', 'Steps that errored.'),
    col('skipped_count', 'bigint', 'Steps skipped (an upstream failed, --fail-fast or a cancel).'),
    col('workers_at_start', 'integer', "The engine's active workers when the run started (Trino: system.runtime.nodes); null on DuckDB."),
    col('workers_at_end', 'integer', "The engine's active workers when the run ended; null on DuckDB."),
    col('cpu_ms', 'double', "Engine CPU milliseconds of the run's steps (the sum of node_runs.cpu_ms); null when none was measured."),
    col('bytes_scanned', 'bigint', "Bytes the run's steps read from storage (the sum of node_runs.bytes_scanned); null when none was measured."),
    col('compute_cost', 'double', "Compute cost of the run's steps at the target's cost: rates when it ran (docs/cost.md); null without rates."),
    // Added in version 7: last, as ALTER TABLE ... ADD COLUMN puts it in an older table.
    col('pipeline', 'text', 'The pipeline (pipelines/*.yml) the run was started for, by `dpf pipeline run` or the scheduler; null for other commands and in rows of version 6 and older.'),
  ],
  node_runs: [
    col('run_id', 'text', 'The run (runs.run_id).'),
    col('unique_id', 'text', 'The node (model.shop.orders).'),
    col('name', 'text', "The node's name."),
    col('kind', 'text', 'model, snapshot, seed, test, unit_test or source (a freshness check).'),
    col('status', 'text', 'success, reused, pass, warn, fail, error or skipped.'),
    col('reason', 'text', 'Why it was built or reused ("inputs unchanged"); for a skipped node, the node that caused it.'),
    col('started_at', 'timestamp', 'When its step started (UTC); null when it never started.'),
    col('ended_at', 'timestamp', 'When its step ended (UTC).'),
    col('execution_seconds', 'double', 'Seconds the step took.'),
    col('queued_ms', 'bigint', 'Milliseconds from ready (every upstream done) to started (a thread and its resources free).'),
    col('rows_affected', 'bigint', 'Rows written, when the engine reports them.'),
    col('bytes_written', 'bigint', 'Bytes the engine wrote to storage for it (DuckDB: to the database file and its log; Trino: physical written bytes where the server reports them).'),
    col('attempt', 'integer', 'Which attempt this row records (1 until retries exist).'),
    col('thread', 'integer', 'The worker that ran it (0: none).'),
    col('error_code', 'text', 'The DPF code of its error, if it errored.'),
    col('error_message', 'text', 'Its error or failure message, with every profile secret redacted.'),
    col('query_ids', 'text', "JSON array of the engine's query ids of its statements (Trino); null where the engine gives none (DuckDB)."),
    col('cpu_ms', 'double', 'Engine CPU milliseconds of its statements, summed over threads and workers; null when not measured (engine_stats: false, or statements without a plan such as create view).'),
    col('peak_memory_bytes', 'bigint', "Highest peak memory of its statements (Trino: the query's own; DuckDB: the database's peak buffer memory so far in the run)."),
    col('rows_scanned', 'bigint', 'Rows its statements read from tables.'),
    col('bytes_scanned', 'bigint', 'Bytes its statements read from storage (Trino: physical input bytes; DuckDB: bytes read from the database file).'),
    col('compute_cost', 'double', "Its compute cost at the target's cost: rates when it ran (CPU hours × per_cpu_hour + TB scanned × per_tb_scanned); null without rates or figures."),
    // Added in version 6: last, as ALTER TABLE ... ADD COLUMN puts it in an older table.
    col('relation_name', 'text', "The relation it built, landed or watched as the engine names it, or the test's name: durations are judged per relation, so projects or targets that share dpf_meta never share them (null in rows of version 5 and older)."),
  ],
  test_results: [
    col('run_id', 'text', 'The run (runs.run_id).'),
    col('unique_id', 'text', 'The test (test.shop.not_null_orders_order_id) or unit test.'),
    col('attached_node', 'text', 'The unique id of the model, seed or source the test is declared on.'),
    col('column_name', 'text', 'The column a generic test checks, if any.'),
    col('status', 'text', 'pass, warn, fail, error or skipped.'),
    col('failures', 'bigint', 'Failing rows (data tests) or differing rows (unit tests).'),
  ],
  freshness: [
    col('run_id', 'text', 'The run (runs.run_id).'),
    col('unique_id', 'text', 'The source table (source.shop.raw.orders).'),
    col('source', 'text', 'source_name.table_name.'),
    col('max_loaded_at', 'timestamp', 'The newest loaded_at_field value found (UTC).'),
    col('snapshotted_at', 'timestamp', 'When the check ran (UTC).'),
    col('age_seconds', 'double', 'Seconds between the two.'),
    col('status', 'text', 'pass, warn, error or runtime error.'),
  ],
  alerts: [
    col('run_id', 'text', 'The run that sent (or tried to send) the message (runs.run_id).'),
    col('problem_key', 'text', "What is deduplicated: the node's unique id and the kind of problem (model.shop.orders:failure)."),
    col('unique_id', 'text', 'The node with the problem.'),
    col('kind', 'text', 'failure, warning, anomaly or late_start.'),
    col('event', 'text', 'alert (the problem started) or recovery (the node ran without it again).'),
    col('channel', 'text', "The channel's name in dpf_project.yml's alerts: block (never its URL or address)."),
    col('status', 'text', 'sent, failed (the channel refused or did not answer) or held (over the rate limit).'),
    col('message', 'text', "The message's title, with every secret redacted."),
    col('sent_at', 'timestamp', 'When it was sent or tried (UTC).'),
  ],
  // Version 4: the monitors (docs/monitors.md).
  table_stats: [
    col('run_id', 'text', 'The run (runs.run_id).'),
    col('unique_id', 'text', 'The table, incremental model, snapshot, seed or source measured (model.shop.orders).'),
    col('relation', 'text', 'Its relation, as the adapter renders it.'),
    col('measured_at', 'timestamp', 'When the stats query ran (UTC).'),
    col('column_name', 'text', "Null on the table's own row; the column, on one row per column whose values were measured (`column_stats`)."),
    col('data_type', 'text', "The column's type as the engine names it; null on the table row."),
    col('row_count', 'bigint', 'Table row: rows in the relation (exact, also when sampled).'),
    col('rows_added', 'bigint', 'Table row, incremental models and snapshots: rows the build added (the engine\'s count, else the growth since the last measurement).'),
    col('sampled_rows', 'bigint', 'Table row: rows measured when `monitors: {sample: N}` sampled the table; null: every row.'),
    col('freshness_lag_seconds', 'double', 'Table row, sources with loaded_at_field: seconds from the newest loaded_at value to the measurement.'),
    col('columns_json', 'text', 'Table row: its columns and their types as the engine names them, as JSON (`[{"name": "id", "type": "INTEGER"}, …]`): what schema changes are judged against.'),
    col('null_pct', 'double', 'Column rows: share of nulls, 0–100.'),
    col('distinct_pct', 'double', 'Column rows: approximate distinct values over non-null values, 0–100.'),
    col('min_value', 'text', 'Column rows: the smallest value as text (numbers, dates, timestamps, strings).'),
    col('max_value', 'text', 'Column rows: the largest value as text.'),
    col('mean', 'double', 'Column rows, numbers: the mean.'),
    col('stddev', 'double', 'Column rows, numbers: the sample standard deviation.'),
    col('mean_length', 'double', 'Column rows, strings: the mean length in characters.'),
  ],
  monitor_results: [
    col('run_id', 'text', 'The run (runs.run_id).'),
    col('unique_id', 'text', 'The monitor (monitor.shop.orders).'),
    col('attached_node', 'text', 'The node it watches (model.shop.orders).'),
    col('monitor', 'text', 'volume, schema_change, column_drift, duration or freshness.'),
    col('metric', 'text', 'row_count, rows_added, execution_seconds, lag_seconds, a column metric (null_pct, mean, ...) or column_added / column_removed / column_retyped.'),
    col('column_name', 'text', 'The column, for column drift and schema changes.'),
    col('status', 'text', 'pass, warn (an anomaly) or fail (an anomaly with severity: error).'),
    col('value', 'double', 'The measured value.'),
    col('expected', 'double', 'The expected value (the centre of the band).'),
    col('low', 'double', 'The lower end of the expected band.'),
    col('high', 'double', 'The upper end of the expected band.'),
    col('z_score', 'double', 'Standard deviations from the expected value.'),
    col('detail', 'text', 'What changed, for schema changes ("column email (VARCHAR) added").'),
    col('measured_at', 'timestamp', 'When the monitor ran (UTC).'),
  ],
  // Version 8: the audit log (docs/governance.md). Append-only: retention never deletes from it.
  audit_log: [
    col('run_id', 'text', 'The run (runs.run_id); dpf clone and dpf ci\'s clean-up get an id of their own, without a runs row.'),
    col('action', 'text', "command (the command's own row, one per run), created, replaced or updated (one row per relation the run changed), dropped (a schema dpf ci dropped after its run)."),
    col('relation', 'text', 'The relation created, replaced or updated, or the schema dropped, as the engine names it; null on the command row.'),
    col('unique_id', 'text', 'The node that wrote it (model.shop.orders); null on the command row.'),
    col('materialized', 'text', "How it was written: the step's strategy (view, table, incremental, snapshot, seed, extract, transform), view for dpf clone, schema for a dropped schema; null on the command row."),
    col('command', 'text', "build, run, seed or snapshot (also when dpf ci, dpf retry, a pipeline or the scheduler runs them), clone, ci (dpf ci's clean-up), or audit (dpf audit --warehouse: a command row whose started_at is when it read the engine's query log)."),
    col('pipeline', 'text', 'The pipeline the run was started for (dpf pipeline run, the scheduler); null otherwise.'),
    col('selector', 'text', 'The selection as given (--select ... --exclude ...); null for everything.'),
    col('target', 'text', 'The target name in profiles.yml.'),
    col('git_commit', 'text', "The project's git commit; null outside a git repository."),
    col('git_dirty', 'boolean', 'Tracked files were changed since that commit; null outside a git repository.'),
    col('os_user', 'text', 'The operating-system user who ran the command.'),
    col('host', 'text', 'The machine it ran on (its host name).'),
    col('git_user_name', 'text', "git config user.name in the project's repository; null when unset."),
    col('git_user_email', 'text', "git config user.email in the project's repository; null when unset."),
    col('ci_actor', 'text', 'Who started the CI job (GITHUB_ACTOR, GITLAB_USER_LOGIN, BUILD_REQUESTEDFOR); null outside CI.'),
    col('ci_system', 'text', 'github, gitlab, azure or ci (CI=true without a known provider); null outside CI.'),
    col('started_at', 'timestamp', 'When the run started (UTC).'),
    col('ended_at', 'timestamp', 'When the run ended (UTC); on a relation row, when its step ended.'),
    col('status', 'text', "Command row: the run's status (success, error or cancelled); relation rows: success."),
    col('dpf_version', 'text', 'The dpf version that ran.'),
  ],
  // Version 9: the PII scanner's findings (docs/governance.md#pii-scanner). Never a sampled value: categories and counts.
  pii_findings: [
    col('run_id', 'text', 'The scan: its own id for `dpf scan pii` (no runs row), the run\'s id for `dpf build --scan-pii`.'),
    col('scanned_at', 'timestamp', 'When the scan ran (UTC).'),
    col('command', 'text', 'scan (dpf scan pii) or build (dpf build --scan-pii).'),
    col('target', 'text', 'The target name in profiles.yml.'),
    col('unique_id', 'text', 'The model, seed, snapshot or source scanned (model.shop.dim_customers).'),
    col('relation', 'text', 'Its relation (schema.identifier, with the database where the target names one).'),
    col('column_name', 'text', "Null on the relation's own row (one per relation sampled, with or without findings); the column, on one row per finding."),
    col('status', 'text', 'Finding rows: new (found, not classified), classified, mismatch (classified as another category), dismissed (declared pii: false) or not_found (classified, not seen in the sample); null on the relation row.'),
    col('category', 'text', 'What the scanner found (email, phone, name, address, national_id, payment_card, iban, ip_address, date_of_birth, free_text); null for not_found and on the relation row.'),
    col('confidence', 'double', 'The finding\'s confidence, 0–1; null for not_found and on the relation row.'),
    col('sampled', 'bigint', 'Relation row: rows read (--sample); finding rows: non-null values sampled from the column.'),
    col('matched', 'bigint', 'Finding rows: of the sampled values, how many validate as the category (a count, never a value).'),
    col('classified', 'boolean', 'Finding rows: the column is classified, in its YAML or over column lineage.'),
    col('classified_as', 'text', "Finding rows: the column's pii: as written, or the kinds it carries over lineage; null when unclassified."),
    col('inherited_from', 'text', 'Finding rows: the upstream column an inherited classification was declared on; null when declared here or none.'),
  ],
};

/** Tables retention (history.keep_days) never deletes from: an audit trail is kept until someone decides otherwise. */
export const APPEND_ONLY_TABLES: ReadonlySet<HistoryTableName> = new Set(['audit_log']);

/** dpf_meta.history_version: one row, the schema version of these tables and the last prune. */
export const VERSION_TABLE = 'history_version';
export const VERSION_COLUMNS: readonly HistoryColumn[] = [
  col('version', 'integer', 'HISTORY_VERSION of the tables.'),
  col('pruned_at', 'timestamp', 'When rows older than history.keep_days were last deleted; null: never.'),
];

export const historyRelation = (table: string, database?: string): Relation => ({ database, schema: HISTORY_SCHEMA, identifier: table });

export const HISTORY_TABLE_NAMES = Object.keys(HISTORY_TABLES) as HistoryTableName[];
