/**
 * What `dpf init` writes besides the demo project: the team's GitHub files (PR template with the
 * review checklist, issue templates, a CODEOWNERS that follows the model owners) and a
 * yaml-language-server schema comment on every YAML file dpf reads.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { dpf, REPO_ROOT, tempDir } from './helpers/run-dpf.js';

let project: string;

beforeAll(async () => {
  const cwd = tempDir();
  const init = await dpf(['init', 'acme'], { cwd });
  expect(init.code, init.output).toBe(0);
  project = join(cwd, 'acme');
});

const read = (rel: string) => readFileSync(join(project, rel), 'utf8');

describe('dpf init: the team files', () => {
  it('writes a pull request template with the review checklist', () => {
    const template = read('.github/pull_request_template.md');
    for (const item of ['Style', 'Docs', 'Tests', 'Performance', 'Cost', 'Security', 'Deploy', 'Monitor']) {
      expect(template).toMatch(new RegExp(`- \\[ \\] \\*\\*${item}\\*\\*`));
    }
    expect(existsSync(join(project, 'github'))).toBe(false);
  });

  it('writes issue templates for data requests and incidents, with the front matter GitHub reads', () => {
    for (const [file, name] of [['data-request.md', 'Data request'], ['incident.md', 'Data incident']] as const) {
      const text = read(`.github/ISSUE_TEMPLATE/${file}`);
      const frontMatter = parse(text.split('---\n')[1]!);
      expect(frontMatter.name).toBe(name);
      expect(frontMatter.about).toEqual(expect.any(String));
    }
  });

  it('writes a CODEOWNERS that dpf codeowners --check finds current, and a project that lints clean', async () => {
    expect(read('.github/CODEOWNERS')).toContain('/models/marts/fct_orders.sql @your-org/analytics-engineering');
    const check = await dpf(['codeowners', '--check'], { cwd: project });
    expect(check.output).toContain('.github/CODEOWNERS is up to date.');
    expect(check.code).toBe(0);
    const lint = await dpf(['lint'], { cwd: project });
    expect(lint.code, lint.output).toBe(0);
  });

  it('starts every YAML file dpf reads with a schema comment that resolves, once dpf is linked into node_modules, to a schema the file passes', () => {
    mkdirSync(join(project, 'node_modules'));
    symlinkSync(REPO_ROOT, join(project, 'node_modules', 'dpf'), 'dir');
    const files = readdirSync(project, { recursive: true, encoding: 'utf8' }).filter((p) => p.endsWith('.yml') && !p.startsWith('node_modules') && !p.startsWith('ci/'));
    expect(files.length).toBeGreaterThan(10);
    for (const rel of files) {
      const text = read(rel);
      const match = /^# yaml-language-server: \$schema=(\S+)\n/.exec(text);
      expect(match, rel).not.toBeNull();
      const schemaFile = resolve(dirname(join(project, rel)), match![1]!);
      expect(existsSync(schemaFile), `${rel} → ${schemaFile}`).toBe(true);
      const validate = new Ajv({ strict: false, allErrors: true, validateSchema: false }).compile(JSON.parse(readFileSync(schemaFile, 'utf8')));
      expect(validate(parse(text)), `${rel}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
  });
});
