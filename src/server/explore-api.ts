/**
 * The Explore page's HTTP API under /api/ (serve-site.ts routes it here, after the Host and
 * token checks). Queries run through the public API's read-only `query` on the query worker;
 * this module only speaks HTTP: JSON in, JSON out, and the status that says what happened.
 *
 *   GET  /api/explore                     {defaultRows, maxRows, timeoutMs}
 *   POST /api/query        {sql, limit?, id?}  → {id, columns, rows, rowCount, truncated, limit, elapsedMs}
 *   POST /api/query/<id>/cancel           stops that query on the engine (so does dropping the request)
 *   GET  /api/query/<id>/download?format=csv|parquet   the whole result of a query run before, as a file
 *   POST /api/analyses     {name, sql, chart?, title?, description?, owner?, overwrite?}  → {file, sql, refs, overwritten}
 *                          writes analyses/<name>.yml (save-analysis.ts)
 *
 * An error is {error: {code, title, message, hint}}: 400 for the SQL or the request, 409 while a
 * build holds the warehouse or an analysis of that name exists, 408 for the time limit, 499 for a cancelled query.
 */
import { randomUUID } from 'node:crypto';
import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProjectOptions } from '../api/options.js';
import { DEFAULT_QUERY_ROWS, DEFAULT_QUERY_TIMEOUT_MS } from '../api/query-read-only.js';
import { DpfError } from '../errors/dpf-error.js';
import { QueryCancelled } from './query-job.js';
import { createQueryRunner } from './query-runner.js';
import { saveAnalysis, type SaveAnalysisRequest } from './save-analysis.js';

export const DEFAULT_MAX_ROWS = 10_000;
/** Queries remembered for their download links; older ones are forgotten. */
const REMEMBERED_QUERIES = 200;
const MAX_BODY_BYTES = 1024 * 1024;

export interface ExploreOptions {
  /** The project and target queried (read-only). */
  readonly project: ProjectOptions;
  /** The most rows a request may ask for (default 10,000); a request asks for 1,000 by default. */
  readonly maxRows?: number;
  /** Each statement is cancelled after this long (default 30 s). */
  readonly timeoutMs?: number;
}

export interface ApiHandler {
  handle(req: IncomingMessage, res: ServerResponse, url: URL, headers: Record<string, string>): void;
  close(): Promise<void>;
}

const STATUS: Record<string, number> = { DPF182: 409, DPF183: 408, DPF187: 409 };

export function exploreApi(options: ExploreOptions): ApiHandler {
  const maxRows = options.maxRows ?? DEFAULT_MAX_ROWS;
  const timeoutMs = options.timeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS;
  const runner = createQueryRunner();
  runner.warm();
  const running = new Map<string, AbortController>();
  const remembered = new Map<string, string>();
  // The worker gets plain data: no listener functions.
  const { onEvent: _onEvent, ...project } = options.project;

  async function route(req: IncomingMessage, res: ServerResponse, url: URL, json: (status: number, body: unknown) => void): Promise<void> {
    const path = url.pathname;
    if (path === '/api/explore' && req.method === 'GET') return json(200, { defaultRows: Math.min(DEFAULT_QUERY_ROWS, maxRows), maxRows, timeoutMs });
    if (path === '/api/query' && req.method === 'POST') {
      const body = await readJson(req);
      if (typeof body.sql !== 'string') return badRequest(json, 'the body must be JSON with "sql": the query to run.');
      const limit = body.limit === undefined ? Math.min(DEFAULT_QUERY_ROWS, maxRows) : Number(body.limit);
      if (!Number.isInteger(limit) || limit < 1) return badRequest(json, `"limit" must be a whole number above 0, got ${JSON.stringify(body.limit)}.`);
      const id = typeof body.id === 'string' && /^[\w-]{1,64}$/.test(body.id) ? body.id : randomUUID();
      const controller = new AbortController();
      running.set(id, controller);
      // A request dropped before its answer (the tab closed, fetch aborted) cancels its query.
      res.on('close', () => !res.writableFinished && controller.abort());
      try {
        const rowLimit = Math.min(limit, maxRows);
        const outcome = await runner.run({ kind: 'query', id, options: { ...project, sql: body.sql, limit: rowLimit, timeoutMs } }, controller.signal);
        remember(id, body.sql);
        return json(200, { id, limit: rowLimit, ...outcome });
      } finally {
        running.delete(id);
      }
    }
    if (path === '/api/analyses' && req.method === 'POST') {
      const body = await readJson(req);
      const saved = saveAnalysis(options.project.projectDir ?? process.cwd(), body as unknown as SaveAnalysisRequest);
      return json(201, saved);
    }
    const match = /^\/api\/query\/([\w-]{1,64})\/(cancel|download)$/.exec(path);
    if (match && match[2] === 'cancel' && req.method === 'POST') {
      const controller = running.get(match[1]!);
      controller?.abort();
      return json(200, { cancelled: controller !== undefined });
    }
    if (match && match[2] === 'download' && (req.method === 'GET' || req.method === 'HEAD')) return download(match[1]!, url, res, json);
    return json(404, { error: { message: `No such API: ${req.method} ${path}` } });
  }

  async function download(id: string, url: URL, res: ServerResponse, json: (status: number, body: unknown) => void): Promise<void> {
    const sql = remembered.get(id);
    if (!sql) return json(404, { error: { message: 'No query with this id: run it again, then download.' } });
    const format = url.searchParams.get('format') ?? 'csv';
    if (format !== 'csv' && format !== 'parquet') return badRequest(json, `format must be csv or parquet, not "${format}".`);
    const dir = mkdtempSync(join(tmpdir(), 'dpf-explore-'));
    const file = join(dir, `result.${format}`);
    const controller = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) controller.abort();
      rmSync(dir, { recursive: true, force: true });
    });
    await runner.run({ kind: 'file', id: `${id}-${randomUUID()}`, options: { ...project, sql, format, file, timeoutMs } }, controller.signal);
    res.writeHead(200, {
      'Content-Type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/vnd.apache.parquet',
      'Content-Disposition': `attachment; filename="query-result.${format}"`,
    });
    createReadStream(file)
      .on('error', () => res.destroy())
      .pipe(res);
  }

  function remember(id: string, sql: string): void {
    remembered.set(id, sql);
    if (remembered.size > REMEMBERED_QUERIES) remembered.delete(remembered.keys().next().value!);
  }

  return {
    handle(req, res, url, headers) {
      const json = (status: number, body: unknown) => {
        if (res.headersSent || res.destroyed) return;
        res.writeHead(status, { ...headers, 'Content-Type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify(body));
      };
      route(req, res, url, json).catch((err: unknown) => {
        if (err instanceof QueryCancelled) return json(499, { error: { message: err.message } });
        if (err instanceof DpfError) {
          const d = err.diagnostics[0]!;
          return json(STATUS[d.code] ?? 400, { error: { code: d.code, title: d.title, message: d.message, hint: d.hint } });
        }
        if (err instanceof RequestError) return badRequest(json, err.message);
        json(500, { error: { message: `The query could not run: ${(err as Error).message}` } });
      });
    },
    async close() {
      for (const controller of running.values()) controller.abort();
      await runner.close();
    },
  };
}

class RequestError extends Error {}

function badRequest(json: (status: number, body: unknown) => void, message: string): void {
  json(400, { error: { title: 'Bad request', message } });
}

/**
 * The body as JSON, at most 1 MB. Only application/json: a page on another site can send a
 * form or text/plain to localhost without asking, but not JSON, which needs a CORS preflight
 * this server never grants.
 */
async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) throw new RequestError('send the body as application/json.');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new RequestError('the body is larger than 1 MB.');
    chunks.push(chunk as Buffer);
  }
  try {
    const value = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // said below
  }
  throw new RequestError('the body is not a JSON object.');
}
