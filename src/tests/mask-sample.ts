/**
 * Failing rows a test shows (run_results.json, the terminal, history) never carry personal
 * data (docs/governance.md): in a sample of a test on a column that is personal data, every
 * value but numbers is masked; in any other test's sample, the values of columns named like a
 * personal-data column of what the test reads are. Personal data: declared (`pii:`, `meta:
 * {pii}`, a pii/sensitive tag) or carried by column lineage (the manifest's governance).
 */
import type { QueryResult } from '../adapters/adapter.js';
import type { Manifest, TestNode } from '../compiler/manifest.js';
import { isSensitiveColumn } from '../compiler/sensitive-columns.js';

export const MASKED = '<personal data>';

export function maskSample(sample: QueryResult, node: TestNode, manifest: Manifest): QueryResult {
  const read = node.dependsOn.map((id) => manifest.nodes[id]).filter((n) => n !== undefined && 'columns' in n);
  const sensitive = (column: string) => read.some((n) => isSensitiveColumn(n as Parameters<typeof isSensitiveColumn>[0], column, manifest.governance));
  const attached = node.attachedNode ? manifest.nodes[node.attachedNode] : undefined;
  const onPersonalColumn = !!node.columnName && !!attached && 'columns' in attached && isSensitiveColumn(attached, node.columnName, manifest.governance);
  // A count beside the value (unique's n_records) stays: it is a number column, not the data.
  const numeric = (type: string | undefined) => /int|decimal|numeric|double|float|real/i.test(type ?? '');
  const masked = sample.columns.map((c) => (onPersonalColumn ? !numeric(c.type) : sensitive(c.name)));
  if (!masked.some(Boolean)) return sample;
  const mask = (value: unknown, i: number) => (masked[i] && value !== null ? MASKED : value);
  return { ...sample, rows: sample.rows.map((row) => row.map(mask)) };
}
