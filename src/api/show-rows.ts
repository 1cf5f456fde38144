/**
 * `show` of the public API: the first rows a model (its compiled SQL, not its relation), a
 * seed, or an inline query returns, read through the streaming path and stopped at the limit.
 */
import { adapterFactory } from '../adapters/index.js';
import type { QueryResult } from '../adapters/adapter.js';
import { closestMatch } from '../compiler/closest-match.js';
import { compileFromDisk } from '../compiler/compile-pipeline.js';
import { compileInline, INLINE_FILE } from '../compiler/compile-inline.js';
import { redactStrings, secretRedactor } from '../compiler/redact-secrets.js';
import { EXECUTABLE_KINDS, isSqlNode, nodesOfKind } from '../compiler/node-kinds.js';
import { DpfError, diagnostic, fail } from '../errors/dpf-error.js';
import { compileOptionsOf, type ProjectOptions } from './options.js';

export interface ShowOptions extends ProjectOptions {
  /** A model or seed by name; or `inline`. */
  readonly select?: string;
  /** A query that may use {{ref}} and {{source}}. */
  readonly inline?: string;
  /** Rows to return (default 10). */
  readonly limit?: number;
  /** Stops the query (cancelled on the engine); show() then rejects with the signal's reason. */
  readonly signal?: AbortSignal;
}

export interface ShowResult extends QueryResult {
  /** The model's name, or "inline query". */
  readonly label: string;
}

export async function show(options: ShowOptions): Promise<ShowResult> {
  const limit = options.limit ?? 10;
  if (!Number.isInteger(limit) || limit < 0) fail('UsageError', { detail: `--limit must be a whole number, got "${limit}".` });
  if (!options.select === !options.inline) fail('UsageError', { detail: 'Pass exactly one of --select <model> or --inline "<sql>".' });
  // An inline query is rendered like a model, so it needs the parsed project.
  const compileOptions = compileOptionsOf(options);
  const compiled = await compileFromDisk({ ...compileOptions, writeArtifacts: false, reuseCompiled: !options.inline });
  const secrets = compiled.target.secrets.filter((s) => s.length > 0);
  const clean = <T>(value: T): T => (secrets.length === 0 ? value : redactStrings(value, secretRedactor(secrets)));
  const factory = adapterFactory(compiled.target.type);
  let sql: string;
  let label: string;
  if (options.select) {
    const candidates = nodesOfKind(compiled.manifest, ...EXECUTABLE_KINDS);
    const node = candidates.find((n) => n.name === options.select);
    if (!node) {
      const names = candidates.map((n) => n.name);
      fail('NodeNotFound', { name: options.select, suggestion: closestMatch(options.select, names) });
    }
    sql = isSqlNode(node) ? node.compiledCode! : `select * from ${node.relationName}`;
    label = node.name;
  } else {
    const t = compiled.target;
    sql = compileInline(options.inline!, compiled.parsed!, compiled.manifest, factory.dialect(t), {
      name: t.targetName,
      schema: t.schema,
      type: t.type,
      profile_name: t.profileName,
      database: t.database,
    });
    label = 'inline query';
  }
  const adapter = factory.create(compiled.target, compileOptions.projectDir);
  await adapter.open();
  try {
    // The limit lets the engine stop early (a top-N); reading stops at it too, holding one
    // batch at a time, and leaving the loop releases (on a server, cancels) the rest.
    const preview = `select * from (\n${sql.trimEnd()}\n) as dpf_preview limit ${limit}`;
    const result = await adapter.withConnection(async (c) => {
      const rows: unknown[][] = [];
      let columns: QueryResult['columns'] = [];
      for await (const batch of c.queryStream(preview, { batchRows: Math.max(1, Math.min(limit, 2048)), signal: options.signal })) {
        columns = batch.columns;
        rows.push(...batch.rows.slice(0, limit - rows.length));
        if (rows.length >= limit) break;
      }
      return { columns, rows };
    });
    return clean({ label, ...result });
  } catch (err) {
    if (options.signal?.aborted && err === options.signal.reason) throw err;
    if (err instanceof DpfError) throw new DpfError(clean([...err.diagnostics]));
    throw new DpfError(clean([diagnostic('QueryFailed', { engine: adapter.engine, detail: (err as Error).message }, { file: options.inline ? INLINE_FILE : label })]));
  } finally {
    await adapter.close();
  }
}
