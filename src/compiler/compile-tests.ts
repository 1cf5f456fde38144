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
import type { AnalysisNode, Manifest, TestNode, UnitTestNode } from './manifest.js';
import { isEphemeral, relationNode } from './node-kinds.js';
import { parseRelationArg } from './parse-data-tests.js';
import { cteName, injectCtes, renderModelSql, type RenderEnvironment } from './render-model-sql.js';

export const fixtureName = (index: number) => `__dpf_fixture_${index}`;

export interface TestCompileContext {
  readonly manifest: Manifest;
  readonly dialect: Dialect;
  readonly definitions: ReadonlyMap<string, GenericTestDefinition>;
  readonly env: RenderEnvironment;
  /** Compiled templates by test name, shared across tests. */
  readonly cache: Map<string, HandlebarsTemplateDelegate>;
}

/** The tested relation, when it is filtered by `where`, is this CTE. */
const MODEL_CTE = '__dpf_model';

/**
 * What a relation-valued argument or the tested node stands for: its relation, or for an
 * ephemeral model the name of a CTE added to `ctes`. Templates always receive a bare name
 * they may alias (`from {{model}} as child`).
 */
function relationName(id: string, manifest: Manifest, dialect: Dialect, ctes: { name: string; sql: string }[], override?: (id: string) => string | undefined): string {
  // --defer's relations and a masking target's masked views, as models read them.
  const instead = override?.(id);
  if (instead !== undefined) return instead;
  const node = relationNode(manifest, id);
  if (!node) throw new Error(`unknown node ${id}`);
  if (isEphemeral(node)) {
    const name = cteName(node.name);
    if (!ctes.some((c) => c.name === name)) ctes.push({ name, sql: node.compiledCode ?? '' });
    return dialect.quoteIdentifier(name);
  }
  return node.relationName;
}

export function compileTest(test: TestNode, ctx: TestCompileContext): string {
  const { manifest, dialect } = ctx;
  const ctes: { name: string; sql: string }[] = [];
  if (test.testType === 'singular') {
    const ast = HandlebarsModule.parse(test.rawCode);
    const rendered = renderModelSql({ packageName: test.packageName, originalFilePath: test.originalFilePath, relationName: '' }, ast, ctx.env);
    for (const id of rendered.ephemeralRefs) relationName(id, manifest, dialect, ctes);
    return injectCtes(rendered.sql, ctes, dialect);
  }
  const meta = test.testMetadata!;
  const definition = ctx.definitions.get(meta.name)!;
  let model = relationName(test.attachedNode!, manifest, dialect, ctes, ctx.env.inputOverride);
  if (test.config.where) {
    ctes.push({ name: MODEL_CTE, sql: `select * from ${model} where ${test.config.where}` });
    model = dialect.quoteIdentifier(MODEL_CTE);
  }
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
        context[arg] = relationName(id, manifest, dialect, ctes, ctx.env.inputOverride);
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
    return injectCtes(template(context).trim().replace(/;$/, '') + '\n', ctes, dialect);
  } catch (err) {
    throw new DpfError([diagnostic('RenderFailed', { detail: `${definition.path}: ${(err as Error).message.split('\n')[0]}` }, test.location)]);
  }
}

/** An analysis's query (analyses/*.yml), rendered as a singular test is: refs and sources to relations, ephemeral models as CTEs. */
export function compileAnalysis(analysis: AnalysisNode, ctx: TestCompileContext): string {
  const ast = HandlebarsModule.parse(analysis.rawCode);
  const rendered = renderModelSql({ packageName: analysis.packageName, originalFilePath: analysis.originalFilePath, relationName: '' }, ast, ctx.env);
  const ctes: { name: string; sql: string }[] = [];
  for (const id of rendered.ephemeralRefs) relationName(id, ctx.manifest, ctx.dialect, ctes);
  return injectCtes(rendered.sql.trim().replace(/;$/, '') + '\n', ctes, ctx.dialect);
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
