/**
 * The runner's side of the relation records: gathers the facts reuse is decided on (records,
 * source versions), marks what the run will replace before anything is replaced, and writes
 * the record of each relation once it is replaced (in batches, so that a build of a thousand
 * models does not pay a commit per model; a record not yet written when a run dies is simply
 * incomplete, and the relation is rebuilt next time).
 */
import type { Dialect } from '../adapters/adapter.js';
import type { ExecutableNode, Manifest, SourceNode } from '../compiler/manifest.js';
import { executableNode } from '../compiler/node-kinds.js';
import { decideReuse, inputsOf, RECORDED_STRATEGIES, versionReader, type ReuseDecision, type ReuseFacts } from './decide-reuse.js';
import type { Plan, PlanStep } from './plan-run.js';
import { recordStore, type RecordStore, type RelationRecord, type WithConnection } from './relation-records.js';
import { sourceVersions } from './source-versions.js';
import type { SqlTemplates } from '../adapters/sql-templates.js';

const FLUSH_EVERY = 100;

/** The sources the recorded steps of a plan read, directly or through views (which hold no data). */
export function sourcesRead(plan: Plan, manifest: Manifest, deferred?: ReadonlyMap<string, string>): SourceNode[] {
  const sources = new Map<string, SourceNode>();
  const seen = new Set<string>();
  const visit = (node: ExecutableNode) => {
    if (seen.has(node.uniqueId)) return;
    seen.add(node.uniqueId);
    for (const input of inputsOf(node, manifest, deferred)) {
      if (input.kind === 'source') sources.set(input.key, input.source);
      else if (input.node.kind === 'model' && input.node.config.materialized === 'view') visit(input.node);
    }
  };
  for (const step of plan.steps) {
    const node = executableNode(manifest, step.uniqueId);
    if (node && RECORDED_STRATEGIES.has(step.strategy)) visit(node);
  }
  return [...sources.values()];
}

export async function gatherFacts(
  withConnection: WithConnection,
  store: RecordStore,
  plan: Plan,
  manifest: Manifest,
  existing: ReadonlySet<string>,
  deferred?: ReadonlyMap<string, string>,
): Promise<ReuseFacts> {
  const records = await store.load();
  const versions = await withConnection((connection) => sourceVersions(connection, sourcesRead(plan, manifest, deferred)));
  return { records, existing, sourceVersions: versions, deferred };
}

export interface BuildBook {
  readonly decisions: ReadonlyMap<string, ReuseDecision>;
  /** A step replaced its relation: record what it now holds. */
  built(step: PlanStep): void;
  /** An extract landed a source's table: readers built from now on read this version (undefined: unknown). */
  landed(relationName: string, version: string | undefined): void;
  /** Writes what is left; returns the records as the run leaves them. */
  finish(): Promise<{ records: ReadonlyMap<string, RelationRecord>; sourceVersions: ReadonlyMap<string, string | undefined> }>;
}

export async function openBuildBook(
  plan: Plan,
  manifest: Manifest,
  env: { withConnection: WithConnection; dialect: Dialect; templates: SqlTemplates; database?: string; invocationId: string },
  existing: ReadonlySet<string>,
  options: { rebuildAll?: string; deferred?: ReadonlyMap<string, string> },
): Promise<BuildBook> {
  const store = recordStore(env.withConnection, env.dialect, env.templates, env.database);
  const facts = await gatherFacts(env.withConnection, store, plan, manifest, existing, options.deferred);
  const decisions = decideReuse(plan, manifest, facts, { rebuildAll: options.rebuildAll });
  const records = new Map(facts.records);
  const replacing = plan.steps.filter((s) => decisions.get(s.uniqueId)?.reuse === false).flatMap((s) => executableNode(manifest, s.uniqueId)?.relationName ?? []);
  // Committed before any relation is replaced: from here on a kill leaves these unknown.
  await store.markReplacing(replacing);
  for (const name of replacing) {
    const old = records.get(name);
    if (old) records.set(name, { ...old, complete: false });
  }
  // Each input's version when a node that reads it is built: all its upstreams are done by then,
  // extracts included (landed() replaces a source's version with what it landed).
  const sourceVersions = new Map(facts.sourceVersions);
  let versionOf = versionReader(manifest, { records, sourceVersions, deferred: options.deferred });

  let pending: RelationRecord[] = [];
  let writing: Promise<void> = Promise.resolve();
  let failure: unknown;
  let built = 0;
  const flush = () => {
    const batch = pending;
    pending = [];
    if (batch.length === 0) return;
    writing = writing.then(() => store.save(batch, env.invocationId)).catch((err) => {
      failure ??= err;
    });
  };
  return {
    decisions,
    built(step) {
      const node = executableNode(manifest, step.uniqueId);
      if (!node || !RECORDED_STRATEGIES.has(step.strategy)) return;
      const inputs: Record<string, string> = {};
      for (const input of inputsOf(node, manifest, options.deferred)) {
        const { version } = versionOf(input);
        if (version !== undefined) inputs[input.key] = version;
      }
      const record: RelationRecord = {
        relationName: node.relationName,
        uniqueId: node.uniqueId,
        stateChecksum: node.stateChecksum ?? '',
        dataVersion: (decisions.get(step.uniqueId)?.keepsVersion && facts.records.get(node.relationName)?.dataVersion) || `${env.invocationId}.${++built}`,
        inputs,
        complete: true,
      };
      records.set(node.relationName, record);
      pending.push(record);
      if (pending.length >= FLUSH_EVERY) flush();
    },
    landed(relationName, version) {
      sourceVersions.set(relationName, version);
      versionOf = versionReader(manifest, { records, sourceVersions, deferred: options.deferred });
    },
    async finish() {
      flush();
      await writing;
      if (failure) throw failure;
      return { records, sourceVersions };
    },
  };
}
