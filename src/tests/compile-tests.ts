/**
 * Renders data tests and unit tests to SQL, after the models they read are compiled.
 * Generic tests render their definition's template with the arguments turned into SQL by
 * kind (quoted columns, resolved relations, literal lists); singular tests render like models.
 * Unit tests render their model with each input replaced by a fixture CTE name; the fixture
 * rows themselves are typed and added when the test runs, once the input columns are known.
 */
import HandlebarsModule from 'handlebars';
import { DpfError, diagnostic } from '../errors/dpf-error.js';
import type { Dialect } from '../adapters/adapter.js';
import type { GenericTestDefinition } from './generic-tests.js';
import type { Manifest, TestNode, UnitTestNode } from '../compiler/manifest.js';
import { parseRelationArg } from './parse-tests.js';
import { cteName, renderModelSql, type RenderEnvironment } from '../compiler/render-model-sql.js';

export const fixtureName = (index: number) => `__dpf_fixture_${index}`;

export interface TestCompileContext {
  readonly manifest: Manifest;
  readonly dialect: Dialect;
  readonly definitions: ReadonlyMap<string, GenericTestDefinition>;
  readonly env: RenderEnvironment;
  /** Compiled templates by test name, shared across tests. */
  readonly cache: Map<string, HandlebarsTemplateDelegate>;
}

/** SQL a relation-valued test argument or an attached node stands for. */
function relationSql(id: string, manifest: Manifest, dialect: Dialect): string {
  const node = manifest.nodes[id] ?? manifest.sources[id];
  if (!node) throw new Error(`unknown node ${id}`);
  if (node.kind === 'model' && node.config.materialized === 'ephemeral') {
    return `(\n${(node.compiledCode ?? '').trimEnd()}\n) as ${dialect.quoteIdentifier(cteName(node.name))}`;
  }
  return node.relationName;
}

export function compileTest(test: TestNode, ctx: TestCompileContext): string {
  const { manifest, dialect } = ctx;
  if (test.testType === 'singular') {
    const ast = HandlebarsModule.parse(test.rawCode);
    const rendered = renderModelSql({ packageName: test.packageName, originalFilePath: test.originalFilePath, relationName: '' }, ast, ctx.env);
    return rendered.sql;
  }
  const meta = test.testMetadata!;
  const definition = ctx.definitions.get(meta.name)!;
  let model = relationSql(test.attachedNode!, manifest, dialect);
  if (test.config.where) model = `(select * from ${model} where ${test.config.where}) as dpf_where`;
  const context: Record<string, unknown> = { model };
  if (test.columnName !== undefined) {
    context.column_name = dialect.quoteIdentifier(test.columnName);
    context.column_name_raw = test.columnName;
  }
  const kwargs = meta.kwargs;
  for (const [arg, value] of Object.entries(kwargs)) {
    if (value === undefined || value === null) continue;
    switch (definition.args[arg] ?? 'raw') {
      case 'column':
        context[arg] = dialect.quoteIdentifier(String(value));
        break;
      case 'columns':
        context[arg] = (value as unknown[]).map((c) => dialect.quoteIdentifier(String(c))).join(', ');
        break;
      case 'relation': {
        const parsed = parseRelationArg(String(value))!;
        const id = 'ref' in parsed ? Object.values(manifest.nodes).find((n) => n.name === parsed.ref)!.uniqueId : `source.${test.packageName}.${parsed.source}.${parsed.table}`;
        context[arg] = relationSql(id, manifest, dialect);
        break;
      }
      case 'values': {
        const quote = kwargs.quote !== false;
        context[arg] = (value as unknown[]).map((v) => (quote ? dialect.literal(String(v), 'text') : String(v))).join(', ');
        break;
      }
      default:
        context[arg] = value;
    }
  }
  let template = ctx.cache.get(definition.path);
  if (!template) {
    template = HandlebarsModule.create().compile(definition.template, { noEscape: true, strict: false });
    ctx.cache.set(definition.path, template);
  }
  try {
    return template(context).trim().replace(/;$/, '') + '\n';
  } catch (err) {
    throw new DpfError([diagnostic('RenderFailed', { detail: `${definition.path}: ${(err as Error).message.split('\n')[0]}` }, test.location)]);
  }
}

/** The model under test, rendered with its inputs replaced by fixture CTE names. */
export function compileUnitTest(test: UnitTestNode, ast: hbs.AST.Program, ctx: TestCompileContext): string {
  const model = ctx.manifest.nodes[test.attachedNode]!;
  const fixtures = new Map(test.given.map((g, i) => [g.inputId, ctx.dialect.quoteIdentifier(fixtureName(i))]));
  const rendered = renderModelSql(model as { packageName: string; originalFilePath: string; relationName: string }, ast, {
    ...ctx.env,
    vars: { ...ctx.env.vars, ...test.overrides.vars },
    isIncremental: test.overrides.isIncremental === true,
    inputOverride: (id) => fixtures.get(id),
  });
  return rendered.sql;
}
