/**
 * A unit test: the model's compiled SQL with every input replaced by typed fixture rows, run
 * in the real engine and compared with the expected rows both ways (EXCEPT ALL), so duplicates
 * count. Reads only the column types of the inputs (a query that returns no rows); never
 * their data, and writes nothing.
 */
import type { ColumnDescription, Dialect } from '../adapters/adapter.js';
import { diagnostic } from '../errors/dpf-error.js';
import { closestMatch } from '../compiler/closest-match.js';
import { fixtureName } from '../compiler/compile-tests.js';
import type { FixtureInput, Manifest, UnitTestNode } from '../compiler/manifest.js';
import { inferType } from '../adapters/read-seed-csv.js';
import { injectCtes } from '../compiler/render-model-sql.js';
import { stringLiteral } from '../adapters/ansi-dialect.js';
import type { TestContext, TestOutcome, TestStrategy } from './test-context.js';
import { forKinds, isEphemeral, isTypescriptModel, relationNode } from '../compiler/node-kinds.js';
import { unitTestTransform } from './unit-test-transform.js';

export const sameName = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

function valueSql(value: unknown, type: string): string {
  if (value === null || value === undefined) return `cast(null as ${type})`;
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return `cast(${stringLiteral(text)} as ${type})`;
}

/** A SELECT producing the rows with the given columns (missing ones are typed NULLs). */
export function rowsSql(rows: Record<string, unknown>[], columns: ColumnDescription[], dialect: Dialect): string {
  if (columns.length === 0) return 'select 1 as dpf_no_columns where 1 = 0';
  const select = (row: Record<string, unknown> | undefined) =>
    'select ' +
    columns
      .map((c) => {
        const key = row ? Object.keys(row).find((k) => sameName(k, c.name)) : undefined;
        return `${valueSql(key !== undefined ? row![key] : null, c.type)} as ${dialect.quoteIdentifier(c.name)}`;
      })
      .join(', ');
  if (rows.length === 0) return `${select(undefined)} where 1 = 0`;
  return rows.map(select).join('\nunion all\n');
}

/** Column names in order of first appearance across rows. */
export function columnsOf(rows: Record<string, unknown>[]): string[] {
  const out: string[] = [];
  for (const row of rows) for (const k of Object.keys(row)) if (!out.some((o) => sameName(o, k))) out.push(k);
  return out;
}

export async function columnTypes(sql: string, ctx: TestContext): Promise<ColumnDescription[] | undefined> {
  try {
    return (await ctx.query(`select * from (\n${sql}\n) as dpf_columns where 1 = 0`)).columns;
  } catch {
    return undefined;
  }
}

/** The input's columns: from the engine when the relation exists, else from YAML data types. */
export async function inputColumns(fixture: FixtureInput, manifest: Manifest, ctx: TestContext): Promise<ColumnDescription[] | undefined> {
  const node = relationNode(manifest, fixture.inputId);
  if (!node) return undefined;
  if (!isEphemeral(node)) {
    const fromEngine = await columnTypes(`select * from ${node.relationName}`, ctx);
    if (fromEngine && fromEngine.length > 0) return fromEngine;
  }
  const documented = Object.values(node.columns);
  if (documented.length > 0 && documented.every((c) => c.dataType)) return documented.map((c) => ({ name: c.name, type: c.dataType! }));
  return undefined;
}

export function inferredColumns(rows: Record<string, unknown>[], dialect: Dialect): ColumnDescription[] {
  return columnsOf(rows).map((name) => {
    const values = rows.map((r) => r[name]).filter((v) => v !== null && v !== undefined).map(String);
    return { name, type: dialect.typeName(inferType(values)) };
  });
}

const model = (test: UnitTestNode, manifest: Manifest) => manifest.nodes[test.attachedNode]?.name ?? test.attachedNode;

export const unitTestStrategy: TestStrategy = forKinds(['unit_test'], async (node, ctx): Promise<TestOutcome> => {
  const test: UnitTestNode = node;
  const compiledCode = node.compiledCode;
  const { dialect, manifest } = ctx;
  const tested = manifest.nodes[test.attachedNode];
  if (isTypescriptModel(tested)) return unitTestTransform(test, tested, ctx);
  const invalid = (detail: string, location = test.location): TestOutcome => ({
    error: diagnostic('UnitTestInvalid', { test: test.name, detail }, location),
  });

  const ctes: { name: string; sql: string }[] = [];
  /** Inputs whose columns could not be learned: not built yet and no data_type in YAML. */
  const unknownInputs: string[] = [];
  for (const [i, fixture] of test.given.entries()) {
    if (fixture.format === 'sql') {
      ctes.push({ name: fixtureName(i), sql: fixture.sql! });
      continue;
    }
    const rows = fixture.rows ?? [];
    const known = await inputColumns(fixture, manifest, ctx);
    if (known) {
      for (const column of columnsOf(rows)) {
        if (!known.some((c) => sameName(c.name, column))) {
          const names = known.map((c) => c.name);
          const hint = closestMatch(column, names);
          return invalid(
            `the fixture for ${fixture.input} has the column "${column}", which ${fixture.input} does not have${hint ? ` (did you mean "${hint}"?)` : ''}; its columns: ${names.join(', ')}`,
            fixture.location,
          );
        }
      }
    }
    if (!known) {
      unknownInputs.push(fixture.input);
      if (columnsOf(rows).length === 0) {
        return invalid(
          `${fixture.input} is not built yet and declares no data_type for its columns, so its empty fixture has no columns; build it first (dpf run -s +${model(test, manifest)}) or declare data_type for its columns in YAML`,
          fixture.location,
        );
      }
    }
    ctes.push({ name: fixtureName(i), sql: rowsSql(rows, known ?? inferredColumns(rows, dialect), dialect) });
  }
  const actual = injectCtes(compiledCode, ctes, dialect).trimEnd();
  const actualColumns = await columnTypes(actual, ctx);
  if (!actualColumns) {
    if (unknownInputs.length === 0) {
      // Run it plainly so that the engine's own message reaches the user.
      await ctx.query(actual, 0);
      return invalid('the model did not run on the fixtures');
    }
    const engine = await ctx.query(actual, 0).then(
      () => 'unknown error',
      (err: Error) => err.message.split('\n')[0],
    );
    return invalid(
      `the model did not run on the fixtures (${engine}). ${unknownInputs.join(', ')} ${unknownInputs.length > 1 ? 'are' : 'is'} not built yet and ${unknownInputs.length > 1 ? 'declare' : 'declares'} no data_type, so ${unknownInputs.length > 1 ? 'their fixtures have' : 'its fixture has'} only the columns given: give every column the model reads, build ${unknownInputs.length > 1 ? 'them' : 'it'} first (dpf run -s +${model(test, manifest)}), or declare data_type in YAML`,
    );
  }

  return compareWithExpected(test, actual, actualColumns, ctx);
});

/**
 * The model's rows (`actual`, a query with `actualColumns`) against the test's expected rows,
 * both ways (EXCEPT ALL), only on the columns the expectation names: pass, or the difference.
 */
export async function compareWithExpected(test: UnitTestNode, actual: string, actualColumns: ColumnDescription[], ctx: TestContext): Promise<TestOutcome> {
  const { dialect } = ctx;
  const invalid = (detail: string): TestOutcome => ({ error: diagnostic('UnitTestInvalid', { test: test.name, detail }, test.location) });
  let expectedSql: string;
  let columns: ColumnDescription[];
  if (test.expect.format === 'sql') {
    expectedSql = test.expect.sql!;
    const expectedColumns = (await columnTypes(expectedSql, ctx)) ?? [];
    columns = actualColumns.filter((a) => expectedColumns.some((e) => sameName(e.name, a.name)));
  } else {
    const rows = test.expect.rows ?? [];
    const wanted = columnsOf(rows);
    const missing = wanted.filter((w) => !actualColumns.some((a) => sameName(a.name, w)));
    if (missing.length > 0) {
      return invalid(`expects the column${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')}, which the model does not return (it returns: ${actualColumns.map((c) => c.name).join(', ')})`);
    }
    columns = actualColumns.filter((a) => wanted.length === 0 || wanted.some((w) => sameName(w, a.name)));
    expectedSql = rowsSql(rows, columns, dialect);
  }
  const list = columns.map((c) => dialect.quoteIdentifier(c.name)).join(', ');
  const missing = await ctx.query(ctx.templates.render('rows_missing', { columns: list, from: expectedSql, minus: actual }));
  const extra = await ctx.query(ctx.templates.render('rows_missing', { columns: list, from: actual, minus: expectedSql }));
  const differences = missing.rows.length + extra.rows.length;
  return {
    status: differences === 0 ? 'pass' : 'fail',
    failures: differences,
    message: differences === 0 ? 'pass' : `${missing.rows.length} expected row(s) missing, ${extra.rows.length} unexpected row(s)`,
    diff: differences === 0 ? undefined : { columns: columns.map((c) => c.name), missing: missing.rows, extra: extra.rows },
  };
}
