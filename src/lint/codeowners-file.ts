/**
 * .github/CODEOWNERS from the owners of models, seeds, snapshots and sources (meta.owner): each
 * file that declares or describes an owned node is reviewed by its owners' GitHub handles.
 * Owners become handles through dpf_project.yml's `codeowners: owners:`, or are handles already.
 * Paths are relative to the project folder, which is taken to be the repository's root.
 */
import type { ProjectConfig } from '../compiler/load-project.js';
import type { Manifest } from '../compiler/manifest.js';
import { nodesOfKind } from '../compiler/node-kinds.js';
import type { YamlFile } from '../compiler/read-yaml-file.js';
import { diagnostic, DpfError, type Diagnostic } from '../errors/dpf-error.js';
import { ownerOf } from './lint-rules.js';

export const CODEOWNERS_PATH = '.github/CODEOWNERS';

interface CodeownersConfig {
  readonly default?: string[];
  readonly owners?: Record<string, string | string[]>;
}

export interface CodeownersContent {
  readonly text: string;
  /** Owners with no handle (DPF993): their files are listed with no reviewer. */
  readonly warnings: readonly Diagnostic[];
}

/** @user, @org/team, or an email address: what GitHub accepts as a code owner. */
const isHandle = (value: string) => /^@[A-Za-z0-9][A-Za-z0-9-]*(\/[A-Za-z0-9._-]+)?$/.test(value) || /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(value);

export function renderCodeowners(projectFile: YamlFile<ProjectConfig>, manifest: Manifest): CodeownersContent {
  const config = ((projectFile.data as { codeowners?: CodeownersConfig }).codeowners ?? {}) as CodeownersConfig;
  const mapping = handlesOf(projectFile, config);

  const ownersByFile = new Map<string, Set<string>>();
  for (const node of nodesOfKind(manifest, 'model', 'seed', 'snapshot', 'source')) {
    const owner = ownerOf(node);
    if (owner === undefined) continue;
    for (const file of [node.originalFilePath, node.patchPath]) {
      if (!file) continue;
      if (!ownersByFile.has(file)) ownersByFile.set(file, new Set());
      ownersByFile.get(file)!.add(owner);
    }
  }

  const unmapped = new Set<string>();
  const lines = [
    '# Written by `dpf codeowners` from the owners of models, seeds, snapshots and sources',
    '# (meta: {owner: ...} in their YAML). Change owners there, or their GitHub handles under',
    '# codeowners: in dpf_project.yml, then run `dpf codeowners`; `dpf codeowners --check` fails CI when this is stale.',
    '',
  ];
  if (config.default && config.default.length > 0) lines.push(`* ${config.default.join(' ')}`, '');
  for (const file of [...ownersByFile.keys()].sort()) {
    const handles = new Set<string>();
    for (const owner of [...ownersByFile.get(file)!].sort()) {
      const mapped = isHandle(owner) ? [owner] : mapping.get(owner);
      if (mapped) mapped.forEach((h) => handles.add(h));
      else unmapped.add(owner);
    }
    // A path with no handles has no code owner, even under the * line: say why instead.
    lines.push(handles.size > 0 ? `/${file} ${[...handles].join(' ')}` : `# /${file}: owner ${[...ownersByFile.get(file)!].join(', ')} has no GitHub handle (codeowners: owners: in dpf_project.yml)`);
  }
  const warnings = unmapped.size === 0 ? [] : [diagnostic('OwnerWithoutHandle', { owners: [...unmapped].sort() }, projectFile.locateKey(['codeowners']), 'warning')];
  return { text: `${lines.join('\n')}\n`, warnings };
}

function handlesOf(projectFile: YamlFile<ProjectConfig>, config: CodeownersConfig): Map<string, string[]> {
  const problems: Diagnostic[] = [];
  const mapping = new Map<string, string[]>();
  for (const [owner, value] of Object.entries(config.owners ?? {})) {
    const handles = typeof value === 'string' ? [value] : value;
    handles.forEach((handle, i) => {
      if (!isHandle(handle)) {
        const path = typeof value === 'string' ? ['codeowners', 'owners', owner] : ['codeowners', 'owners', owner, i];
        problems.push(diagnostic('CodeownersHandleInvalid', { value: handle, owner }, projectFile.locate(path)));
      }
    });
    mapping.set(owner, handles);
  }
  (config.default ?? []).forEach((handle, i) => {
    if (!isHandle(handle)) problems.push(diagnostic('CodeownersHandleInvalid', { value: handle, owner: '*' }, projectFile.locate(['codeowners', 'default', i])));
  });
  if (problems.length > 0) throw new DpfError(problems);
  return mapping;
}
