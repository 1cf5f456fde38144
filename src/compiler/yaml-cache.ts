/**
 * Partial parsing, as dbt users know it: parsed YAML properties files are kept in
 * target/partial_parse.json, keyed by a hash of each file's text, and reused while the file
 * and dpf are unchanged. Parsing YAML is the largest cost of compiling a big project; a
 * cache hit costs reading and hashing the file. `DPF_NO_PARTIAL_PARSE=1` switches it off.
 */
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DPF_VERSION } from './package-paths.js';
import type { YamlIndex } from './read-yaml-file.js';
import { readJsonArtifact } from './read-json-artifact.js';
import { writeFileAtomic } from './write-file-atomic.js';

const FILE = 'partial_parse.json';

interface CacheFile {
  readonly dpfVersion: string;
  readonly files: Record<string, { hash: string; index: YamlIndex }>;
}

export class YamlCache {
  private readonly entries: CacheFile['files'];
  private readonly used: CacheFile['files'] = {};
  private changed = false;

  private constructor(
    private readonly dir: string,
    entries: CacheFile['files'],
  ) {
    this.entries = entries;
  }

  /** A damaged cache is reported to onDamaged and is only a slower parse. */
  static open(dir: string, onDamaged: (file: string, detail: string) => void): YamlCache {
    const file = join(dir, FILE);
    const doc = readJsonArtifact<CacheFile>(file, (detail) => onDamaged(file, detail));
    return new YamlCache(dir, doc?.dpfVersion === DPF_VERSION && doc.files ? doc.files : {});
  }

  static hash(text: string): string {
    return createHash('sha1').update(text).digest('hex');
  }

  get(path: string, hash: string): YamlIndex | undefined {
    const entry = this.entries[path];
    if (entry?.hash !== hash) return undefined;
    this.used[path] = entry;
    return entry.index;
  }

  set(path: string, hash: string, index: YamlIndex): void {
    this.used[path] = { hash, index };
    this.changed = true;
  }

  /** Writes the entries of this parse only, so deleted files drop out. */
  save(): void {
    const dropped = Object.keys(this.entries).some((p) => !(p in this.used));
    if (!this.changed && !dropped) return;
    mkdirSync(this.dir, { recursive: true });
    const doc: CacheFile = { dpfVersion: DPF_VERSION, files: this.used };
    writeFileAtomic(join(this.dir, FILE), JSON.stringify(doc));
  }
}
