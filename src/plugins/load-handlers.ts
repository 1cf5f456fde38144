/**
 * The handlers a project registers in dpf_project.yml (`handlers: {on_node_error: [name], ...}`,
 * docs/pipelines.md#handlers): the named exports `onNodeError`, `onNodeSuccess` and `onRunEnd`
 * of files of plugins/. Registration is explicit, so that a helper file exporting a function of
 * that name by chance is never called. The compiler loads them to check them at their line; the
 * runner loads them once per run. Calling them (with a time limit, never crashing the run) is
 * the runner's (src/runner/call-handlers.ts).
 */
import { diagnostic, DpfError, type Diagnostic, type SourceLocation } from '../errors/dpf-error.js';
import type { NodeErrorContext, NodeErrorDecision, NodeSuccessContext, RunEndContext } from './define-plugin.js';
import { findPlugins, importModule, type PluginFile } from './load-plugin.js';

/** dpf_project.yml's key -> the export it calls. */
export const HANDLER_EXPORTS = { on_node_error: 'onNodeError', on_node_success: 'onNodeSuccess', on_run_end: 'onRunEnd' } as const;
export type HandlerName = keyof typeof HANDLER_EXPORTS;

interface HandlerFunctions {
  on_node_error: (ctx: NodeErrorContext) => NodeErrorDecision | Promise<NodeErrorDecision>;
  on_node_success: (ctx: NodeSuccessContext) => unknown;
  on_run_end: (ctx: RunEndContext) => unknown;
}

/** One registered handler: the plugin that exports it, and the function. */
export interface LoadedHandler<K extends HandlerName = HandlerName> {
  readonly plugin: string;
  readonly fn: HandlerFunctions[K];
}

export type LoadedHandlers = { readonly [K in HandlerName]: readonly LoadedHandler<K>[] };

/**
 * Loads the handlers `registered` names, in the order written. Each plugin file is loaded once,
 * however many handlers it gives. A name that is no file of plugins/ (DPF800), a file that does
 * not load (DPF801) or does not export the function (DPF802) is a problem at `locate(key, i)`,
 * and that handler is left out.
 */
export async function loadHandlers(
  projectRoot: string,
  registered: { readonly [K in HandlerName]?: readonly string[] },
  locate: (key: HandlerName, index: number) => SourceLocation | undefined = () => undefined,
  suggest: (name: string, known: readonly string[]) => string | undefined = () => undefined,
): Promise<{ handlers: LoadedHandlers; problems: Diagnostic[] }> {
  const handlers: { [K in HandlerName]: LoadedHandler<K>[] } = { on_node_error: [], on_node_success: [], on_run_end: [] };
  const problems: Diagnostic[] = [];
  if (Object.values(registered).every((names) => !names?.length)) return { handlers, problems };
  let found: Map<string, PluginFile>;
  try {
    found = findPlugins(projectRoot);
  } catch (err) {
    if (err instanceof DpfError) return { handlers, problems: [err.first] };
    throw err;
  }
  const modules = new Map<string, Promise<Record<string, unknown> | Diagnostic>>();
  const load = (file: PluginFile) => {
    let mod = modules.get(file.name);
    if (!mod) {
      mod = importModule(projectRoot, file.path, (detail, line) => diagnostic('PluginLoadFailed', { plugin: file.name, detail }, { file: file.path, line })).then(
        (m) => m ?? {},
        (err: unknown) => (err instanceof DpfError ? err.first : diagnostic('PluginLoadFailed', { plugin: file.name, detail: String((err as Error)?.message ?? err) }, { file: file.path })),
      );
      modules.set(file.name, mod);
    }
    return mod;
  };
  for (const key of Object.keys(HANDLER_EXPORTS) as HandlerName[]) {
    for (const [index, name] of (registered[key] ?? []).entries()) {
      const file = found.get(name);
      if (!file) {
        problems.push(diagnostic('PluginNotFound', { plugin: name, suggestion: suggest(name, [...found.keys()]), found: [...found.keys()].sort() }, locate(key, index)));
        continue;
      }
      const mod = await load(file);
      if (isDiagnostic(mod)) {
        if (!problems.includes(mod as Diagnostic)) problems.push(mod as Diagnostic);
        continue;
      }
      const fn = (mod as Record<string, unknown>)[HANDLER_EXPORTS[key]];
      if (typeof fn !== 'function') {
        problems.push(diagnostic('PluginInvalid', { plugin: name, problem: `${key} names it, and it exports no function ${HANDLER_EXPORTS[key]}(ctx)`, kind: 'handler' }, locate(key, index) ?? { file: file.path }));
        continue;
      }
      (handlers[key] as LoadedHandler[]).push({ plugin: name, fn: fn as LoadedHandler['fn'] });
    }
  }
  return { handlers, problems };
}

const isDiagnostic = (value: Record<string, unknown> | Diagnostic): value is Diagnostic => typeof value.code === 'string' && typeof value.severity === 'string' && typeof value.message === 'string';
