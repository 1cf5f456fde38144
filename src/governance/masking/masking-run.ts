/**
 * A run in a `masking: true` target (docs/governance.md#masked-copies): what it masks and the
 * views it reads through. Seeds load masked (the runner, from `seedMasks`); the sources the run
 * reads with classified columns get their masked views in `<schema>_dpf_masked` before any step
 * starts (the compiled SQL already names them, src/compiler/masked-inputs.ts); --defer reads
 * another environment's relations through such views too, so nothing unmasked enters the target.
 */
import type { Adapter, Connection, Dialect, MaskMethod } from '../../adapters/adapter.js';
import { SqlTemplates } from '../../adapters/sql-templates.js';
import type { CompiledProject } from '../../compiler/compile-pipeline.js';
import type { ColumnInfo, Manifest, SourceNode } from '../../compiler/manifest.js';
import { hasClassifiedColumns, isClassifiedColumn, isMaskingTarget, maskedDeferredRelation, maskedSchema, maskedSourceRelation } from '../../compiler/masked-inputs.js';
import { isEphemeral, nodesOfKind } from '../../compiler/node-kinds.js';
import { DpfError, diagnostic, fail } from '../../errors/dpf-error.js';
import { loadClassifications, type Classifications } from '../classification/load-classifications.js';
import { columnMasks, type ColumnMasks } from './column-masks.js';
import { maskedSelect } from './masked-select.js';

export interface MaskingRun {
  /** Seed unique id → its masked columns. */
  readonly seedMasks: ReadonlyMap<string, ColumnMasks>;
  /** Creates the masked views of the sources these steps read (looking through ephemeral models); returns their names. */
  createSourceViews(adapter: Adapter, stepIds: Iterable<string>): Promise<string[]>;
  /** --defer: views masking the other environment's relations (unique id → relation read), to read instead of them. */
  deferredViews(adapter: Adapter, deferred: ReadonlyMap<string, string>): Promise<Map<string, string>>;
  /** dpf clone: what the copy of a node's relation selects from the other environment's. */
  cloneSelect(connection: Connection, dialect: Dialect, uniqueId: string, from: string): Promise<string>;
}

/** Undefined for a target without `masking: true`, or one whose project classifies nothing. */
export function maskingRun(compiled: Pick<CompiledProject, 'manifest' | 'target'>, projectDir: string): MaskingRun | undefined {
  const { manifest, target } = compiled;
  if (!isMaskingTarget(target)) return undefined;
  const classifications = loadClassifications(projectDir);
  if (!classifications || !manifest.governance) {
    const classified = Object.values(manifest.nodes).find((n) => 'columns' in n && hasClassifiedColumns(n));
    // Nothing is classified: there is nothing to mask.
    if (!classified) return undefined;
    const column = Object.values((classified as { columns: Record<string, ColumnInfo> }).columns).find(isClassifiedColumn);
    fail('MaskingWithoutClassifications', { target: target.targetName, node: classified.name }, column?.classifiedAt ?? { file: classified.originalFilePath });
  }
  return maskingOf(manifest, classifications!, target);
}

function maskingOf(manifest: Manifest, classifications: Classifications, target: CompiledProject['target']): MaskingRun {
  const seedMasks = new Map(nodesOfKind(manifest, 'seed').map((seed) => [seed.uniqueId, columnMasks(manifest, classifications, seed.uniqueId)] as const).filter(([, masks]) => masks.size > 0));
  const createView = async (adapter: Adapter, view: { schema: string; database?: string; identifier: string }, from: string, masks: ColumnMasks) => {
    const templates = new SqlTemplates(adapter.name);
    await adapter.withConnection(async (connection) => {
      await connection.createSchema(view.schema, view.database);
      const sql = await maskedSelect(connection, adapter.dialect, from, masks);
      await connection.execute(templates.render('create_view', { relation: adapter.dialect.renderRelation(view), sql }));
    });
  };
  return {
    seedMasks,
    async createSourceViews(adapter, stepIds) {
      const created: string[] = [];
      for (const source of sourcesRead(manifest, stepIds)) {
        const view = maskedSourceRelation(source, target);
        try {
          await createView(adapter, view, source.relationName, columnMasks(manifest, classifications, source.uniqueId));
        } catch (err) {
          if (err instanceof DpfError) throw err;
          throw new DpfError([diagnostic('MaskedViewFailed', { source: `${source.sourceName}.${source.tableName}`, schema: maskedSchema(target.schema), detail: String((err as Error).message).split('\n')[0]! }, source.location)]);
        }
        created.push(adapter.dialect.renderRelation(view));
      }
      return created;
    },
    async cloneSelect(connection, dialect, uniqueId, from) {
      const masks = columnMasks(manifest, classifications, uniqueId);
      return masks.size === 0 ? `select * from ${from}` : maskedSelect(connection, dialect, from, masks);
    },
    async deferredViews(adapter, deferred) {
      const views = new Map<string, string>();
      for (const [id, from] of deferred) {
        const masks = columnMasks(manifest, classifications, id);
        if (masks.size === 0) {
          views.set(id, from);
          continue;
        }
        const view = maskedDeferredRelation(manifest.nodes[id]!.name, target);
        await createView(adapter, view, from, masks);
        views.set(id, adapter.dialect.renderRelation(view));
      }
      return views;
    },
  };
}

/** Sources with classified columns that the steps read, directly or through ephemeral models. */
function sourcesRead(manifest: Manifest, stepIds: Iterable<string>): SourceNode[] {
  const found = new Map<string, SourceNode>();
  const seen = new Set<string>();
  const visit = (id: string) => {
    for (const parent of manifest.parentMap[id] ?? []) {
      if (seen.has(parent)) continue;
      seen.add(parent);
      const node = manifest.nodes[parent];
      if (node?.kind === 'source' && hasClassifiedColumns(node)) found.set(parent, node);
      else if (node && isEphemeral(node)) visit(parent);
    }
  };
  for (const id of stepIds) visit(id);
  return [...found.values()];
}

export type { MaskMethod };
