import { projectFingerprint } from './dist/compiler/compile-fingerprint.js';
import { loadProjectConfig } from './dist/compiler/load-project.js';
import { resolveTarget } from './dist/compiler/compile-pipeline.js';
const dir = 'bench/.work/compile-10000';
const cfg = loadProjectConfig(dir).data;
const target = resolveTarget({ projectDir: dir }, cfg);
const t = performance.now(); projectFingerprint(dir, cfg, target, { profilesFile: dir + '/profiles.yml' }); console.log('fingerprint', (performance.now() - t).toFixed(0), 'ms');
