/**
 * Unit tests, at parse time: YAML `unit_tests:` entries naming a model, fixture rows for the
 * inputs it reads (inline dicts, CSV text or files in tests/fixtures/, or SQL) and the rows it
 * should return. Checks that every input is one the model reads and that every input the
 * model reads is given, so a unit test never falls through to a real table.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { diagnostic, type DiagnosticBag, type SourceLocation } from '../errors/dpf-error.js';
import { closestMatch } from './closest-match.js';
import type { ProjectFiles } from './load-project.js';
import type { ExecutableNode, FixtureInput, SourceNode, UnitTestNode } from './manifest.js';
import { parseRelationArg } from './parse-data-tests.js';
import { toTags } from './resolve-config.js';

export interface UnitTestParseContext {
  readonly files: ProjectFiles;
  readonly projectName: string;
  readonly nodes: Readonly<Record<string, ExecutableNode>>;
  readonly sources: Readonly<Record<string, SourceNode>>;
  readonly byName: ReadonlyMap<string, { uniqueId: string }>;
  readonly bag: DiagnosticBag;
}

type Format = 'dict' | 'csv' | 'sql';
interface RawFixture {
  input?: string;
  format?: Format;
  rows?: unknown;
  fixture?: string;
}

export function parseUnitTests(ctx: UnitTestParseContext): Record<string, UnitTestNode> {
  const out: Record<string, UnitTestNode> = {};
  const { bag, projectName } = ctx;
  for (const file of ctx.files.properties) {
    (file.data.unit_tests ?? []).forEach((entry, i) => {
      const at = (...path: (string | number)[]) => file.locate(['unit_tests', i, ...path]);
      const fail = (detail: string, location: SourceLocation, suggestion?: string) =>
        bag.add(diagnostic('UnitTestInvalid', { test: entry.name, detail, suggestion }, location));
      const modelRef = ctx.byName.get(entry.model);
      const model = modelRef ? ctx.nodes[modelRef.uniqueId] : undefined;
      if (!model || model.kind !== 'model') {
        const models = Object.values(ctx.nodes).filter((n) => n.kind === 'model').map((n) => n.name);
        fail(`names the model "${entry.model}", which does not exist`, at('model'), closestMatch(entry.model, models));
        return;
      }
      const given: FixtureInput[] = [];
      const rawGiven = (entry.given as RawFixture[] | undefined) ?? [];
      let ok = true;
      rawGiven.forEach((g, j) => {
        const location = at('given', j);
        const parsed = parseRelationArg(String(g.input ?? ''));
        let inputId: string | undefined;
        if (parsed && 'ref' in parsed) inputId = ctx.byName.get(parsed.ref)?.uniqueId;
        else if (parsed) inputId = `source.${projectName}.${parsed.source}.${parsed.table}`;
        if (!inputId || !model.dependsOn.includes(inputId)) {
          const readable = model.dependsOn.map((d) => describeInput(d, ctx));
          fail(`gives rows for ${g.input}, which ${model.name} does not read (it reads ${readable.join(', ') || 'nothing'})`, at('given', j, 'input'), closestMatch(String(g.input), readable));
          ok = false;
          return;
        }
        const rows = readFixture(g, location, ctx, bag);
        if (!rows) {
          ok = false;
          return;
        }
        given.push({ input: String(g.input), inputId, location, ...rows });
      });
      for (const dep of model.dependsOn) {
        if (!given.some((g) => g.inputId === dep) && ok) {
          fail(`gives no rows for ${describeInput(dep, ctx)}, which ${model.name} reads; add it to given: (rows: [] for an empty input)`, at('given'));
          ok = false;
        }
      }
      const expect = readFixture(entry.expect as RawFixture, at('expect'), ctx, bag);
      if (!ok || !expect) return;
      const overrides = (entry.overrides as { vars?: Record<string, unknown>; macros?: { is_incremental?: boolean } }) ?? {};
      const config = (entry.config as { tags?: unknown; enabled?: boolean; meta?: Record<string, unknown> }) ?? {};
      if (config.enabled === false) return;
      const tags = [...new Set([...toTags(config.tags), ...toTags(entry.tags)])];
      const uniqueId = `unit_test.${projectName}.${model.name}.${entry.name}`;
      if (out[uniqueId]) {
        bag.add(diagnostic('DuplicateName', { kind: 'unit test', name: entry.name, other: out[uniqueId]!.originalFilePath }, at('name')));
        return;
      }
      out[uniqueId] = {
        kind: 'unit_test',
        uniqueId,
        name: entry.name,
        packageName: projectName,
        originalFilePath: file.path,
        location: at(),
        fqn: [projectName, model.name, entry.name],
        description: String(entry.description ?? ''),
        tags,
        meta: { ...(config.meta ?? {}), ...((entry.meta as object) ?? {}) },
        config: { tags, enabled: true, meta: config.meta ?? {} },
        attachedNode: model.uniqueId,
        given,
        expect,
        overrides: { vars: overrides.vars ?? {}, isIncremental: overrides.macros?.is_incremental },
        dependsOn: [...model.dependsOn],
      };
    });
  }
  return out;
}

function describeInput(id: string, ctx: UnitTestParseContext): string {
  const source = ctx.sources[id];
  if (source) return `source('${source.sourceName}', '${source.tableName}')`;
  return `ref('${ctx.nodes[id]?.name ?? id}')`;
}

function readFixture(
  raw: RawFixture | undefined,
  location: SourceLocation,
  ctx: UnitTestParseContext,
  bag: DiagnosticBag,
): { format: Format; rows?: Record<string, unknown>[]; sql?: string } | undefined {
  const fixtureError = (detail: string, loc: SourceLocation = location) => {
    bag.add(diagnostic('FixtureInvalid', { detail }, loc));
    return undefined;
  };
  if (!raw) return fixtureError('it is missing');
  let format: Format = raw.format ?? (typeof raw.rows === 'string' ? 'csv' : 'dict');
  let text: string | undefined;
  let textLocation = location;
  if (raw.fixture !== undefined) {
    const candidates = ctx.files.fixtureDirs.flatMap((d) => [join(d, raw.fixture!), join(d, `${raw.fixture}.${raw.format === 'sql' ? 'sql' : 'csv'}`)]);
    const found = candidates.find((c) => existsSync(c) && !c.endsWith('/'));
    if (!found) return fixtureError(`no fixture file "${raw.fixture}" in ${ctx.files.fixtureDirs.map((d) => d.slice(ctx.files.root.length + 1)).join(', ')}`);
    text = readFileSync(found, 'utf8');
    if (!raw.format) format = found.endsWith('.sql') ? 'sql' : 'csv';
    textLocation = { file: found.slice(ctx.files.root.length + 1), line: 1 };
  } else if (typeof raw.rows === 'string') {
    text = raw.rows;
  }
  switch (format) {
    case 'dict': {
      const rows = raw.rows ?? [];
      if (!Array.isArray(rows) || rows.some((r) => !r || typeof r !== 'object' || Array.isArray(r))) {
        return fixtureError('rows must be a list of mappings (column: value)');
      }
      return { format, rows: rows as Record<string, unknown>[] };
    }
    case 'csv': {
      if (text === undefined) return fixtureError('format csv needs rows as CSV text or a fixture file');
      try {
        const records = parseCsv(text.trim(), { columns: true, skip_empty_lines: true, trim: true }) as Record<string, string>[];
        return { format, rows: records.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v === '' ? null : v]))) };
      } catch (err) {
        const e = err as Error & { lines?: number };
        const line = textLocation.line !== undefined && e.lines !== undefined ? textLocation.line + (raw.fixture ? e.lines - 1 : e.lines) : textLocation.line;
        return fixtureError(e.message.replace(/ on line \d+$/, '').replace(/ at line \d+$/, ''), { ...textLocation, line });
      }
    }
    case 'sql':
      if (text === undefined) return fixtureError('format sql needs rows as a SELECT or a fixture file');
      return { format, sql: text.trim().replace(/;$/, '') };
  }
}
