/**
 * Exports (`exports:` on a model, docs/plugins.md), end to end on real DuckDB files: a sink
 * plugin delivers the model's rows after the model builds and its tests pass; a failing sink
 * is its node's failure, delivered again alone with `-s export:<name>`; the warehouse writes
 * files itself where it can (`ctx.copyTo`).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { schemaValidator } from '../src/compiler/schema-validators.js';
import { queryDuckDB } from './helpers/query-duckdb.js';
import { dpf, makeProject } from './helpers/run-dpf.js';

// Writes the rows as JSON lines to a temporary file and renames it into place.
const JSONL = `import { defineSink } from 'dpf';
import { renameSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';

export default defineSink<{ path: string; fail?: boolean }>({
  config: { type: 'object', required: ['path'], properties: { path: { type: 'string' }, fail: { type: 'boolean' } } },
  async write(rows, config, ctx) {
    const lines: string[] = [];
    for await (const batch of rows) {
      for (const row of batch) lines.push(JSON.stringify(row));
      if (config.fail) throw new Error('the bucket refused the upload');
    }
    const target = join(ctx.projectDir, config.path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target + '.tmp', lines.join('\\n') + '\\n');
    renameSync(target + '.tmp', target);
    return { location: config.path };
  },
});
`;

const PARQUET = `import { defineSink } from 'dpf';
import { join } from 'node:path';
export default defineSink<{ path: string }>({
  config: { type: 'object', required: ['path'], properties: { path: { type: 'string' } } },
  async write(rows, config, ctx) {
    if (!ctx.copyTo) throw new Error('this warehouse cannot write files');
    await ctx.copyTo(join(ctx.projectDir, config.path), { format: 'parquet' });
    return { location: config.path };
  },
});
`;

const SOURCE = `import { defineSource } from 'dpf';
export default defineSource({ config: { type: 'object', properties: {} }, columns: [{ name: 'id', type: 'integer' }], *extract() { yield [[1]]; } });
`;

const schema = (exportEntry: string, test = 'not_null') =>
  `models:\n  - name: orders\n    columns:\n      - name: id\n        data_tests: [${test}]\n    exports:\n${exportEntry}`;

function project(exportEntry: string): string {
  return makeProject(
    {
      'plugins/jsonl.ts': JSONL,
      'plugins/parquet.ts': PARQUET,
      'plugins/numbers.ts': SOURCE,
      'models/orders.sql': "{{config materialized=\"table\"}}\nselect * from (values (1, 'a'), (2, 'b'), ({{var \"third\" 3}}, 'c')) as t(id, label)\n",
      'models/schema.yml': schema(exportEntry),
    },
    'name: proj\nmonitors: off\n',
  );
}

const lines = (dir: string, path: string) => readFileSync(join(dir, path), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as unknown);

describe('exports', () => {
  it('delivers a model\'s rows through its sink after the model and its tests, as a node of its own', async () => {
    const dir = project('      - plugin: jsonl\n        path: out/orders.jsonl\n');
    const built = await dpf(['build'], { cwd: dir });
    expect(built.code, built.output).toBe(0);
    const order = built.stdout.split('\n').filter((l) => / of \d+ /.test(l)).map((l) => l.replace(/ \.+.*/, '').replace(/^.*? (OK|PASS) +/, ''));
    expect(order).toEqual(['table  main.orders', 'test   not_null_orders_id', 'exp    orders_jsonl']);
    expect(built.stdout).toMatch(/OK +exp +orders_jsonl \.+ \[3 rows to out\/orders\.jsonl in/);
    expect(lines(dir, 'out/orders.jsonl')).toEqual([
      { id: 1, label: 'a' },
      { id: 2, label: 'b' },
      { id: 3, label: 'c' },
    ]);
    const manifest = JSON.parse(readFileSync(join(dir, 'target/manifest.json'), 'utf8')) as { nodes: Record<string, { kind: string; attachedNode?: string; config?: unknown }>; parentMap: Record<string, string[]> };
    expect(schemaValidator('manifest')(manifest), JSON.stringify(schemaValidator('manifest').errors)).toBe(true);
    expect(manifest.nodes['export.proj.orders_jsonl']).toMatchObject({ kind: 'export', attachedNode: 'model.proj.orders', config: { path: 'out/orders.jsonl' } });
    expect(manifest.parentMap['export.proj.orders_jsonl']).toEqual(['model.proj.orders']);
    const results = JSON.parse(readFileSync(join(dir, 'target/run_results.json'), 'utf8')) as unknown;
    expect(schemaValidator('run_results')(results), JSON.stringify(schemaValidator('run_results').errors)).toBe(true);

    const listed = await dpf(['ls', '-s', 'export:orders_*'], { cwd: dir });
    expect(listed.stdout.trim().split('\n').at(-1)).toMatch(/export +orders_jsonl/);
  });

  it('does not deliver rows whose tests failed', async () => {
    const dir = project('      - plugin: jsonl\n        path: out/orders.jsonl\n');
    expect((await dpf(['build'], { cwd: dir })).code).toBe(0);
    writeFileSync(join(dir, 'models/schema.yml'), schema('      - plugin: jsonl\n        path: out/orders.jsonl\n', 'not_null, {accepted_values: {values: [1, 2, 3]}}'));
    const failed = await dpf(['build', '--vars', '{third: 4}'], { cwd: dir });
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/SKIP +exp +orders_jsonl/);
    expect((lines(dir, 'out/orders.jsonl') as { id: number }[]).map((r) => r.id)).toEqual([1, 2, 3]);
  });

  it('a failing sink is its node\'s error at the exports: entry, delivered again alone with -s export:<name>', async () => {
    const dir = project('      - name: to_lake\n        plugin: jsonl\n        path: out/orders.jsonl\n        fail: true\n');
    const failed = await dpf(['build'], { cwd: dir });
    expect(failed.code).toBe(1);
    expect(failed.output).toContain('DPF807');
    expect(failed.output).toContain('the bucket refused the upload');
    expect(failed.output).toMatch(/models[/\\]schema\.yml:7/);
    expect(failed.output).not.toMatch(/\n\s+at /);
    expect(existsSync(join(dir, 'out/orders.jsonl'))).toBe(false);

    writeFileSync(join(dir, 'models/schema.yml'), schema('      - name: to_lake\n        plugin: jsonl\n        path: out/orders.jsonl\n'));
    const again = await dpf(['build', '-s', 'export:to_lake'], { cwd: dir });
    expect(again.code, again.output).toBe(0);
    expect(again.stdout).toMatch(/1 of 1 OK +exp +to_lake/);
    expect(lines(dir, 'out/orders.jsonl')).toHaveLength(3);
  });

  it('lets the warehouse write the files itself where it can (DuckDB COPY … TO)', async () => {
    const dir = project('      - plugin: parquet\n        path: out/orders.parquet\n');
    const built = await dpf(['build'], { cwd: dir });
    expect(built.code, built.output).toBe(0);
    const back = await queryDuckDB(join(dir, 'target/dev.duckdb'), `select id, label from read_parquet('${join(dir, 'out/orders.parquet')}') order by id`);
    expect(back.map((r) => [Number(r.id), r.label])).toEqual([
      [1, 'a'],
      [2, 'b'],
      [3, 'c'],
    ]);
    expect(readFileSync(join(dir, 'target/run/proj/exports/orders_parquet.sql'), 'utf8')).toMatch(/copy \(select \* from "main"\."orders"\) to '.*orders\.parquet' \(format parquet\)/);
  });

  it('checks each entry against its plugin at compile time, at its line', async () => {
    const dir = project('      - plugin: jsnl\n        path: a.jsonl\n      - plugin: numbers\n      - plugin: jsonl\n        paht: b.jsonl\n');
    const compiled = await dpf(['compile'], { cwd: dir });
    expect(compiled.code).toBe(2);
    expect(compiled.output).toMatch(/DPF800[\s\S]*models[/\\]schema\.yml:7[\s\S]*Did you mean "jsonl"/);
    expect(compiled.output).toMatch(/DPF802[\s\S]*models[/\\]schema\.yml:9[\s\S]*it is a source plugin, and exports: need a sink plugin/);
    expect(compiled.output).toMatch(/DPF102[\s\S]*models[/\\]schema\.yml:11[\s\S]*Did you mean "path"/);
  });
});
