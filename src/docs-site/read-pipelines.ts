/**
 * The Pipelines page's data: the status report of src/pipelines (`dpf status`), taken when the
 * site is generated; the page shows that moment and fetches nothing when it is viewed. A store or
 * a pipeline file that cannot be read is a warning of `dpf docs generate`, never its failure (as
 * with the run history), and an embedded store that does not exist yet is "no scheduler has run".
 */
import { DpfError } from '../errors/dpf-error.js';
import { status, type StatusReport } from '../pipelines/index.js';

/** Runs kept per pipeline on the page. */
export const SITE_PIPELINE_RUNS = 10;

export interface SitePipelines {
  /** Absent when the project has no pipelines or they could not be read. */
  readonly report?: StatusReport;
  readonly error?: string;
}

export async function readSitePipelines(projectDir: string, now: Date | undefined, env: NodeJS.ProcessEnv): Promise<SitePipelines> {
  try {
    const report = await status({ projectDir, now, env, limit: SITE_PIPELINE_RUNS });
    return report.pipelines.length > 0 ? { report } : {};
  } catch (err) {
    const message = err instanceof DpfError ? err.diagnostics.map((d) => `${d.code} ${d.message}${d.location ? ` (${d.location.file}${d.location.line ? `:${d.location.line}` : ''})` : ''}`).join('; ') : String((err as Error)?.message ?? err);
    return { error: message.split('\n')[0]! };
  }
}
