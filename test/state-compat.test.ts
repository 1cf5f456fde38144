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
  // The demo's review pipeline came after dpf 0.1.0, and so did payments_by_method's tests (dpf
  // lint's tested rule): against that state these nodes are new.
  const PIPELINE = [
    'int_review_sentiment', 'product_ratings', 'stg_reviews',
    'monitor_int_review_sentiment', 'monitor_partner_reviews', 'monitor_product_ratings', 'source:partner.reviews',
    'expression_is_true_int_review_sentiment_sentiment', 'not_null_int_review_sentiment_review_id', 'not_null_product_ratings_product_id',
    'not_null_reviews_review_id', 'not_null_stg_reviews_review_id', 'unique_int_review_sentiment_review_id', 'unique_product_ratings_product_id',
    'unique_reviews_review_id', 'unique_stg_reviews_review_id', 'int_review_sentiment_scores_words',
    'low_rated_products', 'monitor_low_rated_products', 'not_null_low_rated_products_product_id', 'unique_low_rated_products_product_id',
    'product_ratings_to_lake', 'low_rated_products_to_quality',
    'accepted_values_payments_by_method_payment_method', 'not_null_payments_by_method_payment_month',
    // analyses (analyses/*.yml) came after 0.1.0
    'orders_by_category', 'revenue_by_month',
  ];
  it.each([
    ['this version (v2)', CURRENT, []],
    ['dpf 0.1.0 (v1, upgraded on read)', V1, PIPELINE],
  ])('compares with a manifest of %s: nothing modified but what is new since, then exactly the edited model and what is downstream', async (_, stateFile, added) => {
    const project = copyDemoProject();
    const state = committedState(project, () => {}, stateFile);
    const same = await dpf(['ls', '--output', 'name', '--project-dir', project, '--select', 'state:modified', '--state', state], { cwd: project });
    expect(same.code, same.output).toBe(0);
    expect(same.stdout.split('\n').filter(Boolean).sort()).toEqual([...added].sort());
    const file = join(project, 'models/marts/dim_customers.sql');
    writeFileSync(file, `${readFileSync(file, 'utf8')}\n-- edited\n`);
    const edited = await dpf(['ls', '--output', 'name', '--project-dir', project, '--select', 'state:modified+', '--state', state, '--resource-type', 'model'], { cwd: project });
    expect(edited.code, edited.output).toBe(0);
    const newModels = added.filter((name) => ['int_review_sentiment', 'product_ratings', 'stg_reviews', 'low_rated_products'].includes(name));
    expect(edited.stdout.trim().split('\n').sort()).toEqual(['dim_customers', ...newModels].sort());
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
