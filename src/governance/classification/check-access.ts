/**
 * A model that says `access: public` must not expose personal data (docs/governance.md): each
 * of its columns that carries a kind of personal data, declared or through lineage, and is
 * not declassified, is DPF961 at its `access:` line, with the path the data came by.
 */
import type { Manifest, ManifestGovernance } from '../../compiler/manifest.js';
import { nodesOfKind } from '../../compiler/node-kinds.js';
import { diagnostic, type Diagnostic } from '../../errors/dpf-error.js';
import { EVERY_COLUMN } from './propagate-classifications.js';

export function publicExposures(manifest: Manifest, governance: ManifestGovernance): Diagnostic[] {
  const problems: Diagnostic[] = [];
  const nameOf = (path: string) => {
    // model.shop.fct_orders.email → fct_orders.email
    const id = Object.keys(manifest.nodes).find((k) => path.startsWith(`${k}.`));
    const node = id ? manifest.nodes[id] : undefined;
    return node ? `${node.kind === 'source' ? `${(node as { sourceName: string }).sourceName}.` : ''}${node.name}.${path.slice(id!.length + 1)}` : path;
  };
  for (const node of nodesOfKind(manifest, 'model', 'snapshot')) {
    if (node.access?.level !== 'public') continue;
    for (const [column, c] of Object.entries(governance.columns[node.uniqueId] ?? {})) {
      if (c.pii.length === 0 || c.declassified !== undefined) continue;
      const path = c.path.map(nameOf).join(' ← ') + (c.declared && c.path.length <= 1 ? ' (declared here)' : '');
      problems.push(
        diagnostic(
          'PublicModelExposesPii',
          { model: node.name, column: column === EVERY_COLUMN ? '* (its SQL could not be traced column by column)' : column, pii: c.pii.join(', '), path },
          node.access.location,
        ),
      );
    }
  }
  return problems;
}
