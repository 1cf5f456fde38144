/**
 * The generic tests a project can use: the built-ins (templates/<adapter>/tests/, falling back
 * to templates/default/tests/, with argument schemas in schemas/generic_tests.schema.json) and
 * the project's own tests/generic/<name>.sql. Owns how an argument reaches a template.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import HandlebarsModule from 'handlebars';
import type { ValidateFunction } from 'ajv';
import type { ProjectFile } from './load-project.js';
import { SCHEMAS_DIR, TEMPLATES_DIR } from './package-paths.js';
import { compileSchema } from './schema-validators.js';

/** How an argument is rendered: see schemas/generic_tests.schema.json. */
export type ArgKind = 'column' | 'columns' | 'relation' | 'values' | 'sql' | 'number' | 'raw';

export interface GenericTestDefinition {
  readonly name: string;
  readonly builtin: boolean;
  /** Where the template lives, for messages: templates/default/tests/x.sql.hbs or tests/generic/x.sql. */
  readonly path: string;
  readonly template: string;
  readonly args: Record<string, ArgKind>;
  readonly defaults: Record<string, unknown>;
  readonly needsColumn: boolean;
  /** Custom tests: arguments the template reads outside any block, so it cannot do without. */
  readonly required: string[];
  /** Validates arguments (built-ins, compiled on first use); custom tests accept the names their template uses. */
  readonly validate?: ValidateFunction;
}

interface SchemaDefinition {
  properties?: Record<string, { 'x-dpf-arg'?: ArgKind; default?: unknown }>;
  'x-dpf-needs-column'?: boolean;
}

export function loadGenericTests(adapterName: string, projectTests: readonly ProjectFile[]): Map<string, GenericTestDefinition> {
  const schema = JSON.parse(readFileSync(join(SCHEMAS_DIR, 'generic_tests.schema.json'), 'utf8')) as {
    definitions: Record<string, SchemaDefinition>;
  };
  const out = new Map<string, GenericTestDefinition>();
  const defaultDir = join(TEMPLATES_DIR, 'default', 'tests');
  const adapterDir = join(TEMPLATES_DIR, adapterName, 'tests');
  for (const file of readdirSync(defaultDir).filter((f) => f.endsWith('.sql.hbs'))) {
    const name = file.slice(0, -'.sql.hbs'.length);
    const specific = join(adapterDir, file);
    const path = existsSync(specific) ? `templates/${adapterName}/tests/${file}` : `templates/default/tests/${file}`;
    const definition = schema.definitions[name] ?? {};
    const args: Record<string, ArgKind> = {};
    const defaults: Record<string, unknown> = {};
    for (const [arg, spec] of Object.entries(definition.properties ?? {})) {
      args[arg] = spec['x-dpf-arg'] ?? 'raw';
      if (spec.default !== undefined) defaults[arg] = spec.default;
    }
    out.set(name, {
      name,
      builtin: true,
      path,
      template: readFileSync(existsSync(specific) ? specific : join(defaultDir, file), 'utf8'),
      args,
      defaults,
      needsColumn: definition['x-dpf-needs-column'] === true,
      required: [],
      validate: lazyValidator(() => compileSchema(definition)),
    });
  }
  for (const file of projectTests) {
    const { all, required } = templateVariables(file.text);
    const args = Object.fromEntries(all.map((v) => [v, 'raw' as ArgKind]));
    out.set(file.name, { name: file.name, builtin: false, path: file.path, template: file.text, args, defaults: {}, needsColumn: false, required });
  }
  return out;
}

/** Compiling a JSON Schema costs milliseconds; most runs use few of the built-in tests. */
function lazyValidator(compile: () => ValidateFunction): ValidateFunction {
  let compiled: ValidateFunction | undefined;
  const validate = ((data: unknown) => {
    compiled ??= compile();
    const ok = compiled(data);
    validate.errors = compiled.errors;
    return ok;
  }) as ValidateFunction;
  return validate;
}

const RESERVED = new Set(['model', 'column_name', 'this', 'if', 'unless', 'each', 'with', 'lookup', 'log', 'else']);

/**
 * Names a custom test template reads ({{values}}, {{#each values}}, (eq x y)): its arguments.
 * Those read outside any block are required; those in a block or its condition may be left out.
 */
export function templateVariables(text: string): { all: string[]; required: string[] } {
  let ast: hbs.AST.Program;
  try {
    ast = HandlebarsModule.parse(text);
  } catch {
    return { all: [], required: [] };
  }
  const names = new Set<string>();
  const required = new Set<string>();
  const visitExpr = (e: hbs.AST.Expression | undefined, inBlock: boolean) => {
    if (!e) return;
    if (e.type === 'PathExpression') {
      const p = e as hbs.AST.PathExpression;
      if (!p.data && p.depth === 0 && p.parts[0] && !RESERVED.has(p.parts[0]) && !/^this([./]|$)/.test(p.original)) {
        names.add(p.parts[0]);
        if (!inBlock) required.add(p.parts[0]);
      }
    } else if (e.type === 'SubExpression') {
      const s = e as hbs.AST.SubExpression;
      s.params.forEach((x) => visitExpr(x, inBlock));
      s.hash?.pairs.forEach((pair) => visitExpr(pair.value, inBlock));
    }
  };
  const visit = (program: hbs.AST.Program | undefined, depth: number, inBlock: boolean) => {
    for (const stmt of program?.body ?? []) {
      if (stmt.type === 'MustacheStatement') {
        const m = stmt as hbs.AST.MustacheStatement;
        if (m.params.length === 0 && depth === 0) visitExpr(m.path, inBlock);
        m.params.forEach((x) => visitExpr(x, inBlock));
      } else if (stmt.type === 'BlockStatement') {
        const b = stmt as hbs.AST.BlockStatement;
        b.params.forEach((x) => visitExpr(x, true));
        const scoped = ['each', 'with'].includes((b.path as hbs.AST.PathExpression).original);
        visit(b.program, scoped ? depth + 1 : depth, true);
        visit(b.inverse, depth, true);
      }
    }
  };
  visit(ast, 0, false);
  return { all: [...names], required: [...required] };
}
