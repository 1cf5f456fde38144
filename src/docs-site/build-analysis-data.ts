/**
 * Step 6 of `dpf docs generate`, for analyses: each analysis's page data (its texts, chart
 * spec, SQL and the snapshot read in step 2) and its entry in the index. Plain reshaping; the
 * snapshot is masked already (read-analyses.ts).
 */
import type { Manifest } from '../compiler/manifest.js';
import { nodesOfKind } from '../compiler/node-kinds.js';
import type { AnalysisRead } from './read-analyses.js';
import type { AnalysisPageData, SiteAnalysis } from './site-data.js';

export function buildAnalysisData(manifest: Manifest, reads: ReadonlyMap<string, AnalysisRead>, position: ReadonlyMap<string, number>): { index: SiteAnalysis[]; pages: AnalysisPageData[] } {
  const analyses = nodesOfKind(manifest, 'analysis').sort((a, b) => (a.originalFilePath < b.originalFilePath ? -1 : 1));
  const index: SiteAnalysis[] = [];
  const pages: AnalysisPageData[] = [];
  for (const a of analyses) {
    const up = a.dependsOn.map((id) => position.get(id)).filter((i): i is number => i !== undefined);
    const read = reads.get(a.uniqueId);
    const summary = a.description.split('\n').find((l) => l.trim() !== '')?.trim();
    index.push({ id: a.uniqueId, title: a.title, ...(a.chart ? { mark: a.chart.mark } : {}), ...(a.owner ? { owner: a.owner } : {}), ...(summary ? { summary } : {}), up });
    pages.push({
      id: a.uniqueId,
      name: a.name,
      title: a.title,
      description: a.description,
      ...(a.owner ? { owner: a.owner } : {}),
      tags: a.tags,
      file: a.originalFilePath,
      sql: a.rawCode,
      ...(a.compiledCode ? { compiledSql: a.compiledCode } : {}),
      ...(a.chart ? { chart: a.chart } : {}),
      up,
      ...(read?.snapshot ? { snapshot: read.snapshot } : {}),
      ...(read ? { takenAt: read.takenAt } : {}),
      ...(read?.error ? { error: read.error } : {}),
      warnings: (read?.warnings ?? []).filter((w) => w.code === 'DPF193').map((w) => w.message),
    });
  }
  return { index, pages };
}
