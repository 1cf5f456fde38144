/**
 * `dpf import dbt PATH --out DIR`: a dbt project in, a new dpf project out, and a report of what
 * could not be converted (file:line and the construct). The dbt project is only read. A file
 * with a construct that has no dpf form is written to DIR/unconverted/ as it was, and so is
 * everything that refs it, so that the rest builds; the converted project is then compiled by
 * dpf itself, and what dpf still rejects joins the report.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, extname, join, relative, resolve, sep } from 'node:path';
import { isMap, isScalar, isSeq, stringify, type Document } from 'yaml';
import { DpfError, fail } from '../../errors/dpf-error.js';
import { compileFromDisk } from '../../compiler/compile-pipeline.js';
import { convertJinja, type MacroSignature, type Problem } from './convert-jinja.js';
import { convertProfiles, convertProjectFile, convertProperties, readDbtYaml, type Note } from './convert-yaml.js';
import { splitBlocks } from './split-blocks.js';
import { writeImportReport, type ImportReport } from './import-report.js';

export interface ImportDbtOptions {
  /** The dbt project folder (holds dbt_project.yml). */
  readonly path: string;
  /** A new folder for the dpf project; must not exist or be empty. */
  readonly out: string;
  /** Where dbt's profiles.yml is, when not in the project folder. */
  readonly profilesDir?: string;
  readonly cwd?: string;
}

export type { ImportReport } from './import-report.js';
export type { Problem } from './convert-jinja.js';
export type { Note } from './convert-yaml.js';

interface Paths {
  readonly models: string[];
  readonly seeds: string[];
  readonly tests: string[];
  readonly snapshots: string[];
  readonly macros: string[];
}

/** Files under some folders of the project, relative to it, with one of the extensions. */
function filesUnder(root: string, dirs: readonly string[], exts: readonly string[]): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (exts.includes(extname(entry.name))) found.push(relative(root, path));
    }
  };
  for (const dir of dirs) walk(join(root, dir));
  return found;
}

const asList = (value: unknown, fallback: string[]) => (Array.isArray(value) ? value.map(String) : fallback);

export async function importDbt(options: ImportDbtOptions): Promise<ImportReport> {
  const cwd = options.cwd ?? process.cwd();
  const src = resolve(cwd, options.path);
  const out = resolve(cwd, options.out);
  if (!existsSync(join(src, 'dbt_project.yml'))) fail('NotADbtProject', { dir: src });
  if (`${out}${sep}`.startsWith(`${src}${sep}`)) fail('ImportOutInsideProject', { out: options.out, dir: src });
  if (existsSync(out) && (!statSync(out).isDirectory() || readdirSync(out).length > 0)) fail('ImportOutNotEmpty', { dir: out });

  // Write, compile with dpf, and set aside what it rejects (a template with what refs it, a YAML
  // entry) until it compiles: the output builds where the rest allows. Each round sets aside more.
  const setAside: SetAside = { templates: new Map(), yaml: new Map(), yamlProblems: [] };
  for (let round = 0; ; round++) {
    const converted = convertProject(src, options.profilesDir ? resolve(cwd, options.profilesDir) : undefined, setAside);
    rmSync(out, { recursive: true, force: true }); // it was empty or missing: only what this call wrote goes
    mkdirSync(out, { recursive: true });
    for (const [rel, text] of converted.files) {
      mkdirSync(dirname(join(out, rel)), { recursive: true });
      writeFileSync(join(out, rel), text);
    }
    const rejected = await compileProblems(out, converted.profileName);
    let progressed = false;
    for (const problem of rejected) {
      const template = converted.templateAt.get(problem.file);
      if (template && !setAside.templates.has(template.name)) {
        setAside.templates.set(template.name, [{ ...problem, file: template.rel }]);
        progressed = true;
      } else if (!template && /\.ya?ml$/.test(problem.file) && problem.file !== 'profiles.yml') {
        const path = yamlPathAt(join(out, problem.file), problem.line);
        const paths = setAside.yaml.get(problem.file) ?? [];
        if (path && !paths.some((p) => JSON.stringify(p) === JSON.stringify(path))) {
          setAside.yaml.set(problem.file, [...paths, path]);
          const file = problem.file === 'dpf_project.yml' ? 'dbt_project.yml' : problem.file;
          const line = existsSync(join(src, file)) ? lineOfYamlPath(join(src, file), path) : undefined;
          setAside.yamlProblems.push({ ...problem, file, line: line ?? problem.line, detail: `${problem.detail.replace(/ \(dpf compile, line \d+ of the converted file\)$/, ' (dpf compile)')}; left out of the converted file` });
          progressed = true;
        }
      }
    }
    if (!progressed || round === 5) {
      const fromCompile = rejected.filter((p) => !converted.templateAt.has(p.file)).filter((p) => !setAside.yamlProblems.some((y) => y.file === p.file && y.construct === p.construct));
      const problems = dedupe([...converted.problems, ...[...setAside.templates.values()].flat(), ...setAside.yamlProblems, ...fromCompile]);
      const report: ImportReport = {
        source: src,
        out,
        complete: problems.length === 0,
        problems,
        notes: converted.notes,
        unconverted: [...converted.files.keys()].filter((f) => f.startsWith(`unconverted${sep}`)).sort(),
        converted: [...converted.files.keys()].filter((f) => !f.startsWith(`unconverted${sep}`)).length,
      };
      writeImportReport(report);
      return report;
    }
  }
}

/** A YAML entry's place: map keys, and list items by their name: (an index shifts as entries go). */
type YamlPath = (string | { name: string } | number)[];

/** What dpf's compile rejected in earlier rounds: set aside in the next. */
interface SetAside {
  /** Template name → why. */
  readonly templates: Map<string, Problem[]>;
  /** YAML file (the same path in both projects) → entries to leave out. */
  readonly yaml: Map<string, YamlPath[]>;
  readonly yamlProblems: Problem[];
}

/** The entry a diagnostic's line points at in a written YAML file: the key there, or the list item whose `name:` it is. */
function yamlPathAt(file: string, line: number): YamlPath | undefined {
  const { doc, lineOf } = readDbtYaml(file, file);
  const walk = (node: unknown, path: YamlPath): YamlPath | undefined => {
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : '';
        if (isScalar(pair.key) && lineOf(pair.key.range?.[0]) === line) return key === 'name' && typeof path.at(-1) === 'object' ? path : [...path, key];
        const found = walk(pair.value, [...path, key]);
        if (found) return found;
      }
    } else if (isSeq(node)) {
      for (const [i, item] of node.items.entries()) {
        const name = isMap(item) ? item.get('name') : undefined;
        const found = walk(item, [...path, typeof name === 'string' ? { name } : i]);
        if (found) return found;
      }
    }
    return undefined;
  };
  return walk(doc.contents, []);
}

/** The line of a YAML entry in the dbt project's file, for the report. */
function lineOfYamlPath(file: string, path: YamlPath): number | undefined {
  const { doc, lineOf } = readDbtYaml(file, file);
  let node: unknown = doc.contents;
  let line: number | undefined;
  for (const step of path) {
    if (isMap(node) && typeof step === 'string') {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === step);
      if (!pair) return line;
      line = lineOf(isScalar(pair.key) ? pair.key.range?.[0] : undefined);
      node = pair.value;
    } else if (isSeq(node)) {
      const item = typeof step === 'number' ? node.items[step] : node.items.find((i) => isMap(i) && typeof step === 'object' && i.get('name') === step.name);
      if (!item) return line;
      line = lineOf((item as { range?: [number] }).range?.[0]);
      node = item;
    } else return line;
  }
  return line;
}

/** Leaves out a YAML entry found by yamlPathAt in an earlier round. */
function deleteYamlPath(doc: Document, path: YamlPath): void {
  let parent: unknown = doc.contents;
  for (const [i, step] of path.entries()) {
    const last = i === path.length - 1;
    if (isMap(parent) && typeof step === 'string') {
      if (last) parent.delete(step);
      else parent = parent.get(step, true);
    } else if (isSeq(parent)) {
      const index = typeof step === 'number' ? step : parent.items.findIndex((item) => isMap(item) && typeof step === 'object' && item.get('name') === step.name);
      if (index < 0) return;
      if (last) parent.items.splice(index, 1);
      else parent = parent.items[index];
    } else return;
  }
}

interface Template {
  /** The dbt file, relative to the dbt project; where it is written in DIR. */
  readonly rel: string;
  readonly outRel: string;
  readonly name: string;
  readonly original: string;
  readonly text: string;
  readonly refs: string[];
  readonly problems: Problem[];
}

interface ConvertedProject {
  readonly files: Map<string, string>;
  readonly problems: Problem[];
  readonly notes: Note[];
  readonly profileName: string;
  /** The templates written into DIR, by their path there: a compile error's file leads back to the dbt file. */
  readonly templateAt: Map<string, Template>;
}

/** The whole conversion in memory; `setAside` is what dpf's compile rejected in earlier rounds. */
function convertProject(src: string, profilesDir: string | undefined, setAside: SetAside): ConvertedProject {
  const problems: Problem[] = [];
  const notes: Note[] = [];
  const files = new Map<string, string>(); // relative path in DIR → text
  const write = (rel: string, text: string) => files.set(rel, text);

  // 1. dbt_project.yml → dpf_project.yml
  const project = readDbtYaml(join(src, 'dbt_project.yml'), 'dbt_project.yml');
  const projectJson = (project.doc.toJSON() ?? {}) as Record<string, unknown>;
  const name = String(projectJson.name ?? basename(src));
  const profileName = String(projectJson.profile ?? name);
  const paths: Paths = {
    models: asList(projectJson['model-paths'], ['models']),
    seeds: asList(projectJson['seed-paths'], ['seeds']),
    tests: asList(projectJson['test-paths'], ['tests']),
    snapshots: asList(projectJson['snapshot-paths'], ['snapshots']),
    macros: asList(projectJson['macro-paths'], ['macros']),
  };
  const projectConversion = convertProjectFile(project, 'dbt_project.yml');
  problems.push(...projectConversion.problems);
  notes.push(...projectConversion.notes);
  for (const path of setAside.yaml.get('dpf_project.yml') ?? []) deleteYamlPath(project.doc, path);
  write('dpf_project.yml', project.doc.toString());

  // 2. profiles.yml: the project's folder, else --profiles-dir; never ~/.dbt (it may hold other teams' secrets).
  const profilesFile = [src, profilesDir].filter((d): d is string => !!d).map((d) => join(d, 'profiles.yml')).find((f) => existsSync(f));
  let hasTarget = false;
  if (profilesFile) {
    const rel = profilesFile.startsWith(src) ? relative(src, profilesFile) : 'profiles.yml';
    const profiles = readDbtYaml(profilesFile, rel);
    const converted = convertProfiles(profiles, rel, profileName);
    problems.push(...converted.problems);
    notes.push(...converted.notes);
    hasTarget = converted.targets.length > 0;
    if (hasTarget) write('profiles.yml', profiles.doc.toString());
  }
  if (!hasTarget) {
    write('profiles.yml', stringify({ [profileName]: { target: 'dev', outputs: { dev: { type: 'duckdb', path: 'target/dev.duckdb', schema: 'main', threads: 4 } } } }));
    notes.push({ file: 'profiles.yml', line: 1, detail: 'no duckdb or trino target found in the project folder (or --profiles-dir): a DuckDB target "dev" in target/dev.duckdb was written' });
  }

  // 3. macros: each {% macro %} a partial, each {% test %} a generic test.
  const macros = new Map<string, MacroSignature>();
  const macroBodies: { rel: string; name: string; body: string; line: number; params: string[] }[] = [];
  const genericTests: { rel: string; name: string; body: string; line: number; params: string[] }[] = [];
  const blockFiles = [...filesUnder(src, paths.macros, ['.sql']), ...filesUnder(src, paths.tests, ['.sql']).filter((f) => /\{%-?\s*test\s/.test(readFileSync(join(src, f), 'utf8')))];
  for (const rel of blockFiles) {
    const split = splitBlocks(readFileSync(join(src, rel), 'utf8'));
    for (const block of split.blocks) {
      const entry = { rel, name: block.name, body: block.body, line: block.bodyLine, params: block.params.map((p) => p.name) };
      if (block.tag === 'macro') {
        macros.set(block.name, { name: block.name, params: entry.params, defaults: Object.fromEntries(block.params.filter((p) => p.default !== undefined).map((p) => [p.name, p.default!])) });
        macroBodies.push(entry);
      } else if (block.tag === 'test') genericTests.push(entry);
      else problems.push({ file: rel, line: block.line, construct: `{% ${block.tag} %}`, detail: 'dpf has no custom materializations or other block macros' });
    }
    for (const p of split.problems) problems.push({ file: rel, ...p });
  }
  const genericNames = new Set(genericTests.map((t) => t.name));
  for (const m of macroBodies) {
    const converted = convertJinja(m.body, { file: m.rel, firstLine: m.line, macros, params: m.params });
    problems.push(...converted.problems);
    if (converted.problems.length === 0) write(join(paths.macros[0]!, `${m.name}.hbs`), converted.text.trim() + '\n');
    else write(join('unconverted', m.rel.replace(/\.sql$/, `.${m.name}.sql`)), m.body);
  }
  for (const t of genericTests) {
    const converted = convertJinja(t.body, { file: t.rel, firstLine: t.line, macros, params: t.params });
    problems.push(...converted.problems);
    if (converted.problems.length === 0) write(join(paths.tests[0]!, 'generic', `${t.name}.sql`), converted.text.trim() + '\n');
    else write(join('unconverted', paths.tests[0]!, 'generic', `${t.name}.sql`), t.body);
  }

  // 4. models, singular tests and snapshots: Jinja → handlebars; a file that does not convert, and what refs it, goes to unconverted/.
  const templates: Template[] = [];
  for (const rel of filesUnder(src, paths.models, ['.sql'])) {
    const original = readFileSync(join(src, rel), 'utf8');
    const converted = convertJinja(original, { file: rel, macros });
    templates.push({ rel, outRel: rel, name: basename(rel, '.sql'), original, ...converted });
  }
  for (const rel of filesUnder(src, paths.models, ['.py'])) {
    problems.push({ file: rel, line: 1, construct: 'a Python model', detail: 'dpf models are SQL (or TypeScript): rewrite it' });
    write(join('unconverted', rel), readFileSync(join(src, rel), 'utf8'));
  }
  const genericFiles = new Set(genericTests.map((t) => t.rel));
  for (const rel of filesUnder(src, paths.tests, ['.sql']).filter((f) => !genericFiles.has(f))) {
    const original = readFileSync(join(src, rel), 'utf8');
    templates.push({ rel, outRel: rel, name: basename(rel, '.sql'), original, ...convertJinja(original, { file: rel, macros }) });
  }
  for (const rel of filesUnder(src, paths.snapshots, ['.sql'])) {
    const original = readFileSync(join(src, rel), 'utf8');
    const split = splitBlocks(original);
    for (const p of split.problems) problems.push({ file: rel, ...p });
    for (const block of split.blocks.filter((b) => b.tag === 'snapshot')) {
      const converted = convertJinja(block.body, { file: rel, firstLine: block.bodyLine, macros });
      templates.push({ rel, outRel: join(dirname(rel), `${block.name}.sql`), name: block.name, original: block.body, ...converted, text: converted.text.trim() + '\n' });
    }
  }
  const unconverted = new Set(templates.filter((t) => t.problems.length > 0 || setAside.templates.has(t.name)).map((t) => t.name));
  for (let grew = true; grew; ) {
    grew = false;
    for (const t of templates) {
      if (unconverted.has(t.name)) continue;
      const parent = t.refs.find((r) => unconverted.has(r));
      if (parent) {
        unconverted.add(t.name);
        notes.push({ file: t.rel, line: 1, detail: `moved to unconverted/ with "${parent}", which it refs and which was not converted` });
        grew = true;
      }
    }
  }
  for (const t of templates) {
    problems.push(...t.problems);
    if (unconverted.has(t.name)) write(join('unconverted', t.outRel), t.original);
    else write(t.outRel, t.text);
  }

  // 5. properties files, seeds' CSVs, docs blocks: YAML converted, the rest copied.
  for (const rel of filesUnder(src, [...new Set([...paths.models, ...paths.seeds, ...paths.snapshots, ...paths.tests, ...paths.macros])], ['.yml', '.yaml'])) {
    const yaml = readDbtYaml(join(src, rel), rel);
    const converted = convertProperties(yaml, rel, unconverted, genericNames);
    problems.push(...converted.problems);
    notes.push(...converted.notes);
    if (paths.macros.some((m) => rel.startsWith(`${m}/`))) {
      notes.push({ file: rel, line: 1, detail: 'macro properties left out: dpf documents partials in their .hbs files' });
      continue;
    }
    for (const path of setAside.yaml.get(rel) ?? []) deleteYamlPath(yaml.doc, path);
    write(rel, yaml.doc.toString());
    if (converted.removed.length > 0) write(join('unconverted', rel), stringify({ models: converted.removed }));
  }
  for (const rel of [...filesUnder(src, paths.seeds, ['.csv', '.tsv']), ...filesUnder(src, [...paths.models, ...paths.snapshots], ['.md'])]) {
    write(rel, readFileSync(join(src, rel), 'utf8'));
  }
  if (existsSync(join(src, 'packages.yml'))) {
    notes.push({ file: 'packages.yml', line: 1, detail: 'dbt packages are not installed: the dbt_utils macros and tests dpf ships are converted (K1); others are reported where they are used' });
  }

  const templateAt = new Map(templates.filter((t) => !unconverted.has(t.name)).map((t) => [t.outRel, t]));
  return { files, problems, notes, profileName, templateAt };
}

function dedupe(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.file}:${p.line}:${p.construct}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * The written project, compiled by dpf. Against a DuckDB target of its own: compiling needs no
 * warehouse, and the real profile may read variables (a password) this shell does not have.
 */
async function compileProblems(out: string, profile: string): Promise<Problem[]> {
  const profilesDir = mkdtempSync(join(tmpdir(), 'dpf-import-check-'));
  try {
    writeFileSync(join(profilesDir, 'profiles.yml'), stringify({ [profile]: { target: 'check', outputs: { check: { type: 'duckdb', path: join(profilesDir, 'check.duckdb'), schema: 'main' } } } }));
    await compileFromDisk({ projectDir: out, profilesDir, writeArtifacts: false, reuseCompiled: false, env: {} });
    return [];
  } catch (err) {
    if (!(err instanceof DpfError)) throw err;
    return err.diagnostics
      .filter((d) => d.severity === 'error')
      .map((d) => ({ file: d.location?.file ?? 'dpf_project.yml', line: d.location?.line ?? 1, construct: `${d.code} ${d.title}`, detail: `${d.message} (dpf compile, line ${d.location?.line ?? 1} of the converted file)` }));
  } finally {
    rmSync(profilesDir, { recursive: true, force: true });
  }
}
