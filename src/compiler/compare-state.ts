/** How a node differs from the same node in another run's manifest (state:new, state:modified.*). */
import type { Manifest, ManifestNode } from './manifest.js';
import { isSqlNode } from './node-kinds.js';

export type StateChange = 'new' | 'body' | 'configs' | 'contract' | 'macros';

const columnsContract = (node: ManifestNode) =>
  JSON.stringify(Object.values('columns' in node ? node.columns : {}).map((c) => [c.name, c.dataType ?? null]));

/** What changed: the body (SQL, CSV, test definition), the config, the columns' contract, or a macro it uses. */
export function stateChanges(node: ManifestNode, current: Manifest, state: Manifest): Set<StateChange> {
  const before = state.nodes[node.uniqueId];
  const changes = new Set<StateChange>();
  // A state written before monitors existed has none: a monitor is then as changed as its node.
  if (!before && node.kind === 'monitor' && !Object.values(state.nodes).some((n) => n.kind === 'monitor')) {
    const watched = current.nodes[node.attachedNode];
    return watched ? stateChanges(watched, current, state) : new Set(['new']);
  }
  if (!before) return new Set(['new']);
  switch (node.kind) {
    case 'model':
    case 'snapshot':
    case 'seed':
    case 'test': {
      const old = before as typeof node;
      if (node.checksum.checksum !== old.checksum?.checksum) changes.add('body');
      // A TypeScript model's body is its file and the project files it imports.
      if (node.kind === 'model' && JSON.stringify(node.transform?.imports ?? []) !== JSON.stringify((old as typeof node).transform?.imports ?? [])) changes.add('body');
      if (JSON.stringify(node.config) !== JSON.stringify(old.config)) changes.add('configs');
      if (isSqlNode(node)) {
        const macros = (m: Manifest, ids: string[]) => ids.map((id) => m.macros[id]?.checksum.checksum ?? '').join();
        if (macros(current, node.macros) !== macros(state, (old as typeof node).macros ?? [])) changes.add('macros');
      }
      break;
    }
    case 'source': {
      const old = before as typeof node;
      if (node.relationName !== old.relationName || node.externalLocation !== old.externalLocation) changes.add('body');
      if (JSON.stringify(node.freshness ?? null) !== JSON.stringify(old.freshness ?? null)) changes.add('configs');
      // A landed source: its plugin's file is its body, its extract block its config.
      if ((node.extract?.pluginChecksum ?? node.extract?.pluginPath) !== (old.extract?.pluginChecksum ?? old.extract?.pluginPath)) changes.add('body');
      const { location: _at, pluginChecksum: _sum, ...extract } = node.extract ?? ({} as NonNullable<typeof node.extract>);
      const { location: _was, pluginChecksum: _sumWas, ...extractWas } = old.extract ?? ({} as NonNullable<typeof old.extract>);
      if (JSON.stringify(extract) !== JSON.stringify(extractWas)) changes.add('configs');
      break;
    }
    case 'export': {
      const old = before as typeof node;
      const { location: _at, ...entry } = node;
      const { location: _was, ...entryWas } = old;
      if (JSON.stringify(entry) !== JSON.stringify(entryWas)) changes.add('configs');
      break;
    }
    case 'monitor':
      if (JSON.stringify(node.config) !== JSON.stringify((before as typeof node).config)) changes.add('configs');
      break;
    case 'unit_test':
      if (JSON.stringify([node.given, node.expect, node.overrides]) !== JSON.stringify([(before as typeof node).given, (before as typeof node).expect, (before as typeof node).overrides])) {
        changes.add('body');
      }
      break;
  }
  if (node.kind !== 'unit_test' && columnsContract(node) !== columnsContract(before)) changes.add('contract');
  return changes;
}
