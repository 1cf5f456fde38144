/**
 * `scanPii` of the public API (`dpf scan pii`, docs/governance.md#pii-scanner): compile, select
 * the models, seeds, snapshots and sources, sample each relation that exists in the target,
 * and compare what the scanner finds with the columns' `meta: {pii: …}`. Writes the findings to
 * target/pii_findings.json (schemas/pii_findings.schema.json). Findings hold categories and
 * counts, never a sampled value; nothing here logs or stores one.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { isSupportedCountry, type CountryCode } from 'libphonenumber-js/max';
import { adapterFactory } from '../adapters/index.js';
import { compileFromDisk, type CompiledProject } from '../compiler/compile-pipeline.js';
import { hasRelation, isEphemeral, type RelationNode } from '../compiler/node-kinds.js';
import { redactStrings, secretRedactor } from '../compiler/redact-secrets.js';
import { selectNodes } from '../compiler/select-nodes.js';
import { writeFileAtomic } from '../compiler/write-file-atomic.js';
import { diagnostic, fail, type Diagnostic } from '../errors/dpf-error.js';
import { MIN_CONFIDENCE, recordPiiScan, scanRelations, type FindingStatus, type PiiFinding, type PiiScanChanges } from '../governance/scan-pii/index.js';
import { compileOptionsOf, selectionOf, type ProjectOptions, type SelectionOptions } from './options.js';

export type { PiiFinding, FindingStatus, PiiCategory, PiiScanChanges, PiiFindingRef } from '../governance/scan-pii/index.js';

export interface ScanPiiOptions extends ProjectOptions, SelectionOptions {
  /** Rows read per relation (default 1000). */
  readonly sample?: number;
  /** New and mismatched findings are errors (`dpf scan pii --strict` exits 1), not warnings. */
  readonly strict?: boolean;
  /** Phone numbers written without +country code are read as this region's (ISO 3166, default US). */
  readonly phoneRegion?: string;
  /** Stops the reads (cancelled on the engine); scanPii then rejects with the signal's reason. */
  readonly signal?: AbortSignal;
  /** Today, for plausible birth dates (default now). */
  readonly now?: Date;
  /** Record the findings in dpf_meta.pii_findings and compare with the previous scan (default true). */
  readonly history?: boolean;
  /** The id the findings are recorded under (default: a new one); `dpf build --scan-pii` passes its run's. */
  readonly runId?: string;
  /** Who scanned, as dpf_meta.pii_findings.command records it (default scan). */
  readonly command?: 'scan' | 'build';
}

/** target/pii_findings.json and `dpf scan pii --output json`. */
export interface PiiReport {
  readonly version: 1;
  readonly generatedAt: string;
  readonly target: string;
  readonly sampleRows: number;
  readonly minConfidence: number;
  readonly relations: number;
  readonly columns: number;
  readonly skipped: readonly { readonly uniqueId: string; readonly relation: string; readonly reason: 'missing' | 'unreadable' }[];
  readonly counts: { readonly [S in FindingStatus]: number };
  readonly findings: readonly PiiFinding[];
  /** Against each relation's previous scan in dpf_meta.pii_findings; absent when the history was not read or written. */
  readonly changes?: PiiScanChanges;
}

export interface PiiScanOutcome {
  readonly report: PiiReport;
  /** DPF941/944/945 warnings; DPF942/943 per new or mismatched finding (errors with strict). */
  readonly diagnostics: readonly Diagnostic[];
  /** Where the report was written. */
  readonly path: string;
}

export const DEFAULT_SAMPLE_ROWS = 1000;

export async function scanPii(options: ScanPiiOptions = {}): Promise<PiiScanOutcome> {
  const sample = options.sample ?? DEFAULT_SAMPLE_ROWS;
  if (!Number.isInteger(sample) || sample < 1) fail('PiiSampleInvalid', { value: String(options.sample) });
  const phoneRegion = (options.phoneRegion ?? 'US').toUpperCase();
  if (!isSupportedCountry(phoneRegion)) fail('PiiUnknownPhoneRegion', { value: options.phoneRegion ?? '' });
  const compileOptions = compileOptionsOf(options);
  const compiled = await compileFromDisk({ ...compileOptions, writeArtifacts: false });
  for (const warning of compiled.warnings) options.onEvent?.({ type: 'warning', diagnostic: warning });
  const selected = selectNodes(compiled.manifest, compiled.graph, selectionOf(options, compiled.targetPath));
  const nodes = [...selected].map((id) => compiled.manifest.nodes[id]).filter((n): n is RelationNode => hasRelation(n) && !isEphemeral(n));
  const diagnostics: Diagnostic[] = [];
  if (nodes.length === 0) {
    const selection = [...(options.select ?? []), ...(options.exclude ?? []).map((e) => `--exclude ${e}`)].join(' ') || 'the whole project';
    diagnostics.push(diagnostic('PiiNothingToScan', { selection }, undefined, 'warning'));
  }
  const outcome = await scanNodes(compiled, nodes, { ...options, sample, phoneRegion });
  return { ...outcome, diagnostics: [...diagnostics, ...outcome.diagnostics] };
}

/**
 * Scans given relation nodes of a compiled project: what scanPii does after selecting, and what
 * `dpf build --scan-pii` does with the nodes the build made (runNodes). Options are checked by
 * the caller.
 */
export async function scanNodes(
  compiled: Pick<CompiledProject, 'manifest' | 'target' | 'targetPath'>,
  nodes: readonly RelationNode[],
  options: ScanPiiOptions & { readonly sample: number; readonly phoneRegion: string },
): Promise<PiiScanOutcome> {
  const { sample, phoneRegion } = options;
  const compileOptions = compileOptionsOf(options);
  const diagnostics: Diagnostic[] = [];
  const target = compiled.target;
  const adapter = adapterFactory(target.type).create(target, compileOptions.projectDir);
  await adapter.open();
  const secrets = target.secrets.filter((s) => s.length > 0);
  const clean = <T>(value: T): T => (secrets.length === 0 ? value : redactStrings(value, secretRedactor(secrets)));
  const scannedAt = new Date();
  let scan;
  let changes: PiiScanChanges | undefined;
  try {
    scan = await scanRelations({
      adapter,
      targetName: target.targetName,
      lineage: compiled.manifest.governance?.columns,
      nodes,
      sampleRows: sample,
      phoneRegion: phoneRegion as CountryCode,
      strict: options.strict ?? false,
      now: options.now ?? new Date(),
      signal: options.signal,
      parallel: Math.min(4, target.threads),
    });
    // Best effort, as all history is: a warehouse dpf may not write to still gets its report.
    if (options.history !== false && scan.scanned.length > 0) {
      changes = await recordPiiScan({
        adapter,
        database: target.database,
        target: target.targetName,
        runId: options.runId ?? randomUUID(),
        command: options.command ?? 'scan',
        scannedAt,
        scanned: scan.scanned,
        findings: scan.findings,
        clean,
      }).catch((err: unknown) => {
        diagnostics.push(diagnostic('PiiHistoryNotWritten', { detail: String((err as Error)?.message ?? err) }, undefined, 'warning'));
        return undefined;
      });
    }
  } finally {
    await adapter.close();
  }
  const counts = { new: 0, classified: 0, mismatch: 0, dismissed: 0, not_found: 0 };
  for (const f of scan.findings) counts[f.status]++;
  // Profile secrets never reach a report (clean): an engine message may quote a connection string.
  const report: PiiReport = clean({
    version: 1,
    generatedAt: scannedAt.toISOString(),
    target: target.targetName,
    sampleRows: sample,
    minConfidence: MIN_CONFIDENCE,
    relations: scan.relations,
    columns: scan.columns,
    skipped: scan.skipped,
    counts,
    findings: scan.findings,
    ...(changes ? { changes } : {}),
  });
  const path = join(compiled.targetPath, 'pii_findings.json');
  mkdirSync(compiled.targetPath, { recursive: true });
  writeFileAtomic(path, JSON.stringify(report, null, 2) + '\n');
  return { report, diagnostics: clean([...diagnostics, ...scan.diagnostics]), path };
}
