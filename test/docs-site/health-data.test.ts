/**
 * build-health-data.ts on hand-written history: the critical path of a timeline, schema changes
 * from the schema monitor or, without one, from the columns table_stats measured, bands only
 * where a monitor gave one, and links from tests and monitors to the node they are on.
 */
import { describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/compiler/manifest.js';
import { buildHealthData, criticalPath, runTimeline } from '../../src/docs-site/build-health-data.js';
import type { SiteHistory, SiteNodeRun } from '../../src/history/read-site-history.js';
import type { HistoryRun } from '../../src/history/read-history.js';

// Only what build-health-data reads of a manifest: names, parents and attached nodes.
const manifest = {
  nodes: {
    'model.p.a': { name: 'a', dependsOn: [] },
    'model.p.b': { name: 'b', dependsOn: ['model.p.a'] },
    'model.p.c': { name: 'c', dependsOn: ['model.p.a'] },
    'model.p.d': { name: 'd', dependsOn: ['model.p.b', 'model.p.c'] },
    'test.p.not_null_d_id': { name: 'not_null_d_id', kind: 'test', attachedNode: 'model.p.d', dependsOn: ['model.p.d'] },
  },
} as unknown as Manifest;
const position = new Map(['model.p.a', 'model.p.b', 'model.p.c', 'model.p.d'].map((id, i) => [id, i]));

const T0 = Date.parse('2026-01-01T00:00:00Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();

function step(runId: string, id: string, start: number, end: number, thread: number, extra: Partial<SiteNodeRun> = {}): SiteNodeRun {
  return { runId, uniqueId: id, name: id.split('.').pop()!, kind: id.split('.')[0]!, status: 'success', startedAt: at(start), endedAt: at(end), executionSeconds: (end - start) / 1000, rowsAffected: 10, thread, errorMessage: null, resources: {}, ...extra };
}

function run(runId: string, start: number, status = 'success'): HistoryRun {
  return { runId, command: 'build', selector: null, target: 'dev', gitCommit: null, gitDirty: null, user: null, startedAt: at(start), endedAt: at(start + 1000), elapsedSeconds: 1, status, dpfVersion: null, fromLedger: false, workersAtStart: null, workersAtEnd: null, cpuMs: null, computeCost: null, nodes: 4, counts: { success: 4, reused: 0, pass: 0, warn: 0, fail: 0, error: 0, skipped: 0 } };
}

describe('the critical path', () => {
  it('follows, from the step that ended last, the parent that ended last', () => {
    const bars = [
      { id: 'model.p.a', b: 100 },
      { id: 'model.p.b', b: 200 },
      { id: 'model.p.c', b: 900 },
      { id: 'model.p.d', b: 1000 },
    ];
    const parents = (id: string) => (manifest.nodes[id] as unknown as { dependsOn: string[] }).dependsOn;
    expect([...criticalPath(bars, parents)]).toEqual(['model.p.d', 'model.p.c', 'model.p.a']);
  });

  it('is marked on the timeline, whose bars keep their thread and times from the first start', () => {
    const rows = [step('r1', 'model.p.a', 1000, 1100, 1), step('r1', 'model.p.b', 1100, 1200, 1), step('r1', 'model.p.c', 1100, 1900, 2), step('r1', 'model.p.d', 1900, 2000, 1), step('r1', 'test.p.not_null_d_id', 2000, 2050, 2)];
    const timeline = runTimeline('r1', rows, manifest, position)!;
    expect(timeline.bars.filter((b) => b.cp).map((b) => b.n)).toEqual(['a', 'c', 'd', 'not_null_d_id']);
    expect(timeline.threads).toEqual([1, 2]);
    expect(timeline.spanMs).toBe(1050);
    expect(timeline.bars.find((b) => b.n === 'c')).toMatchObject({ a: 100, b: 900, th: 2 });
    // A test's bar opens the page of the node it tests.
    expect(timeline.bars.find((b) => b.n === 'not_null_d_id')!.node).toBe(3);
  });

  it('has no timeline when no step of the run started', () => {
    expect(runTimeline('r1', [step('r1', 'model.p.a', 0, 0, 0, { startedAt: null, endedAt: null, status: 'skipped' })], manifest, position)).toBeUndefined();
  });
});

describe('node series', () => {
  const base: SiteHistory = {
    runs: [run('r3', 3000), run('r2', 2000, 'error'), run('r1', 1000)],
    nodeRuns: [
      step('r1', 'model.p.d', 1000, 1500, 1),
      step('r2', 'model.p.d', 2000, 2000, 0, { status: 'skipped', startedAt: null, endedAt: null, executionSeconds: 0 }),
      step('r3', 'model.p.d', 3000, 3700, 1, { resources: { compute_cost: 0.25 } }),
      step('r2', 'test.p.not_null_d_id', 2000, 2100, 1, { status: 'fail', errorMessage: '3 failing rows' }),
    ],
    tests: [
      { runId: 'r1', uniqueId: 'test.p.not_null_d_id', attachedNode: 'model.p.d', status: 'pass' },
      { runId: 'r2', uniqueId: 'test.p.not_null_d_id', attachedNode: 'model.p.d', status: 'fail' },
    ],
    tableStats: [],
    monitors: [],
  };

  it('has one point per run, oldest first, a gap for a skipped step, rows written, no band and no schema change without monitors', () => {
    const { nodes, health } = buildHealthData(base, manifest, position);
    const d = nodes.get('model.p.d')!;
    expect(d.r).toEqual(['r1', 'r2', 'r3']);
    expect(d.d).toEqual([0.5, null, 0.7]);
    expect(d.rowsFrom).toBe('rows_affected');
    expect(d.dBand).toBeUndefined();
    expect(d.rowsBand).toBeUndefined();
    expect(d.schema).toBeUndefined();
    expect(d.tests).toMatchObject({ r: ['r1', 'r2'], pass: [1, 0], total: [1, 1] });
    expect(d.res).toEqual({ compute_cost: [null, null, 0.25] });
    // The failed test is a problem of run r2, linked to d.
    expect(health.problems).toEqual([expect.objectContaining({ run: 'r2', name: 'not_null_d_id', status: 'fail', node: 3, message: '3 failing rows' })]);
    expect(health.runs.map((r) => r.id)).toEqual(['r3', 'r2', 'r1']);
  });

  it('takes row counts and bands from the monitors, and schema changes from the columns measured when no schema monitor ran', () => {
    const history: SiteHistory = {
      ...base,
      tableStats: [
        ...['r1', 'r2', 'r3'].map((runId, i) => ({ runId, uniqueId: 'model.p.d', column: null, dataType: null, rowCount: 100 * (i + 1), columnsJson: null })),
        { runId: 'r1', uniqueId: 'model.p.d', column: 'id', dataType: 'INTEGER', rowCount: null, columnsJson: null },
        { runId: 'r1', uniqueId: 'model.p.d', column: 'old', dataType: 'VARCHAR', rowCount: null, columnsJson: null },
        { runId: 'r3', uniqueId: 'model.p.d', column: 'id', dataType: 'BIGINT', rowCount: null, columnsJson: null },
        { runId: 'r3', uniqueId: 'model.p.d', column: 'email', dataType: 'VARCHAR', rowCount: null, columnsJson: null },
      ],
      monitors: [{ runId: 'r3', node: 'model.p.d', monitor: 'volume', metric: 'row_count', column: null, status: 'warn', value: 300, low: 90, high: 110, detail: null, measuredAt: at(3800) }],
    };
    const { nodes, health } = buildHealthData(history, manifest, position);
    const d = nodes.get('model.p.d')!;
    expect(d.rowsFrom).toBe('table_stats');
    expect(d.rows).toEqual([100, 200, 300]);
    expect(d.rowsBand).toEqual([[null, null, 90], [null, null, 110]]);
    expect(d.schema!.map((c) => c.change)).toEqual(['column id retyped from INTEGER to BIGINT', 'column email (VARCHAR) added', 'column old removed']);
    expect(health.problems[0]).toMatchObject({ kind: 'monitor', monitor: 'volume', value: 300, low: 90, high: 110, node: 3 });
  });

  it('reads the columns of each run from the table row (columns_json, dpf_meta version 5)', () => {
    const schema = (columns: [string, string][]) => JSON.stringify(columns.map(([name, type]) => ({ name, type })));
    const history: SiteHistory = {
      ...base,
      tableStats: [
        { runId: 'r1', uniqueId: 'model.p.d', column: null, dataType: null, rowCount: 1, columnsJson: schema([['id', 'INTEGER'], ['old', 'VARCHAR']]) },
        { runId: 'r2', uniqueId: 'model.p.d', column: null, dataType: null, rowCount: 1, columnsJson: schema([['id', 'INTEGER'], ['old', 'VARCHAR']]) },
        { runId: 'r3', uniqueId: 'model.p.d', column: null, dataType: null, rowCount: 1, columnsJson: schema([['id', 'BIGINT'], ['email', 'VARCHAR']]) },
      ],
    };
    expect(buildHealthData(history, manifest, position).nodes.get('model.p.d')!.schema!.map((c) => [c.r, c.change])).toEqual([
      ['r3', 'column id retyped from INTEGER to BIGINT'],
      ['r3', 'column email (VARCHAR) added'],
      ['r3', 'column old removed'],
    ]);
  });

  it('lists the schema monitor\'s findings when it ran, not the measured columns', () => {
    const history: SiteHistory = {
      ...base,
      tableStats: [
        { runId: 'r1', uniqueId: 'model.p.d', column: 'id', dataType: 'INTEGER', rowCount: null, columnsJson: null },
        { runId: 'r3', uniqueId: 'model.p.d', column: 'other', dataType: 'INTEGER', rowCount: null, columnsJson: null },
      ],
      monitors: [
        { runId: 'r1', node: 'model.p.d', monitor: 'schema_change', metric: null, column: null, status: 'pass', value: null, low: null, high: null, detail: null, measuredAt: null },
        { runId: 'r3', node: 'model.p.d', monitor: 'schema_change', metric: 'column_added', column: 'email', status: 'warn', value: null, low: null, high: null, detail: 'column email (VARCHAR) added', measuredAt: null },
      ],
    };
    expect(buildHealthData(history, manifest, position).nodes.get('model.p.d')!.schema).toEqual([{ t: T0 + 3000, r: 'r3', change: 'column email (VARCHAR) added' }]);
  });
});
