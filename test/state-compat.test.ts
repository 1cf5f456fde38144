/**
 * --state reads the manifests that earlier dpf versions wrote, or refuses them saying which
 * version wrote them and what to do. Two committed manifests of the demo stand for earlier
 * runs' state: test/fixtures/state-v1 (written by dpf 0.1.0, manifest schema v1, before every
 * kind shared one nodes map) and the golden manifest (test/golden/expected/demo, this version).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { copyDemoProject, dpf, REPO_ROOT, tempDir } from './helpers/run-dpf.js';

/** The committed manifest, with its project-folder placeholder pointed at `project`. */
const V1 = 'test/fixtures/state-v1/manifest.json';
const CURRENT = 'test/golden/expected/demo/manifest.json';

function committedState(project: string, change: (manifest: Record<string, unknown>) => void = () => {}, file = CURRENT): string {
  const text = readFileSync(join(REPO_ROOT, file), 'utf8').split('<project>').join(project);
  const manifest = JSON.parse(text) as Record<string, unknown>;
  change(manifest);
  const dir = join(tempDir(), 'state');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
  return dir;
}

describe('--state with a manifest from a committed earlier run', () => {
  it.each([
    ['this version (v2)', CURRENT],
    ['dpf 0.1.0 (v1, upgraded on read)', V1],
  ])('compares with a manifest of %s: nothing modified, then exactly the edited model and what is downstream', async (_, stateFile) => {
    const project = copyDemoProject();
    const state = committedState(project, () => {}, stateFile);
    const same = await dpf(['ls', '--output', 'name', '--project-dir', project, '--select', 'state:modified', '--state', state], { cwd: project });
    expect(same.code, same.output).toBe(0);
    expect(same.stdout.trim()).toBe('');
    const file = join(project, 'models/marts/dim_customers.sql');
    writeFileSync(file, `${readFileSync(file, 'utf8')}\n-- edited\n`);
    const edited = await dpf(['ls', '--output', 'name', '--project-dir', project, '--select', 'state:modified+', '--state', state, '--resource-type', 'model'], { cwd: project });
    expect(edited.code, edited.output).toBe(0);
    expect(edited.stdout.trim().split('\n')).toEqual(['dim_customers']);
  });

  it('refuses a manifest of another schema, naming the dpf version that wrote it and what to do', async () => {
    const project = copyDemoProject();
    const state = committedState(project, (m) => {
      (m.metadata as Record<string, unknown>).dpfSchemaVersion = 'https://dpf.dev/schemas/manifest/v9.json';
      (m.metadata as Record<string, unknown>).dpfVersion = '0.9.0';
    });
    const run = await dpf(['ls', '--output', 'name', '--project-dir', project, '--select', 'state:modified', '--state', state], { cwd: project });
    expect(run.code).toBe(2);
    expect(run.output).toContain('DPF505');
    expect(run.output).toContain('written by dpf 0.9.0 with manifest schema https://dpf.dev/schemas/manifest/v9.json');
    expect(run.output).toContain('reads https://dpf.dev/schemas/manifest/v2.json, https://dpf.dev/schemas/manifest/v1.json');
    expect(run.output).toMatch(/Produce the state again with this version of dpf/);
  });
});
