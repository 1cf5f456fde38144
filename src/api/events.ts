/**
 * Everything a command reports while it works, as typed events: the run's own events
 * (run_started, node_started, node_finished, run_finished, from the runner) and those around
 * it (the project compiled, warnings, deferral, a selection with nothing to do). The terminal
 * reporter, the JSON log and the artifact writers are listeners; so is anything a caller of the
 * public API passes as onEvent. Listeners should not throw: the first failure of each is
 * reported as a warning and later ones are ignored, so a broken listener never breaks a build.
 */
import { diagnostic, type Diagnostic } from '../errors/dpf-error.js';
import type { RunEvent } from '../runner/run-results.js';
import type { ProjectSummary } from './project-summary.js';

export type DpfEvent =
  | RunEvent
  | { readonly type: 'project_compiled'; readonly project: ProjectSummary }
  | { readonly type: 'warning'; readonly diagnostic: Diagnostic }
  | { readonly type: 'deferred'; readonly state: string; readonly nodes: readonly string[] }
  | { readonly type: 'nothing_to_do' };

export type Listener = (event: DpfEvent) => void;

/** One function that calls every listener in turn; a listener's first failure becomes a warning. */
export function fanOut(listeners: readonly (Listener | undefined)[]): Listener {
  const active = listeners.filter((l): l is Listener => !!l);
  const reported = new Set<Listener>();
  const emit: Listener = (event) => {
    for (const listener of active) {
      try {
        listener(event);
      } catch (err) {
        if (reported.has(listener)) continue;
        reported.add(listener);
        emit({ type: 'warning', diagnostic: diagnostic('ListenerFailed', { detail: String((err as Error)?.message ?? err) }, undefined, 'warning') });
      }
    }
  };
  return emit;
}
