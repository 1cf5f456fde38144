/**
 * Writes what compilation produced: target/manifest.json and target/compiled/**.sql.
 * Artifacts never contain profile values; the manifest has no field that could hold one.
 */
import { mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Manifest } from './manifest.js';
import { nodesOfKind } from './node-kinds.js';
import { diskFullError } from '../errors/disk-full.js';
import { writeFileAtomic } from './write-file-atomic.js';

export function writeManifest(targetPath: string, manifest: Manifest): string {
  mkdirSync(targetPath, { recursive: true });
  const file = join(targetPath, 'manifest.json');
  writeFileAtomic(file, JSON.stringify({ $schema: manifest.metadata.dpfSchemaVersion, ...manifest }));
  return file;
}

export function writeCompiledSql(targetPath: string, manifest: Manifest): void {
  // Files are overwritten in place: deleting compiled/ first costs more than writing it.
  const made = new Set<string>();
  for (const node of nodesOfKind(manifest, 'model', 'snapshot', 'test', 'analysis')) {
    if (!node.compiledPath || node.compiledCode === undefined) continue;
    const file = join(targetPath, node.compiledPath);
    const dir = dirname(file);
    if (!made.has(dir)) {
      mkdirSync(dir, { recursive: true });
      made.add(dir);
    }
    writeIfChanged(file, node.compiledCode);
  }
}

/**
 * Rewriting an existing file costs several times more than reading it on common file
 * systems (ext4 frees the old blocks), and most models compile the same as last time.
 */
function writeIfChanged(file: string, text: string): void {
  // statSync without throwing: a failed read costs ~100 us in Node, more than the write.
  const stat = statSync(file, { throwIfNoEntry: false });
  if (stat?.isDirectory()) rmSync(file, { recursive: true, force: true }); // left by an older layout
  else if (stat && stat.size === Buffer.byteLength(text) && readFileSync(file, 'utf8') === text) return;
  writeFileAtomic(file, text);
}

/**
 * Writes the statements a node ran to target/run/<path>; returns the file written. On a full
 * disk the file keeps what it held and the node's own result says why it failed: a record of
 * the SQL must not turn a node's result into a crash of the run.
 */
export function writeRunSql(targetPath: string, relativePath: string, statements: string[]): string {
  const file = join(targetPath, 'run', relativePath);
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileAtomic(file, statements.map((s) => s.trimEnd() + ';').join('\n\n') + '\n');
  } catch (err) {
    if (!diskFullError(err)) throw err;
  }
  return file;
}
