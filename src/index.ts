/** dpf's public API. Everything else is internal and may change. */
export { runCli, type CliIO } from './cli/main.js';
export { compileFromDisk, type CompileOptions, type CompiledProject } from './compiler/compile-pipeline.js';
export { loadProject } from './compiler/load-project.js';
export { parseProject } from './compiler/parse-project.js';
export { buildGraph } from './compiler/build-graph.js';
export { compileProject } from './compiler/compile-project.js';
export { selectNodes } from './compiler/select-nodes.js';
export { planRun, type Plan, type PlanStep } from './runner/plan-run.js';
export { runPlan, type RunContext } from './runner/run-plan.js';
export { adapterFactory } from './adapters/index.js';
export type * from './adapters/adapter.js';
export type * from './compiler/manifest.js';
export type * from './runner/run-results.js';
export { DpfError, type Diagnostic } from './errors/dpf-error.js';
