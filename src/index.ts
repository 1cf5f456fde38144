/**
 * dpf's public API (docs/api.md). The commands as async functions with plain options, an
 * AbortSignal and typed results: the CLI is wiring over these, and so are schedulers, notebooks
 * and other programs. Everything else is internal and may change.
 */
export { build, run, seed, snapshot, test, monitor, sourceFreshness, explain, runNodes, type RunOutcome, type Explanation } from './api/run-nodes.js';
export { compile, ls, type CompileOutcome, type ListedNode } from './api/inspect-project.js';
export { show, type ShowOptions, type ShowResult } from './api/show-rows.js';
export { query, queryToFile, type QueryOptions, type QueryOutcome, type QueryToFileOptions } from './api/query-read-only.js';
export { history, nodeHistory, type HistoryOptions } from './api/show-history.js';
export type { HistoryRun, HistoryNodeRun } from './history/index.js';
export { testAlerts, type AlertsTestOutcome } from './api/test-alerts.js';
export type { AlertMessage, Notifier, ChannelTestResult } from './alerts/index.js';
export { cost, type CostOptions } from './api/show-cost.js';
export { scanPii, type ScanPiiOptions, type PiiReport, type PiiScanOutcome, type PiiFinding, type FindingStatus, type PiiCategory } from './api/scan-pii.js';
export { audit, type AuditOptions, type AuditReport, type AuditFinding, type FindingKind, type Severity } from './governance/audit/index.js';
export { grantsApply, grantsCheck, type GrantsOptions, type GrantsApplied, type GrantsChecked, type RuleDrift } from './api/grants.js';
export { lint, codeowners, type LintReport, type LintFinding, type CodeownersOptions, type CodeownersOutcome } from './api/lint-project.js';
export { exportAirflow, type ExportAirflowOptions, type AirflowExport, type AirflowDag, type AirflowDagTask, type AirflowTask } from './pipelines/index.js';
export { importDbt, type ImportDbtOptions, type ImportReport, type Problem as ImportProblem, type Note as ImportNote } from './importers/dbt/index.js';
export { listPipelines, runPipeline, type ListPipelinesOptions, type ListedPipeline, type PipelineList, type RunPipelineOptions, type Pipeline, type PipelineSchedule, type PipelineTrigger } from './pipelines/index.js';
export { schedule, type ScheduleOptions, type SchedulerEvent } from './pipelines/index.js';
export { status, type StatusOptions, type StatusReport, type StatusRun, type StatusTime, type RunningRun, type PipelineStatus, type SchedulerStatus, type NextRun, type FailedPipeline } from './pipelines/index.js';
export type { CostReport, CostRates, ModelCompute, ModelStorage, DayCost } from './cost/index.js';
export type { NodeResources } from './runner/step-resources.js';
export type { StatementStats } from './adapters/adapter.js';
export { defineSink, defineSource, type ExtractContext, type PluginColumn, type RowBatch, type SinkContext, type SinkPlugin, type SinkResult, type SourcePlugin } from './plugins/index.js';
export { defineTransform, type TransformPlugin, type TransformContext, type TransformRef, type InputRow } from './plugins/index.js';
export {
  defineCondition,
  type ConditionContext,
  type ConditionPlugin,
  type NodeErrorContext,
  type NodeErrorDecision,
  type NodeSuccessContext,
  type RunEndContext,
} from './plugins/index.js';
export type { ProjectOptions, SelectionOptions, RunOptions, FreshnessOptions } from './api/options.js';
export type { DpfEvent, Listener } from './api/events.js';
export type { ProjectSummary } from './api/project-summary.js';
export { runCli, type CliIO } from './cli/main.js';
export { compileFromDisk, type CompileOptions, type CompiledProject } from './compiler/compile-pipeline.js';
export { loadProject } from './compiler/load-project.js';
export { parseProject } from './compiler/parse-project.js';
export { buildGraph } from './compiler/build-graph.js';
export { compileProject } from './compiler/compile-project.js';
export { selectNodes } from './compiler/select-nodes.js';
export { planRun, type Plan, type PlanStep, type RunCommand } from './runner/plan-run.js';
export { runPlan, type RunContext } from './runner/run-plan.js';
export { adapterFactory } from './adapters/index.js';
export type * from './adapters/adapter.js';
export type * from './compiler/manifest.js';
export { NODE_KINDS, ALL_KINDS, nodesOfKind, nodeOfKind, executableNode, relationNode } from './compiler/node-kinds.js';
export type * from './runner/run-results.js';
export type { ReuseDecision } from './runner/decide-reuse.js';
export { DpfError, type Diagnostic } from './errors/dpf-error.js';
