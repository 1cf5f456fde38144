/** target/run_results.json: one entry per planned node, shaped by schemas/run_results.schema.json. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DPF_VERSION } from '../compiler/package-paths.js';
import { readJsonArtifact } from '../compiler/read-json-artifact.js';
import { redactStrings } from '../compiler/redact-secrets.js';
import { writeFileAtomic } from '../compiler/write-file-atomic.js';
import type { RunSummary } from './run-results.js';

export const RUN_RESULTS_SCHEMA_VERSION = 'https://dpf.dev/schemas/run_results/v1.json';

/**
 * Writes target/run_results.json (this run) and, with a target name, merges this run's results
 * into target/node_results.json: the latest result of every node in that target, whichever run
 * it came from, so that the catalog still knows a model's last build after a `dpf test -s x`.
 */
export function writeRunResults(
  targetPath: string,
  summary: RunSummary,
  redact: (s: string) => string = (s) => s,
  targetName?: string,
  onDamaged: (file: string, detail: string) => void = () => {},
): string {
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
    ...(summary.tolerated ? { tolerated: summary.tolerated } : {}),
    ...(summary.warnings?.length ? { warnings: summary.warnings } : {}),
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
      monitor: r.monitor,
      message: r.message,
      reason: r.reason,
      error: r.error,
      skippedBecause: r.skippedBecause,
      queuedMs: r.queuedMs,
      queuedFor: r.queuedFor,
      attempts: r.attempts,
      attemptErrors: r.attemptErrors,
      decisions: r.decisions,
      decidedBy: r.decidedBy,
      tolerated: r.tolerated,
      readPrevious: r.readPrevious,
      warnings: r.warnings,
      runPath: r.runPath,
      // As dbt's adapter_response: what the engine reported, with its measured figures (docs/cost.md).
      adapterResponse: { ...(r.rowsAffected !== undefined ? { rowsAffected: r.rowsAffected } : {}), ...(r.resources ?? {}) },
    })),
  };
  // Values are redacted before serializing: a secret holding " or \ is escaped in the JSON text.
  writeFileAtomic(file, JSON.stringify(redactStrings(doc, redact), null, 1));
  if (targetName !== undefined) mergeNodeResults(targetPath, targetName, doc.metadata, doc.results, redact, onDamaged);
  return file;
}

type ResultEntry = Record<string, unknown> & { uniqueId: string };

interface NodeResultsFile {
  readonly targets: Record<string, Record<string, ResultEntry & { invocationId: string; command: string; generatedAt: string }>>;
}

function mergeNodeResults(
  targetPath: string,
  targetName: string,
  metadata: { invocationId: string; command: string; generatedAt: string },
  results: ResultEntry[],
  redact: (s: string) => string,
  onDamaged: (file: string, detail: string) => void,
): void {
  const file = join(targetPath, 'node_results.json');
  // None yet, or damaged: start again from this run (the catalog forgets older results).
  const read = readJsonArtifact<NodeResultsFile>(file, (detail) => onDamaged(file, detail));
  const doc: NodeResultsFile = read && typeof read.targets === 'object' && read.targets !== null ? read : { targets: {} };
  const latest = { ...(doc.targets?.[targetName] ?? {}) };
  for (const r of results) latest[r.uniqueId] = { ...r, invocationId: metadata.invocationId, command: metadata.command, generatedAt: metadata.generatedAt };
  writeFileAtomic(file, JSON.stringify(redactStrings({ targets: { ...doc.targets, [targetName]: latest } } satisfies NodeResultsFile, redact)));
}
