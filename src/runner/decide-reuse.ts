/**
 * Which steps of a plan may keep the relation they built before, and why or why not. A node
 * is reused only when what it holds provably matches what building it now would give:
 *  - its relation exists and has a complete record (relation-records.ts);
 *  - the record's stateChecksum equals the node's (same SQL, config, macros, relation);
 *  - every input (models, seeds and snapshots it reads, looking through ephemeral models, and
 *    sources) has the data version the record says it read, and no input is built in this run;
 *  - its SQL neither reads the clock or a random source nor reads files outside a declared
 *    source, and it is not a microbatch model (whose batches follow the clock).
 * Decided before anything runs, in DAG order, so `--explain` prints the same decisions.
 * Incremental models and snapshots that are not reused run their normal incremental step.
 */
import { createHash } from 'node:crypto';
import type { ExecutableNode, Manifest, SourceNode } from '../compiler/manifest.js';
import { executableNode, isEphemeral, isSqlNode, relationNode } from '../compiler/node-kinds.js';
import { relationKey } from '../adapters/relation.js';
import type { Plan, PlanStep } from './plan-run.js';
import { STEP_KINDS } from './step-kinds.js';
import type { RelationRecord } from './relation-records.js';

export interface ReuseDecision {
  readonly reuse: boolean;
  /** Why, for the progress line and --explain: "inputs unchanged", "upstream stg_orders ran" ... */
  readonly reason: string;
  /**
   * A view recreated with the same SQL only because what it reads changed: it holds no data,
   * so it keeps its data version, and readers see the change through versionReader.
   */
  readonly keepsVersion?: boolean;
}

export interface ReuseFacts {
  /** By relation name. */
  readonly records: ReadonlyMap<string, RelationRecord>;
  /** relationKey of every relation that exists. */
  readonly existing: ReadonlySet<string>;
  /** By source relation name; undefined: cannot be told. */
  readonly sourceVersions: ReadonlyMap<string, string | undefined>;
  /** --defer: unique id -> the relation read instead, in another environment. */
  readonly deferred?: ReadonlyMap<string, string>;
}

/** Strategies that write a relation and so have a record. */
export const RECORDED_STRATEGIES: ReadonlySet<string> = new Set(Object.entries(STEP_KINDS).filter(([, k]) => k.writesRelation).map(([name]) => name));

export type Input = { readonly kind: 'node'; readonly node: ExecutableNode; readonly key: string } | { readonly kind: 'source'; readonly source: SourceNode; readonly key: string };

/** What a node reads, looking through ephemeral models (inlined into it), keyed by relation name. */
export function inputsOf(node: ExecutableNode, manifest: Manifest, deferred?: ReadonlyMap<string, string>): Input[] {
  const inputs = new Map<string, Input>();
  const visit = (ids: readonly string[]) => {
    for (const id of ids) {
      const parent = relationNode(manifest, id);
      if (!parent) continue;
      if (parent.kind === 'source') inputs.set(parent.relationName, { kind: 'source', source: parent, key: parent.relationName });
      else if (isEphemeral(parent)) visit(parent.dependsOn);
      else {
        const key = deferred?.get(id) ?? parent.relationName;
        inputs.set(key, { kind: 'node', node: parent, key });
      }
    }
  };
  visit(node.dependsOn);
  return [...inputs.values()];
}

export function decideReuse(plan: Plan, manifest: Manifest, facts: ReuseFacts, options: { readonly rebuildAll?: string } = {}): Map<string, ReuseDecision> {
  const decisions = new Map<string, ReuseDecision>();
  const runs = new Set<string>();
  const versionOf = versionReader(manifest, facts, runs);
  for (const step of plan.steps) {
    // What a plugin lands is outside dpf's knowledge: it lands every run, and its readers follow.
    if (STEP_KINDS[step.strategy].landsSource) {
      decisions.set(step.uniqueId, { reuse: false, reason: 'extracted every run' });
      runs.add(step.uniqueId);
      continue;
    }
    const node = executableNode(manifest, step.uniqueId);
    if (!node || !RECORDED_STRATEGIES.has(step.strategy)) continue;
    const decision = options.rebuildAll ? { reuse: false, reason: options.rebuildAll } : decide(step, node, manifest, facts, versionOf);
    decisions.set(step.uniqueId, decision);
    if (!decision.reuse && !decision.keepsVersion) runs.add(step.uniqueId);
  }
  decideMonitors(plan, manifest, decisions);
  return decisions;
}

/**
 * A monitor measures what its node holds: when the node is reused, nothing changed and there
 * is no new point to judge, so the monitor is reused too (a no-op build stays a no-op, and can
 * be answered from the ledger). A source's monitor is reused when every step of the plan that
 * reads the source is (each proved the source unchanged since its build); otherwise it runs.
 */
function decideMonitors(plan: Plan, manifest: Manifest, decisions: Map<string, ReuseDecision>): void {
  const readers = new Map<string, string[]>();
  for (const step of plan.steps) {
    const node = executableNode(manifest, step.uniqueId);
    for (const dep of node?.dependsOn ?? []) readers.set(dep, [...(readers.get(dep) ?? []), step.uniqueId]);
  }
  for (const step of plan.steps) {
    const monitor = manifest.nodes[step.uniqueId];
    if (monitor?.kind !== 'monitor') continue;
    const watched = manifest.nodes[monitor.attachedNode];
    // A source with a load time ages while nothing loads: its monitor measures the lag every run;
    // one its plugin lands in this run has new rows to measure.
    if (monitor.loadedAtField || decisions.get(monitor.attachedNode)?.reuse === false) continue;
    const judges = watched?.kind === 'source' ? (readers.get(watched.uniqueId) ?? []) : [monitor.attachedNode];
    if (judges.length > 0 && judges.every((id) => decisions.get(id)?.reuse === true)) {
      decisions.set(step.uniqueId, { reuse: true, reason: `${watched?.name ?? monitor.attachedNode} is unchanged: nothing new to measure` });
    }
  }
}

/** An input's data version now, or the upstream built in this run that will change it. */
export interface InputVersion {
  readonly version?: string;
  readonly runs?: string;
}

/**
 * Reads the current data version of inputs. A table's version is its record's; a view holds no
 * data, so its version also covers the current versions of what it reads (a view over a source
 * changes when the source does, though the view itself is not rebuilt). With `runs`, an input
 * built in this run (directly or behind views) is reported as such.
 */
export function versionReader(
  manifest: Manifest,
  facts: Pick<ReuseFacts, 'records' | 'sourceVersions' | 'deferred'>,
  runs?: ReadonlySet<string>,
): (input: Input) => InputVersion {
  const memo = new Map<string, InputVersion>();
  const read = (input: Input): InputVersion => {
    const known = memo.get(input.key);
    if (known) return known;
    let result: InputVersion;
    if (input.kind === 'source') result = runs?.has(input.source.uniqueId) ? { runs: `source ${input.source.sourceName}.${input.source.tableName}` } : { version: facts.sourceVersions.get(input.key) };
    else if (runs?.has(input.node.uniqueId) && !facts.deferred?.has(input.node.uniqueId)) result = { runs: input.node.name };
    else {
      const record = facts.records.get(input.key);
      const isView = input.node.kind === 'model' && input.node.config.materialized === 'view';
      if (!record?.complete) result = {};
      else if (!isView) result = { version: record.dataVersion };
      // A deferred view reads another environment's relations, which dpf does not follow.
      else if (facts.deferred?.has(input.node.uniqueId)) result = {};
      else {
        const parts = inputsOf(input.node, manifest).map(read);
        const running = parts.find((p) => p.runs);
        result = running
          ? running
          : parts.some((p) => p.version === undefined)
            ? {}
            : { version: `${record.dataVersion}+${createHash('sha256').update(parts.map((p) => p.version).join('\u0000')).digest('hex').slice(0, 32)}` };
      }
    }
    memo.set(input.key, result);
    return result;
  };
  return read;
}

function decide(step: PlanStep, node: ExecutableNode, manifest: Manifest, facts: ReuseFacts, versionOf: (input: Input) => InputVersion): ReuseDecision {
  const rebuild = (reason: string) => ({ reuse: false, reason });
  if (isSqlNode(node) && node.config.incremental_strategy === 'microbatch') return rebuild('microbatch: builds its batches every run');
  const trusted = isSqlNode(node) && node.config.reuse === 'trust_code';
  const volatile = isSqlNode(node) && !trusted ? volatileCall(node, manifest) : undefined;
  if (volatile) return rebuild(`${volatile}: built every run (reuse: trust_code reuses it while its code is unchanged)`);
  if (!facts.existing.has(relationKey(node.relation))) return rebuild(facts.records.has(node.relationName) ? 'its relation is missing' : 'new');
  const record = facts.records.get(node.relationName);
  if (!record) return rebuild('no record of what it holds (built before dpf kept records, or by another tool)');
  if (!record.complete) return rebuild('record unknown after an interrupted or failed run');
  if (record.stateChecksum !== node.stateChecksum) return rebuild(step.strategy === 'incremental' || step.strategy === 'snapshot' ? 'code or config changed (incremental step)' : 'code or config changed');
  // A view is recreated when what it reads changed (a changed table may change the columns a
  // view binds), but with the same SQL it shows its inputs as they are: the same version.
  const isView = step.strategy === 'view';
  const run = (reason: string) => ({ reuse: false, reason, keepsVersion: isView || undefined });
  for (const input of inputsOf(node, manifest, facts.deferred)) {
    const read = record.inputs[input.key];
    const now = versionOf(input);
    if (input.kind === 'node') {
      if (now.runs) return run(now.runs === input.node.name ? `upstream ${input.node.name} runs` : `upstream ${now.runs} runs (read through ${input.node.name})`);
      if (now.version === undefined) return run(`upstream ${input.node.name} has no complete record`);
      if (now.version !== read) return run(`upstream ${input.node.name} changed since`);
    } else {
      const label = `source ${input.source.sourceName}.${input.source.tableName}`;
      if (now.runs) return run(`${label} is extracted in this run`);
      if (now.version === undefined) return run(`${label}: its data version cannot be read`);
      if (now.version !== read) return run(`${label} changed${rowChange(read, now.version)}`);
    }
  }
  return { reuse: true, reason: trusted ? 'inputs unchanged (reuse: trust_code)' : 'inputs unchanged' };
}

/** ": 1,204 → 1,250 rows" when both versions carry a row count that differs. */
function rowChange(before: string | undefined, after: string): string {
  const rows = (v: string | undefined) => (v ? /\brows=(\d+)/.exec(v)?.[1] : undefined);
  const [a, b] = [rows(before), rows(after)];
  if (a === undefined || b === undefined || a === b) return '';
  return `: ${Number(a).toLocaleString('en-US')} → ${Number(b).toLocaleString('en-US')} rows`;
}

/** Keywords and functions whose value changes from one run to the next. */
const CLOCK_OR_CHANCE = /\b(current_date|current_time|current_timestamp|localtime|localtimestamp)\b|\b(now|today|random|rand|uuid|gen_random_uuid|uuidv4|get_current_time|get_current_timestamp|transaction_timestamp|statement_timestamp|clock_timestamp|setseed)\s*\(/i;
/** Table functions that read files, URLs or other databases behind dpf's back. */
const OUTSIDE_READ =
  /\b(read_csv|read_csv_auto|read_parquet|parquet_scan|read_json|read_json_auto|read_json_objects|read_ndjson|read_ndjson_auto|read_ndjson_objects|read_text|read_blob|read_xlsx|csv_scan|sniff_csv|glob|iceberg_scan|delta_scan|sqlite_scan|postgres_scan|mysql_scan)\s*\(|\battach\b/i;

/** What makes a model's SQL give another result on another run, if anything: "calls now()". */
export function volatileCall(node: ExecutableNode, manifest: Manifest): string | undefined {
  if (!isSqlNode(node)) return undefined;
  let sql = `${node.compiledCode ?? ''}\n${node.compiledIncrementalCode ?? ''}`;
  // Files read through declared sources (the model's own, ephemeral models' included) are
  // versioned like any source. Only the model's inputs are looked at: every source of the
  // project against every model's SQL would be models × sources string searches.
  for (const input of inputsOf(node, manifest)) {
    if (input.kind === 'source' && input.source.externalLocation) sql = sql.split(input.source.relationName).join(' ');
  }
  sql = sql.replace(/--[^\n]*/g, ' ').replace(/\/\*[\s\S]*?\*\//g, ' ');
  const clock = CLOCK_OR_CHANCE.exec(sql);
  if (clock) return `calls ${(clock[1] ?? `${clock[2]}()`).toLowerCase()}`;
  const outside = OUTSIDE_READ.exec(sql);
  if (outside) return outside[1] ? `reads files outside a declared source (${outside[1].toLowerCase()})` : 'attaches another database';
  return undefined;
}
