// The tree's layers, checked: no import in src/ runs from a lower layer to a higher one, and no
// two folders import each other (directly or around a cycle). Lowest first:
//   errors → adapters → plugins → compiler → tests, lineage and monitors → runner → cost → history → alerts → governance → lint → api → pipelines → importers → cli, docs-site, server, index.ts
// and anything else on top. A file's layer is its folder under src/. The check reads import
// specifiers with a regex (static `from '…'`, side-effect `import '…'` and dynamic `import('…')`),
// which is enough for a tree that only imports by string literal; `import type` counts too,
// because a type import is still a dependency of the module's meaning.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const srcDir = join(root, 'src');

/** Layers from lowest to highest; a folder not listed belongs to the top layer. */
const layers: readonly (readonly string[])[] = [
  ['errors'],
  ['adapters'],
  ['plugins'],
  ['compiler'],
  ['tests', 'lineage', 'monitors'],
  ['runner'],
  ['cost'],
  ['history'],
  ['alerts'],
  ['governance'],
  ['lint'],
  ['api'],
  ['pipelines'],
  ['importers'],
];
const topLayer = layers.length;

interface ImportEdge {
  readonly from: string;
  readonly line: number;
  readonly to: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

/** `src/<folder>/…` → folder; `src/index.ts` → `index.ts`. */
function folderOf(file: string): string {
  return relative(srcDir, file).split('/')[0]!;
}

function layerOf(file: string): number {
  const folder = folderOf(file);
  const index = layers.findIndex((names) => names.includes(folder));
  return index === -1 ? topLayer : index;
}

function layerName(layer: number): string {
  return layer === topLayer ? 'top (cli, docs-site, server, index.ts, …)' : layers[layer]!.join('/');
}

const specifierPattern = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/g;

/** Relative imports of one file, resolved to .ts paths under src/. */
function importsOf(file: string): ImportEdge[] {
  const edges: ImportEdge[] = [];
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((text, index) => {
      for (const match of text.matchAll(specifierPattern)) {
        const specifier = match[1]!;
        if (!specifier.startsWith('.')) continue;
        const target = resolve(dirname(file), specifier.replace(/\.js$/, '.ts'));
        if (target.startsWith(srcDir + '/')) edges.push({ from: file, line: index + 1, to: target });
      }
    });
  return edges;
}

const edges = sourceFiles(srcDir).flatMap(importsOf);

/** Strongly connected groups of more than one folder in the folder graph (Tarjan). */
function folderCycles(): string[][] {
  const graph = new Map<string, Set<string>>();
  for (const edge of edges) {
    const from = folderOf(edge.from);
    const to = folderOf(edge.to);
    if (!graph.has(from)) graph.set(from, new Set());
    if (!graph.has(to)) graph.set(to, new Set());
    if (from !== to) graph.get(from)!.add(to);
  }
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const groups: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, index.size);
    low.set(node, index.get(node)!);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node)!) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, index.get(next)!));
      }
    }
    if (low.get(node) === index.get(node)) {
      const group: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        group.push(member);
      } while (member !== node);
      if (group.length > 1) groups.push(group.sort());
    }
  };
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) visit(node);
  return groups;
}

describe('layers of src/', () => {
  it('reads the import graph', () => {
    // Guards the regex: if it stopped matching, every other check would pass vacuously.
    expect(edges.length).toBeGreaterThan(300);
    expect(edges.some((edge) => folderOf(edge.from) === 'runner' && folderOf(edge.to) === 'adapters')).toBe(
      true,
    );
  });

  it('has no import from a lower layer to a higher one', () => {
    const upward = edges
      .filter((edge) => layerOf(edge.to) > layerOf(edge.from))
      .map(
        (edge) =>
          `${relative(root, edge.from)}:${edge.line} → ${relative(root, edge.to)} ` +
          `(${layerName(layerOf(edge.from))} imports ${layerName(layerOf(edge.to))})`,
      );
    expect(upward).toEqual([]);
  });

  it('has no import cycle between folders', () => {
    // Each cycle is shown as its folders and, per folder pair in it, one import to cut.
    const cycles = folderCycles().map((group) => {
      const inGroup = edges.filter(
        (edge) => folderOf(edge.from) !== folderOf(edge.to) && group.includes(folderOf(edge.from)) && group.includes(folderOf(edge.to)),
      );
      const pairs = new Map<string, ImportEdge>();
      for (const edge of inGroup) {
        const pair = `${folderOf(edge.from)} → ${folderOf(edge.to)}`;
        if (!pairs.has(pair)) pairs.set(pair, edge);
      }
      return `${group.join(', ')}: ${[...pairs].map(([pair, edge]) => `${pair} (${relative(root, edge.from)}:${edge.line})`).join('; ')}`;
    });
    expect(cycles).toEqual([]);
  });

  it('keeps the docs site off the runner: it reads the warehouse through the adapters', () => {
    // Both sit above the runner's layer in their own way, so the layer rule alone allows it;
    // the site must use the adapters' relation listing and the shared SQL template catalog.
    const intoRunner = edges
      .filter((edge) => folderOf(edge.from) === 'docs-site' && folderOf(edge.to) === 'runner')
      .map((edge) => `${relative(root, edge.from)}:${edge.line} → ${relative(root, edge.to)}`);
    expect(intoRunner).toEqual([]);
  });
});
