/**
 * dbt's documentation blocks: `{% docs name %}…{% enddocs %}` in .md files beside the YAML
 * properties, and `{{ doc("name") }}` in descriptions, resolved at parse time into the block's
 * text, so that the manifest and the catalog site hold the words and never the call. Reads no
 * other Jinja: a description is text with doc calls in it, nothing else is rendered.
 */
import { diagnostic, type DiagnosticBag, type SourceLocation } from '../errors/dpf-error.js';
import { closestMatch } from './closest-match.js';
import { lineColumn, lineStarts } from './line-index.js';
import type { ProjectFile } from './load-project.js';
import type { YamlFile } from './read-yaml-file.js';

export interface DocsBlock {
  readonly name: string;
  readonly text: string;
  readonly location: SourceLocation;
}

const OPEN = /\{%-?\s*docs\b\s*([^%]*?)\s*-?%\}/g;
const CLOSE = /\{%-?\s*enddocs\s*-?%\}/g;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Every docs block of the .md files, by name; a duplicate, unnamed or unclosed block is reported. */
export function collectDocsBlocks(files: readonly ProjectFile[], bag: DiagnosticBag): Map<string, DocsBlock> {
  const blocks = new Map<string, DocsBlock>();
  for (const file of files) {
    const starts = lineStarts(file.text);
    const at = (offset: number): SourceLocation => {
      const [line, column] = lineColumn(starts, offset);
      return { file: file.path, line, column };
    };
    OPEN.lastIndex = 0;
    for (let open = OPEN.exec(file.text); open; open = OPEN.exec(file.text)) {
      const name = open[1]!;
      const location = at(open.index);
      CLOSE.lastIndex = OPEN.lastIndex;
      const close = CLOSE.exec(file.text);
      if (!close) {
        bag.add(diagnostic('DocsBlockInvalid', { detail: `{% docs ${name} %} has no {% enddocs %} after it` }, location));
        break;
      }
      OPEN.lastIndex = CLOSE.lastIndex;
      if (!NAME.test(name)) {
        bag.add(diagnostic('DocsBlockInvalid', { detail: `"${name}" is not a block name (letters, digits and underscores)` }, location));
        continue;
      }
      const other = blocks.get(name);
      if (other) {
        bag.add(diagnostic('DuplicateName', { kind: 'docs block', name, other: `at ${other.location.file}:${other.location.line}` }, location));
        continue;
      }
      blocks.set(name, { name, text: file.text.slice(open.index + open[0].length, close.index).trim(), location });
    }
  }
  return blocks;
}

/** `{{ doc("name") }}`, `{{ doc('name') }}` (dbt) and `{{doc "name"}}` (dpf's helper form). */
const DOC_CALL = /\{\{-?\s*doc\s*(?:\(\s*(["'])([^"']*)\1\s*\)|\s+(["'])([^"']*)\3)\s*-?\}\}/g;

/** Where a description is: its YAML file and the path of the value in it. */
export interface DescriptionAt {
  readonly file: YamlFile;
  readonly path: readonly (string | number)[];
}

export type Describe = (raw: unknown, at: DescriptionAt | undefined) => string;

/** A description with its doc calls replaced by their blocks' text; an unknown name is DPF115. */
export function docsResolver(blocks: ReadonlyMap<string, DocsBlock>, bag: DiagnosticBag): Describe {
  return (raw, at) => {
    if (raw === undefined || raw === null) return '';
    const text = String(raw);
    if (!text.includes('doc')) return text;
    return text.replace(DOC_CALL, (call, _q1, dbtName: string | undefined, _q2, dpfName: string | undefined) => {
      const name = (dbtName ?? dpfName)!;
      const block = blocks.get(name);
      if (block) return block.text;
      bag.add(diagnostic('DocNotFound', { name, suggestion: closestMatch(name, blocks.keys()) }, at?.file.locate(at.path)));
      return call;
    });
  };
}
