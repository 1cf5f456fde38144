/**
 * Step 3 of `dpf docs generate`: what the last run and the last freshness check said, from
 * target/run_results.json and target/sources.json. Both are optional (a project that was only
 * compiled has neither) and only the fields the site shows are read.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface RunResultEntry {
  readonly uniqueId: string;
  readonly name: string;
  readonly resourceType: string;
  readonly status: string;
  readonly executionTime: number;
  readonly completedAt?: string;
  readonly rowsAffected?: number;
  readonly failures?: number;
  readonly message: string;
}

export interface RunArtifacts {
  readonly run?: {
    readonly command: string;
    readonly generatedAt: string;
    readonly elapsed: number;
    readonly counts: Record<string, number>;
    readonly results: Map<string, RunResultEntry>;
  };
  readonly freshness?: {
    readonly generatedAt: string;
    readonly results: Map<string, { status: string; maxLoadedAt?: string; ageSeconds?: number }>;
  };
}

interface RunResultsFile {
  metadata?: { command?: string; generatedAt?: string };
  elapsedTime?: number;
  counts?: Record<string, number>;
  results?: {
    uniqueId: string;
    name: string;
    resourceType: string;
    status: string;
    executionTime?: number;
    timing?: { completedAt?: string };
    rowsAffected?: number;
    failures?: number;
    message?: string;
  }[];
}

interface SourcesFile {
  metadata?: { generatedAt?: string };
  results?: { uniqueId: string; status: string; maxLoadedAt?: string; maxLoadedAtTimeAgoInS?: number }[];
}

function readJson<T>(file: string): T | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    // A half-written file from a killed run: the site is built without it.
    return undefined;
  }
}

type ResultRecord = NonNullable<RunResultsFile['results']>[number];

const entryOf = (r: ResultRecord): RunResultEntry => ({
  uniqueId: r.uniqueId,
  name: r.name,
  resourceType: r.resourceType,
  status: r.status,
  executionTime: r.executionTime ?? 0,
  completedAt: r.timing?.completedAt,
  rowsAffected: r.rowsAffected,
  failures: r.failures,
  message: r.message ?? '',
});

/**
 * The last run (run_results.json) for the home page, and per node its latest result in this
 * target from whichever run (node_results.json, kept by every run), so a partial run such as
 * `dpf test -s x` does not make every other node "not run".
 */
export function readRunArtifacts(targetPath: string, targetName?: string): RunArtifacts {
  const runFile = readJson<RunResultsFile>(join(targetPath, 'run_results.json'));
  const sourcesFile = readJson<SourcesFile>(join(targetPath, 'sources.json'));
  const latest = targetName ? readJson<{ targets?: Record<string, Record<string, ResultRecord>> }>(join(targetPath, 'node_results.json'))?.targets?.[targetName] : undefined;
  // node_results.json already holds the last run's results (of this target; run_results.json
  // may be another target's); projects built by an older dpf have run_results.json only.
  const results = new Map<string, RunResultEntry>(Object.values(latest ?? {}).map((r) => [r.uniqueId, entryOf(r)]));
  if (!latest) for (const r of runFile?.results ?? []) results.set(r.uniqueId, entryOf(r));
  const run = runFile?.results
    ? {
        command: runFile.metadata?.command ?? 'run',
        generatedAt: runFile.metadata?.generatedAt ?? '',
        elapsed: runFile.elapsedTime ?? 0,
        counts: runFile.counts ?? {},
        results,
      }
    : undefined;
  const freshness = sourcesFile?.results
    ? {
        generatedAt: sourcesFile.metadata?.generatedAt ?? '',
        results: new Map(
          sourcesFile.results.map((r) => [r.uniqueId, { status: r.status, maxLoadedAt: r.maxLoadedAt, ageSeconds: r.maxLoadedAtTimeAgoInS }]),
        ),
      }
    : undefined;
  return { run, freshness };
}
