/** The golden tests' normalizer replaces what varies between machines, and nothing else. */
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/run-dpf.js';
import { normalizeManifest, VARIES_WITH_FOLDER } from './normalize-manifest.js';

function manifestIn(dir: string) {
  const csv = `${dir}/data/s.csv`;
  return {
    metadata: { dpfVersion: '0.1.0', generatedAt: '2024-07-01T08:00:00.000Z', invocationId: 'f00', projectName: 'p' },
    nodes: {
      'source.p.web.s': { kind: 'source', externalLocation: csv, relationName: `read_csv_auto('${csv}')` },
      'model.p.reads_file': { compiledCode: `select * from read_csv_auto('${csv}')`, config: { materialized: 'view' }, dependsOn: ['source.p.web.s'], stateChecksum: 'aaa' },
      'model.p.downstream': { compiledCode: 'select * from "main"."reads_file"', dependsOn: ['model.p.reads_file'], stateChecksum: 'bbb' },
      'model.p.plain': { compiledCode: 'select 1 as n', config: { materialized: 'table', schema: 'finance' }, dependsOn: [], stateChecksum: 'ccc' },
    },
  };
}

describe('normalizeManifest', () => {
  it('keeps compiled code, config and checksums that do not depend on the folder', () => {
    const dir = tempDir();
    const input = manifestIn(dir);
    const out = normalizeManifest(input, dir) as ReturnType<typeof manifestIn>;
    expect(out.nodes['model.p.plain']).toEqual(input.nodes['model.p.plain']);
    expect(out.nodes['model.p.reads_file'].compiledCode).toBe("select * from read_csv_auto('<project>/data/s.csv')");
    expect(out.nodes['model.p.reads_file'].config).toEqual({ materialized: 'view' });
    expect(out.metadata.projectName).toBe('p');
  });

  it('replaces the folder, the run and the checksums that hash the folder, the same for any folder', () => {
    const [one, two] = [tempDir(), tempDir()];
    const out = normalizeManifest(manifestIn(one), one) as ReturnType<typeof manifestIn>;
    expect(out.nodes['source.p.web.s'].externalLocation).toBe('<project>/data/s.csv');
    expect(out.nodes['model.p.reads_file'].stateChecksum).toBe(VARIES_WITH_FOLDER);
    expect(out.nodes['model.p.downstream'].stateChecksum).toBe(VARIES_WITH_FOLDER);
    expect(out.metadata).toMatchObject({ generatedAt: '<generated at>', invocationId: '<invocation id>', dpfVersion: '<dpf version>' });
    expect(JSON.stringify(out)).not.toContain(one);
    expect(normalizeManifest(manifestIn(two), two)).toEqual(out);
  });
});
