/**
 * A unit test of a TypeScript model (docs/typescript-models.md): the fixture rows are typed by
 * the engine exactly as a SQL model's unit test types them, read back as the rows its inputs
 * would give, and handed to the transform in-process; its rows, typed by its declared columns,
 * are compared with the expected rows by the same query as a SQL model's (compareWithExpected).
 * Reads only the inputs' column types and writes nothing.
 */
import type { ColumnDescription } from '../adapters/adapter.js';
import { closestMatch } from '../compiler/closest-match.js';
import type { ModelNode, ModelTransform, UnitTestNode } from '../compiler/manifest.js';
import { transformInputs } from '../compiler/parse-ts-models.js';
import { DpfError, diagnostic } from '../errors/dpf-error.js';
import { loadTransform, transformFailed, transformRows, withTransformTimeout, type InputRow } from '../plugins/index.js';
import type { TestContext, TestOutcome } from './test-context.js';
import { columnsOf, compareWithExpected, inferredColumns, inputColumns, rowsSql } from './unit-test-strategy.js';

export async function unitTestTransform(test: UnitTestNode, node: ModelNode & { readonly transform: ModelTransform }, ctx: TestContext): Promise<TestOutcome> {
  const { dialect, manifest } = ctx;
  const invalid = (detail: string, location = test.location): TestOutcome => ({ error: diagnostic('UnitTestInvalid', { test: test.name, detail }, location) });
  const names = new Map(transformInputs(node, manifest).map((i) => [i.uniqueId, i.name]));
  const inputs: Record<string, AsyncIterable<readonly InputRow[]>> = {};
  for (const fixture of test.given) {
    let sql = fixture.sql;
    if (fixture.format !== 'sql') {
      const rows = fixture.rows ?? [];
      const known = await inputColumns(fixture, manifest, ctx);
      const unknown = known && columnsOf(rows).find((column) => !known.some((c) => c.name.toLowerCase() === column.toLowerCase()));
      if (known && unknown) {
        const hint = closestMatch(unknown, known.map((c) => c.name));
        return invalid(`the fixture for ${fixture.input} has the column "${unknown}", which ${fixture.input} does not have${hint ? ` (did you mean "${hint}"?)` : ''}; its columns: ${known.map((c) => c.name).join(', ')}`, fixture.location);
      }
      const columns = known ?? inferredColumns(rows, dialect);
      if (columns.length === 0) return invalid(`${fixture.input} is not built yet and its fixture has no columns; give its rows, or build it first`, fixture.location);
      sql = rowsSql(rows, columns, dialect);
    }
    const typed = await ctx.query(sql!);
    const rows = typed.rows.map((row) => Object.fromEntries(typed.columns.map((c, i) => [c.name, row[i]])));
    inputs[names.get(fixture.inputId) ?? fixture.input] = {
      async *[Symbol.asyncIterator]() {
        if (rows.length > 0) yield rows;
      },
    };
  }
  const plugin = await loadTransform(ctx.projectRoot, node.originalFilePath, node.name);
  const produced: Record<string, unknown>[] = [];
  const columns: ColumnDescription[] = node.transform.columns.map((c) => ({ name: c.name, type: dialect.typeName(c.type) }));
  try {
    await withTransformTimeout(node, async (signal) => {
      for await (const batch of transformRows(plugin, node, Object.freeze(inputs), { signal, projectDir: ctx.projectRoot })) {
        for (const row of batch) produced.push(Object.fromEntries(columns.map((c, i) => [c.name, asText(row[i], node.transform.columns[i]!.type)])));
      }
    });
  } catch (err) {
    const failed = transformFailed(err, node);
    if (err instanceof DpfError || failed.first.name === 'TransformFailed') return { error: failed.first };
    throw err;
  }
  return compareWithExpected(test, rowsSql(produced, columns, dialect), columns, ctx);
}

/** A value the transform gave, as text the engine casts to its column's type. */
function asText(value: unknown, type: ModelTransform['columns'][number]['type']): unknown {
  if (value instanceof Date) return type === 'date' ? value.toISOString().slice(0, 10) : value.toISOString().replace('T', ' ').replace('Z', '');
  if (typeof value === 'bigint') return value.toString();
  return value;
}
