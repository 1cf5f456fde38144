/** target/run_results.json: one entry per planned node, shaped by schemas/run_results.schema.json. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DPF_VERSION } from '../compiler/package-paths.js';
import type { RunSummary } from './run-results.js';

export const RUN_RESULTS_SCHEMA_VERSION = 'https://dpf.dev/schemas/run_results/v1.json';

export function writeRunResults(targetPath: string, summary: RunSummary, redact: (s: string) => string = (s) => s): string {
  mkdirSync(targetPath, { recursive: true });
  const file = join(targetPath, 'run_results.json');
  const doc = {
    $schema: RUN_RESULTS_SCHEMA_VERSION,
    metadata: {
      dpfSchemaVersion: RUN_RESULTS_SCHEMA_VERSION,
      dpfVersion: DPF_VERSION,
      generatedAt: new Date().toISOString(),
      invocationId: summary.invocationId,
      command: summary.command,
    },
    elapsedTime: summary.elapsed,
    counts: summary.counts,
    results: summary.results.map((r) => ({
      uniqueId: r.uniqueId,
      name: r.name,
      resourceType: r.resourceType,
      materialized: r.strategy,
      relationName: r.relationName,
      status: r.status,
      timing: r.startedAt ? { startedAt: r.startedAt, completedAt: r.completedAt } : undefined,
      executionTime: r.executionTime,
      rowsAffected: r.rowsAffected,
      failures: r.failures,
      message: r.message,
      error: r.error,
      skippedBecause: r.skippedBecause,
      runPath: r.runPath,
      adapterResponse: r.rowsAffected !== undefined ? { rowsAffected: r.rowsAffected } : {},
    })),
  };
  writeFileSync(file, redact(JSON.stringify(doc, null, 1)));
  return file;
}
