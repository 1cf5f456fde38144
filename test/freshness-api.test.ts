/**
 * Freshness as a plan step: sourceFreshness runs the checks through the one runner, maps the
 * verdicts to step statuses, carries the facts on each result, and writes sources.json (and
 * not run_results.json) from them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planRun, sourceFreshness, type DpfEvent } from '../src/index.js';
import { schemaValidator } from '../src/compiler/schema-validators.js';
import { compileFromDisk } from '../src/compiler/compile-pipeline.js';
import { selectNodes } from '../src/compiler/select-nodes.js';
import { makeProject, tempDir } from './helpers/run-dpf.js';

const iso = (hoursAgo: number) => new Date(Date.now() - hoursAgo * 3600_000).toISOString().replace('T', ' ').slice(0, 19);

function project(): string {
  const table = (name: string, hoursAgo: number) => `      - name: ${name}\n        loaded_at_query: "select timestamp '${iso(hoursAgo)}'"\n`;
  return makeProject({
    'models/sources.yml': `sources:
  - name: feed
    freshness:
      warn_after: {count: 2, period: hour}
      error_after: {count: 1, period: day}
    tables:
${table('fresh', 1)}${table('late', 5)}${table('stale', 50)}      - name: broken
        loaded_at_query: "select no_such_column"
      - name: unchecked
        freshness: null
`,
    'models/m.sql': 'select 1 as id\n',
  });
}

describe('sourceFreshness', () => {
  it('plans one freshness step per source with a rule, for that command only', async () => {
    const dir = project();
    const compiled = await compileFromDisk({ projectDir: dir, env: process.env });
    const all = selectNodes(compiled.manifest, compiled.graph, {});
    const plan = planRun(compiled.manifest, compiled.graph, all, { command: 'freshness' });
    expect(plan.steps.map((s) => [s.name, s.strategy, s.resourceType]).sort()).toEqual(
      ['broken', 'fresh', 'late', 'stale'].map((t) => [expect.stringContaining(t), 'freshness', 'source']).sort(),
    );
    expect(planRun(compiled.manifest, compiled.graph, all, { command: 'build' }).steps.map((s) => s.strategy)).not.toContain('freshness');
  });

  it('runs the checks as steps: pass, warn, fail and error, with their facts, and writes sources.json from them', async () => {
    const dir = project();
    const events: DpfEvent[] = [];
    const output = join(tempDir(), 'out/fresh.json');
    const outcome = await sourceFreshness({ projectDir: dir, output, onEvent: (e) => events.push(e) });
    expect(outcome.exitCode).toBe(1);
    const byTable = Object.fromEntries(outcome.summary!.results.map((r) => [r.freshness?.tableName ?? r.name, r]));
    expect(Object.fromEntries(Object.entries(byTable).map(([t, r]) => [t, r.status]))).toEqual({ fresh: 'pass', late: 'warn', stale: 'fail', broken: 'error' });
    expect(byTable.late!.freshness!.maxLoadedAtTimeAgoInS).toBeGreaterThan(5 * 3600 - 120);
    expect(byTable.late!.freshness!.criteria.warnAfter).toEqual({ count: 2, period: 'hour' });
    expect(byTable.broken!.freshness!.status).toBe('runtime error');
    expect(byTable.broken!.error!.location?.file).toBe('models/sources.yml');
    expect(events.filter((e) => e.type === 'node_finished')).toHaveLength(4);

    const doc = JSON.parse(readFileSync(output, 'utf8'));
    const valid = schemaValidator('sources');
    expect(valid(doc), JSON.stringify(valid.errors)).toBe(true);
    expect(Object.fromEntries(doc.results.map((r: { tableName: string; status: string }) => [r.tableName, r.status]))).toEqual({
      fresh: 'pass',
      late: 'warn',
      stale: 'error',
      broken: 'runtime error',
    });
    expect(doc.metadata.invocationId).toBe(outcome.summary!.invocationId);
    // A freshness check is not a build: the last build's run_results.json stays as it was.
    expect(existsSync(join(dir, 'target/run_results.json'))).toBe(false);
  });
});
