/**
 * Loads a TypeScript model (models/<name>.ts, docs/typescript-models.md) with jiti as plugins
 * are loaded, and checks its shape: DPF820 when its module does not load, DPF821 when it does
 * not export `defineTransform({...})` with refs and columns. Also lists the project files it
 * imports (relative imports, followed through), whose text its checksum covers.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { DpfError, diagnostic } from '../errors/dpf-error.js';
import type { TransformPlugin, TransformRef } from './define-plugin.js';
import { LOGICAL_TYPES, importDefault } from './load-plugin.js';

/** Loads the TypeScript model in `path` (from the project root), named `name`. */
export async function loadTransform(projectRoot: string, path: string, name: string): Promise<TransformPlugin> {
  const model = await importDefault(projectRoot, path, (detail, line) => diagnostic('TransformLoadFailed', { model: name, detail }, { file: path, line }));
  const problem = shapeProblem(model);
  if (problem) throw new DpfError([diagnostic('TransformInvalid', { model: name, problem }, { file: path, line: 1 })]);
  return model as TransformPlugin;
}

/** The name a ref's rows have in `inputs`: the model's name, or `source.table`. */
export const inputName = (ref: TransformRef): string => (typeof ref === 'string' ? ref : `${ref.source[0]}.${ref.source[1]}`);

/** Where in the file a ref is written (its quoted name, or for a source its `source`), for errors about it. */
export function placeOfRef(text: string, ref: TransformRef): { line: number; column: number } {
  const quoted = (name: string) => [`'${name}'`, `"${name}"`, `\`${name}\``].map((q) => text.indexOf(q)).filter((i) => i >= 0);
  const at = typeof ref === 'string' ? quoted(ref) : quoted(ref.source[1]).map((i) => text.lastIndexOf('{', i)).filter((i) => i >= 0);
  if (at.length === 0) return { line: 1, column: 1 };
  const before = text.slice(0, Math.min(...at)).split('\n');
  return { line: before.length, column: before[before.length - 1]!.length + 1 };
}

function shapeProblem(model: unknown): string | undefined {
  if (typeof model !== 'object' || model === null) return 'it has no default export of defineTransform({...})';
  const m = model as Partial<Record<keyof TransformPlugin, unknown>>;
  if (m.kind !== 'transform') return `its default export is not a TypeScript model (kind ${JSON.stringify(m.kind)}): export default defineTransform({...})`;
  if (typeof m.transform !== 'function') return 'it has no transform(inputs, ctx) function';
  if (!Array.isArray(m.refs)) return "its refs are not a list (refs: ['stg_orders', { source: ['raw', 'customers'] }], or [] when it reads nothing)";
  const badRef = (m.refs as unknown[]).find(
    (r) => !(typeof r === 'string' && r.length > 0) && !(typeof r === 'object' && r !== null && Array.isArray((r as { source?: unknown }).source) && (r as { source: unknown[] }).source.length === 2 && (r as { source: unknown[] }).source.every((p) => typeof p === 'string')),
  );
  if (badRef !== undefined) return `its ref ${JSON.stringify(badRef)} is neither a model's name nor { source: ['source', 'table'] }`;
  if (!Array.isArray(m.columns) || m.columns.length === 0) return "it declares no columns (columns: [{ name: 'id', type: 'integer' }, ...])";
  const columns = m.columns as { name?: unknown; type?: unknown }[];
  const bad = columns.find((c) => typeof c?.name !== 'string' || c.name === '' || !LOGICAL_TYPES.includes(String(c?.type)));
  if (bad) return `its column ${JSON.stringify(bad?.name ?? bad)} needs a name and a type of ${LOGICAL_TYPES.join(', ')}`;
  const names = columns.map((c) => String(c.name).toLowerCase());
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice) return `it declares the column "${twice}" twice`;
  return undefined;
}

const IMPORT = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)['"](\.{1,2}\/[^'"]+)['"]/g;
const EXTENSIONS = ['', '.ts', '.mts', '.js', '.mjs', '/index.ts', '/index.js'];

/**
 * The project files `path` imports by relative path, and those they import, with their text
 * (sorted by path). Packages (bare imports) are not followed: their versions are
 * package-lock.json's business (docs/typescript-models.md).
 */
export function importedFiles(projectRoot: string, path: string): { path: string; text: string }[] {
  const seen = new Map<string, string>();
  const visit = (file: string, text: string) => {
    for (const match of text.matchAll(IMPORT)) {
      const base = join(dirname(join(projectRoot, file)), match[1]!);
      const found = EXTENSIONS.map((e) => (e === '' ? base : base.replace(/\.js$/, '') + e)).find((c) => existsSync(c) && statSync(c).isFile());
      if (!found) continue;
      const rel = normalize(relative(projectRoot, found)).split('\\').join('/');
      if (rel === path || seen.has(rel) || rel.startsWith('..')) continue;
      const inner = readFileSync(found, 'utf8');
      seen.set(rel, inner);
      visit(rel, inner);
    }
  };
  visit(path, readFileSync(join(projectRoot, path), 'utf8'));
  return [...seen].sort(([a], [b]) => (a < b ? -1 : 1)).map(([p, text]) => ({ path: p, text }));
}
