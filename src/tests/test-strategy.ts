/**
 * A data test: count the failing rows its query returns, judge the count against the test's
 * severity, error_if and warn_if, keep a sample of failing rows, and with store_failures keep
 * them all in <schema>_dpf_audit.<test name>, replaced each run.
 */
import type { TestConfig } from '../compiler/manifest.js';
import { parseThreshold } from '../compiler/parse-data-tests.js';
import type { TestStrategy } from './test-context.js';
import { forKinds } from '../compiler/node-kinds.js';
import { maskSample } from './mask-sample.js';

const SAMPLE_ROWS = 5;

function holds(count: number, condition: string): boolean {
  const t = parseThreshold(condition);
  if (!t) return count !== 0;
  switch (t.op) {
    case '>':
      return count > t.value;
    case '>=':
      return count >= t.value;
    case '<':
      return count < t.value;
    case '<=':
      return count <= t.value;
    case '=':
    case '==':
      return count === t.value;
    default:
      return count !== t.value;
  }
}

export function judge(failures: number, config: TestConfig): 'pass' | 'warn' | 'fail' {
  if (config.severity === 'error' && holds(failures, config.error_if)) return 'fail';
  if (holds(failures, config.warn_if)) return 'warn';
  return 'pass';
}

export const testStrategy: TestStrategy = forKinds(['test'], async (node, ctx) => {
  const body = node.compiledCode.trimEnd();
  const sql = node.config.limit !== undefined ? ctx.templates.render('sample_rows', { sql: body, limit: node.config.limit }) : body;
  const failures = Number(await ctx.queryValue(ctx.templates.render('count_failures', { sql })));
  const status = judge(failures, node.config);
  const failing = status !== 'pass' ? await ctx.query(ctx.templates.render('sample_rows', { sql, limit: SAMPLE_ROWS })) : undefined;
  const sample = failing && maskSample(failing, node, ctx.manifest);
  if (node.config.store_failures) {
    const audit = node.auditRelation;
    await ctx.connection.createSchema(audit.schema, audit.database);
    const create = ctx.templates.render('create_table_as', { relation: node.auditRelationName, sql });
    const replace = async () => {
      await ctx.connection.dropRelation(audit, 'table');
      await ctx.execute(create);
    };
    if (ctx.capabilities.supportsTransactionalDdl) await ctx.connection.transaction(replace);
    else await replace();
  }
  const word = failures === 1 ? 'row' : 'rows';
  return { status, failures, sample, message: status === 'pass' ? 'pass' : `${failures} failing ${word}` };
});
