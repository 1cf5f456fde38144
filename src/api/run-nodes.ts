/**
 * `build`, `run`, `seed`, `snapshot`, `test` and `sourceFreshness` of the public API, and what
 * the CLI commands of the same names call: compile, select, plan, then either answer from the reuse ledger or open
 * the warehouse, defer, run the plan, and record the run. Reports through events only (never
 * the terminal, never process.exit); returns the run's results.
 *
 * No profile secret leaves this module in what it reports: events, the returned summary and
 * thrown errors are redacted with the target's secrets (the compiled project keeps them: it
 * is what connects).
 */
import { relative, resolve } from 'node:path';
import { adapterFactory } from '../adapters/index.js';
import type { Adapter } from '../adapters/adapter.js';
import { compileFromDisk, recompileDeferred, type CompiledProject } from '../compiler/compile-pipeline.js';
import type { Manifest } from '../compiler/manifest.js';
import { hasRelation, isEphemeral, nodeOfKind, type RelationNode } from '../compiler/node-kinds.js';
import { readState } from '../compiler/read-state.js';
import { redactStrings, secretRedactor } from '../compiler/redact-secrets.js';
import { extractSecrets } from '../compiler/render-env-values.js';
import { selectNodes } from '../compiler/select-nodes.js';
import { DpfError, diagnostic, fail } from '../errors/dpf-error.js';
import { deferredRelations } from '../runner/defer-relations.js';
import type { ReuseDecision } from '../runner/decide-reuse.js';
import { explainPlan } from '../runner/explain-plan.js';
import { planRun, type Plan, type RunCommand } from '../runner/plan-run.js';
import { forgetLedger, readLedger, writeLedger, type ReuseState } from '../runner/reuse-ledger.js';
import { DEFAULT_KEEP_DAYS, historyRecorder } from '../history/index.js';
import { withGovernance } from '../governance/classification/classify-project.js';
import { maskingRun, type MaskingRun } from '../governance/masking/masking-run.js';
import { alertListener, lateStartProblem, resolveAlerts, type AlertSettings } from '../alerts/index.js';
import { costRatesOf } from '../cost/index.js';
import { failuresOf, type RunSummary } from '../runner/run-results.js';
import { runFromLedger, runPlan } from '../runner/run-plan.js';
import { STEP_KINDS } from '../runner/step-kinds.js';
import { writeRunResults } from '../runner/write-run-results.js';
import { freshnessResultOf, type FreshnessResult } from '../tests/check-freshness.js';
import { writeSourcesJson } from '../tests/write-sources-json.js';
import { fanOut, type DpfEvent, type Listener } from './events.js';
import { compileOptionsOf, selectionOf, type FreshnessOptions, type RunOptions } from './options.js';
import { projectSummary } from './project-summary.js';
import { DEFAULT_SAMPLE_ROWS, scanNodes, type PiiReport } from './scan-pii.js';

export interface RunOutcome {
  readonly command: RunCommand;
  /** The run's results, as in target/run_results.json; absent when the selection had nothing to run. */
  readonly summary?: RunSummary;
  /** 0: everything passed; 1: a node failed, or an error-severity test (as the CLI's exit code). */
  readonly exitCode: 0 | 1;
  /** The manifest the run used (recompiled for --defer). */
  readonly manifest: Manifest;
  readonly selected: ReadonlySet<string>;
  /** With `scanPii`: what the PII scanner found in the relations the run built (as `dpf scan pii` reports it). */
  readonly piiScan?: PiiReport;
  /** @internal the compiled project, for commands built on a run (dpf ci). */
  readonly compiled: CompiledProject;
}

export interface Explanation {
  readonly plan: Plan;
  /** Per step that writes a relation: reused or built, and why. Tests always run. */
  readonly decisions: ReadonlyMap<string, ReuseDecision>;
}

export const build = (options: RunOptions = {}) => runNodes('build', options);
export const run = (options: RunOptions = {}) => runNodes('run', options);
export const seed = (options: RunOptions = {}) => runNodes('seed', options);
export const snapshot = (options: RunOptions = {}) => runNodes('snapshot', options);
export const test = (options: RunOptions = {}) => runNodes('test', options);
/** Runs the selected nodes' monitors alone (docs/monitors.md): measures and judges, builds nothing. */
export const monitor = (options: RunOptions = {}) => runNodes('monitor', options);
/** Checks the selected sources' freshness rules; writes target/sources.json (or options.output). */
export const sourceFreshness = (options: FreshnessOptions = {}) => runNodes('freshness', options);

export async function runNodes(command: RunCommand, options: RunOptions & { readonly output?: string }): Promise<RunOutcome> {
  const session = await prepare(command, options);
  const outcome = await session.redacting(() => execute(session, options));
  return options.scanPii ? scanBuilt(session, outcome, options) : outcome;
}

/**
 * `dpf build --scan-pii`: the models, seeds and snapshots this run built (not those reused or
 * failed) sampled by the PII scanner once the run is over, the findings recorded under the run's
 * id (dpf_meta.pii_findings.command = build). Costs one sampled query per relation. Its failure
 * is a warning (DPF955), never a failed build; its findings are warnings as `dpf scan pii`'s are.
 */
async function scanBuilt(session: Session, outcome: RunOutcome, options: RunOptions): Promise<RunOutcome> {
  const manifest = session.compiled.manifest;
  const built = (outcome.summary?.results ?? [])
    .filter((r) => r.status === 'success')
    .map((r) => manifest.nodes[r.uniqueId])
    .filter((n): n is RelationNode => hasRelation(n) && n.kind !== 'source' && !isEphemeral(n));
  if (built.length === 0) return outcome;
  try {
    const scan = await scanNodes(session.compiled, built, {
      ...options,
      sample: DEFAULT_SAMPLE_ROWS,
      phoneRegion: 'US',
      strict: false,
      runId: session.compiled.invocationId,
      command: 'build',
    });
    for (const d of scan.diagnostics) session.emit({ type: 'warning', diagnostic: { ...d, severity: 'warning' } });
    return { ...outcome, piiScan: session.clean(scan.report) };
  } catch (err) {
    const detail = err instanceof DpfError ? err.diagnostics.map((d) => d.message).join('; ') : String((err as Error)?.message ?? err);
    session.emit({ type: 'warning', diagnostic: diagnostic('BuildPiiScanFailed', { detail }, undefined, 'warning') });
    return outcome;
  }
}

/** What `command` would build or reuse, and why, without running anything. */
export async function explain(command: RunCommand, options: RunOptions = {}): Promise<Explanation> {
  const session = await prepare(command, options);
  return session.redacting(async () => {
    const { compiled, plan, records, rebuildAll } = session;
    if (options.defer) fail('UsageError', { detail: '--explain cannot be combined with --defer yet; run it without --defer.' });
    const adapter = adapterFactory(compiled.target.type).create(compiled.target, session.projectDir);
    await adapter.open();
    try {
      const decisions = await explainPlan(plan, { adapter, manifest: compiled.manifest, database: compiled.target.database, rebuildAll: records ? rebuildAll : 'dpf test builds nothing' });
      return { plan, decisions };
    } finally {
      await adapter.close();
    }
  });
}

interface Session {
  readonly command: RunCommand;
  readonly compiled: CompiledProject;
  readonly projectDir: string;
  readonly selected: ReadonlySet<string>;
  readonly plan: Plan;
  readonly rebuildAll?: string;
  /** Absent for dpf test, which replaces no relation. */
  readonly records?: { readonly database?: string; readonly rebuildAll?: string };
  readonly emit: Listener;
  /** dpf_project.yml's alerts: block, resolved for this run; absent without one. */
  readonly alerts?: AlertSettings;
  /** A `masking: true` target: what the run masks (src/governance/masking). */
  readonly masking?: MaskingRun;
  /** Runs fn, redacting the errors it throws. */
  redacting<T>(fn: () => Promise<T>): Promise<T>;
  /** A copy of a value with every secret redacted. */
  clean<T>(value: T): T;
}

async function prepare(command: RunCommand, options: RunOptions): Promise<Session> {
  // Named as both the CLI flag and the API option: either kind of caller finds what to fix.
  for (const [flag, value] of [['--event-time-start (eventTimeStart)', options.eventTimeStart], ['--event-time-end (eventTimeEnd)', options.eventTimeEnd]] as const) {
    if (value !== undefined && Number.isNaN(Date.parse(value))) fail('UsageError', { detail: `${flag} must be a date or time such as 2024-01-31 or 2024-01-31T06:00, got "${value}".` });
  }
  // --defer renders SQL again with other relations, which needs the parsed project.
  const compileOptions = { ...compileOptionsOf(options), reuseCompiled: !options.defer };
  // Classifications (classifications.yml) are carried over column lineage and checked before anything runs.
  const compiled = withGovernance(await compileFromDisk(compileOptions), compileOptions.projectDir, compileOptions.writeArtifacts !== false);
  // Alert channels' URLs and passwords are secrets of the run like the profile's.
  const alerts = resolveAlerts(compiled.alerts, compileOptions.projectDir, compileOptions.env ?? process.env);
  // So are the variables an extract: block reads ({{env 'API_TOKEN'}} in a header).
  const secrets = [...compiled.target.secrets, ...(alerts?.secrets ?? []), ...extractSecrets(compiled.manifest, compileOptions.env ?? process.env)].filter((s) => s.length > 0);
  const redact = secretRedactor(secrets);
  const clean = <T>(value: T): T => (secrets.length === 0 ? value : redactStrings(value, redact));
  const listeners = fanOut([options.onEvent]);
  const emit: Listener = (event) => listeners(clean(event));
  const redacting = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof DpfError && secrets.length > 0) throw new DpfError(clean([...err.diagnostics]));
      throw err;
    }
  };
  for (const warning of [...compiled.warnings, ...(alerts?.warnings ?? [])]) emit({ type: 'warning', diagnostic: warning });
  emit({ type: 'project_compiled', project: projectSummary(compiled) });
  const selected = await redacting(async () => selectNodes(compiled.manifest, compiled.graph, selectionOf(options, compiled.targetPath)));
  const eventTimeRange = options.eventTimeStart || options.eventTimeEnd ? { start: options.eventTimeStart, end: options.eventTimeEnd } : undefined;
  const plan = planRun(compiled.manifest, compiled.graph, selected, { command, fullRefresh: options.fullRefresh, eventTimeRange });
  const rebuildAll = options.rebuildAll ? '--rebuild-all' : options.fullRefresh ? '--full-refresh' : undefined;
  // dpf test and dpf source freshness replace no relation; every other command records what it replaces.
  const replaces = Object.values(STEP_KINDS).some((kind) => kind.writesRelation && kind.commands.includes(command));
  const records = replaces ? { database: compiled.target.database, rebuildAll } : undefined;
  // Checked before anything runs: a masking target that cannot mask builds nothing (DPF963).
  const masking = maskingRun(compiled, compileOptions.projectDir);
  return { command, compiled, projectDir: compileOptions.projectDir, selected, plan, rebuildAll, records, emit, alerts, masking, redacting, clean };
}

async function execute(session: Session, options: RunOptions & { readonly output?: string }): Promise<RunOutcome> {
  const { command, compiled, plan, records, rebuildAll, emit, projectDir } = session;
  const outcome = (summary?: RunSummary, manifest = compiled.manifest): RunOutcome => ({
    command,
    summary: summary && session.clean(summary),
    exitCode: summary && failuresOf(summary) > 0 ? 1 : 0,
    manifest,
    selected: session.selected,
    compiled,
  });
  if (plan.steps.length === 0) {
    emit({ type: 'nothing_to_do' });
    return outcome();
  }
  // The run's artifacts are written by a listener of its events, beside the caller's listeners.
  // A freshness check writes sources.json instead, and leaves the last build's run_results.json.
  const writeArtifacts: Listener = (event) => {
    if (event.type !== 'run_finished') return;
    if (command === 'freshness') {
      const results = event.summary.results.map(freshnessResultOf).filter((r): r is FreshnessResult => r !== undefined);
      const file = options.output ? resolve(options.cwd ?? process.cwd(), options.output) : `${compiled.targetPath}/sources.json`;
      writeSourcesJson(file, session.clean(results), event.summary.invocationId, event.summary.elapsed);
      return;
    }
    writeRunResults(compiled.targetPath, session.clean(event.summary), (s) => s, compiled.target.targetName, (file, detail) =>
      emit({ type: 'warning', diagnostic: diagnostic('ArtifactIgnored', { detail, instead: 'starts it again from this run' }, { file: relative(projectDir, file) }, 'warning') }),
    );
  };
  // Run history (src/history): written for every command, best effort; a failed write is one warning.
  const history = historyRecorder({
    command,
    runId: compiled.invocationId,
    selector: selectorOf(options),
    pipeline: options.pipeline,
    targetName: compiled.target.targetName,
    database: compiled.target.database,
    projectDir,
    targetPath: compiled.targetPath,
    manifest: compiled.manifest,
    keepDays: compiled.history?.keep_days ?? DEFAULT_KEEP_DAYS,
    rates: costRatesOr(compiled.target.settings, compiled.target.targetName, emit),
    // Commands that replace relations leave an audit trail (docs/governance.md); test and freshness do not.
    audit: records !== undefined,
    env: options.env,
    clean: session.clean,
    warn: (where, detail) => emit({ type: 'warning', diagnostic: diagnostic('HistoryWriteFailed', { where, detail }, undefined, 'warning') }),
  });
  // Alerts (src/alerts): problems collected from the run's events, sent at its end; best effort.
  const alertSettings = session.alerts && withNotify(session.alerts, options.notify);
  const alerts = alertSettings && alertSettings.channels.length > 0
    ? alertListener({
        settings: alertSettings,
        context: { project: compiled.manifest.metadata.projectName, target: compiled.target.targetName, command, runId: compiled.invocationId, catalogUrl: session.alerts.catalogUrl },
        projectDir,
        database: compiled.target.database,
        clean: session.clean,
        warn: (warning) => emit({ type: 'warning', diagnostic: warning }),
      })
    : undefined;
  if (alerts && options.scheduledAt && options.pipeline) {
    const late = lateStartProblem(options.pipeline, options.scheduledAt, new Date(), alertSettings!.lateStartToleranceSeconds);
    if (late) alerts.add(late);
  }
  // Not through fanOut: an artifact that cannot be written (a full disk) fails the command.
  const onEvent: Listener = (event) => {
    emit(event);
    writeArtifacts(event);
    history.listen(event);
    alerts?.listen(event);
  };
  const factory = adapterFactory(compiled.target.type);
  const stampWarehouse = (writtenBefore?: number) =>
    records && !options.defer ? factory.warehouseStamp?.(compiled.target, projectDir, { writtenBefore }) : undefined;
  // A run answered from the ledger runs nothing, so it would call no onRunEnd handler: with one, the run is made.
  const fromLedger = !rebuildAll && !compiled.handlers?.on_run_end?.length
    ? runFromLedger(plan, {
        manifest: compiled.manifest,
        invocationId: compiled.invocationId,
        onEvent,
        threads: compiled.target.threads,
        targetPath: compiled.targetPath,
        targetName: compiled.target.targetName,
        stamp: stampWarehouse(),
      })
    : undefined;
  if (fromLedger) {
    // The warehouse stays closed: the history goes to the spool, written there by the next run that opens it.
    await history.finish();
    return outcome(fromLedger);
  }
  // A command that replaces nothing (test, freshness) writes only history: if the ledger was
  // current when the warehouse was opened, it is current again after (re-stamped below).
  const ledgerBefore = !records && !options.defer && !writesTestFailures(plan, compiled.manifest) ? () => {
    const stamp = factory.warehouseStamp?.(compiled.target, projectDir);
    return stamp ? readLedger(compiled.targetPath, compiled.target.targetName, stamp) : undefined;
  } : undefined;
  if (records) forgetLedger(compiled.targetPath);
  const adapter = factory.create(compiled.target, projectDir);
  await adapter.open();
  // Read after opening: while dpf holds the warehouse open, nobody else writes to it.
  const keptLedger = ledgerBefore?.();
  if (!keptLedger) forgetLedger(compiled.targetPath);
  history.attach(adapter);
  let reuseState: ReuseState | undefined;
  let result: RunOutcome;
  try {
    const { manifest, deferred } = options.defer ? await deferTo(adapter, session, options, emit) : { manifest: compiled.manifest, deferred: undefined };
    await session.masking?.createSourceViews(adapter, plan.steps.map((s) => s.uniqueId));
    const summary = await runPlan(plan, {
      adapter,
      manifest,
      projectRoot: projectDir,
      targetPath: compiled.targetPath,
      threads: compiled.target.threads,
      pools: compiled.pools,
      handlers: compiled.handlers,
      vars: compiled.vars,
      failFast: options.failFast === true,
      invocationId: compiled.invocationId,
      onEvent,
      records: records && { ...records, deferred },
      signal: options.signal,
      engineStats: compiled.target.settings.engine_stats !== false,
      database: compiled.target.database,
      targetName: compiled.target.targetName,
      env: options.env ?? process.env,
      seedMasks: session.masking?.seedMasks,
    });
    reuseState = summary.reuseState;
    // Sent before the history is written: the rows of what was sent go with the run's others.
    if (alerts) history.record({ alerts: await alerts.finish(adapter) });
    const { reuseState: _, ...plain } = summary;
    result = outcome(plain, manifest);
  } finally {
    await history.finish();
    await adapter.close();
  }
  // Stamped after closing (closing checkpoints the file), unless someone wrote to it since.
  const after = reuseState && !options.defer ? stampWarehouse(Date.now()) : undefined;
  if (after && reuseState) writeLedger(compiled.targetPath, compiled.target.targetName, after, reuseState);
  if (keptLedger) {
    const stamp = factory.warehouseStamp?.(compiled.target, projectDir, { writtenBefore: Date.now() });
    if (stamp) writeLedger(compiled.targetPath, compiled.target.targetName, stamp, keptLedger);
    else forgetLedger(compiled.targetPath);
  }
  return result;
}

/**
 * The target's cost rates; a rate that is not a number is a warning and the run is priced at
 * nothing (its figures are still recorded), never a failed build: cost is best effort, like history.
 */
function costRatesOr(settings: Parameters<typeof costRatesOf>[0], targetName: string, emit: Listener): ReturnType<typeof costRatesOf> {
  try {
    return costRatesOf(settings, targetName);
  } catch (err) {
    if (!(err instanceof DpfError)) throw err;
    for (const d of err.diagnostics) emit({ type: 'warning', diagnostic: { ...d, severity: 'warning' } });
    return undefined;
  }
}

/** The selection as given, for dpf_meta.runs.selector; null when everything is selected. */
function selectorOf(options: RunOptions): string | null {
  const parts = [...(options.select?.length ? ['--select', ...options.select] : []), ...(options.exclude?.length ? ['--exclude', ...options.exclude] : [])];
  return parts.length > 0 ? parts.join(' ') : null;
}

/** Tests with store_failures write tables: such a run changes more than history. */
function writesTestFailures(plan: Plan, manifest: Manifest): boolean {
  return plan.steps.some((step) => nodeOfKind(manifest, step.uniqueId, 'test')?.config.store_failures === true);
}

/** --defer: unselected parents missing in this target are read from the state's environment. */
async function deferTo(adapter: Adapter, session: Session, options: RunOptions, emit: Listener) {
  if (!options.state) fail('UsageError', { detail: '--defer needs --state <folder> with the manifest.json of the environment to defer to.' });
  const state = readState(resolve(options.cwd ?? process.cwd(), options.state), '--defer');
  const found = await deferredRelations(adapter, session.compiled.manifest, state.manifest, new Set(session.plan.steps.map((s) => s.uniqueId)));
  if (found.size === 0) return { manifest: session.compiled.manifest, deferred: found };
  // A masking target reads another environment's classified columns through masked views.
  const deferred = session.masking ? await session.masking.deferredViews(adapter, found) : found;
  // The classifications stay those of this project (a failing test's rows are masked by them).
  const manifest = { ...recompileDeferred(session.compiled, deferred, session.projectDir), governance: session.compiled.manifest.governance };
  emit({ type: 'deferred', state: options.state, nodes: [...deferred.keys()].map((id) => manifest.nodes[id]!.name) });
  return { manifest, deferred };
}

export type { DpfEvent };

/** A pipeline's notify: channels also hear of its failures and late starts, besides the rules' channels. */
function withNotify(settings: AlertSettings, notify: readonly string[] | undefined): AlertSettings {
  if (!notify || notify.length === 0) return settings;
  const add = (names: readonly string[]) => [...new Set([...names, ...notify])];
  return { ...settings, routes: { ...settings.routes, failure: add(settings.routes.failure), late_start: add(settings.routes.late_start) } };
}
