/**
 * `dpf docs serve`: only files under target/site/, whatever the request path says; GET and
 * HEAD only; loopback only; the headers that keep a served catalog safe. Requests are sent
 * with node:http so that paths reach the server exactly as written (fetch would normalize
 * `..` away before sending).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY, resolveRequestPath, serveSite, type SiteServer } from '../../src/server/serve-site.js';
import { dpf, makeProject, REPO_ROOT, tempDir } from '../helpers/run-dpf.js';

interface Reply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

function send(port: number, path: string, options: { method?: string; host?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: { host: options.host ?? `127.0.0.1:${port}` } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const SECRET = 'top-secret-outside-the-site';

describe('the site server', () => {
  let root: string;
  let site: string;
  let server: SiteServer;

  beforeAll(async () => {
    root = tempDir('dpf-serve-');
    site = join(root, 'target', 'site');
    mkdirSync(join(site, 'data'), { recursive: true });
    writeFileSync(join(site, 'index.html'), '<!doctype html><title>site</title>');
    writeFileSync(join(site, 'data', 'index.js'), 'dpfSite.receive("index", 0, String.raw`{}`);\n');
    writeFileSync(join(site, 'data', '%2e%2e'), 'a file named %2e%2e, inside the site');
    writeFileSync(join(root, 'target', 'secret.txt'), SECRET);
    writeFileSync(join(root, 'profiles.yml'), SECRET);
    symlinkSync(join(root, 'profiles.yml'), join(site, 'linked.yml'));
    server = await serveSite(site, { port: 0 });
  });

  afterAll(() => server.close());

  it('binds 127.0.0.1 by default and picks a free port for port 0', () => {
    expect(server.host).toBe('127.0.0.1');
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/`);
  });

  it('serves the site with a charset, nosniff, a CSP, no referrer and revalidation', async () => {
    const page = await send(server.port, '/');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>site</title>');
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect(page.headers['cache-control']).toBe('no-cache');
    const script = await send(server.port, '/data/index.js?v=1');
    expect(script.status).toBe(200);
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    const head = await send(server.port, '/index.html', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect(head.headers['content-length']).toBe(String(page.body.length));
  });

  it.each([
    '/../secret.txt',
    '/../../profiles.yml',
    '/data/../../secret.txt',
    '/%2e%2e/secret.txt',
    '/%2E%2E/%2E%2E/profiles.yml',
    '/..%2fsecret.txt',
    '/..%2Fsecret.txt',
    '/%2e%2e%2fsecret.txt',
    '/data%2f..%2f..%2fsecret.txt',
    '/..%5csecret.txt',
    '/%252e%252e/secret.txt',
    '/%252e%252e%252fsecret.txt',
    `/${'..%2f'.repeat(8)}etc/passwd`,
    '//etc/passwd',
    '/etc/passwd',
    `/${encodeURIComponent(join(REPO_ROOT, 'package.json'))}`,
    '/C:%5cWindows%5cwin.ini',
    '/linked.yml',
    '/index.html%00.js',
    '/%',
  ])('never serves a file outside the site: %s', async (path) => {
    const reply = await send(server.port, path);
    expect([403, 404]).toContain(reply.status);
    expect(reply.body).not.toContain(SECRET);
    expect(reply.body).not.toContain('root:');
    expect(reply.headers['x-content-type-options']).toBe('nosniff');
  });

  it('treats a double-encoded name as a literal file name inside the site', async () => {
    const reply = await send(server.port, '/data/%252e%252e');
    expect(reply.status).toBe(200);
    expect(reply.body).toContain('inside the site');
  });

  it('answers only GET and HEAD', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS', 'TRACE']) {
      const reply = await send(server.port, '/index.html', { method });
      expect(reply.status, method).toBe(405);
      expect(reply.headers.allow).toBe('GET, HEAD');
    }
  });

  it('refuses requests for another host name while bound to loopback (DNS rebinding)', async () => {
    expect((await send(server.port, '/', { host: 'evil.example:80' })).status).toBe(403);
    expect((await send(server.port, '/', { host: `localhost:${server.port}` })).status).toBe(200);
  });

  it('resolves paths to files under the root only', () => {
    expect(resolveRequestPath(site, '/data/index.js')).toBe(join(site, 'data', 'index.js'));
    expect(resolveRequestPath(site, '/')).toBe(join(site, 'index.html'));
    expect(resolveRequestPath(site, 'index.html')).toBeUndefined();
    expect(resolveRequestPath(site, '/data')).toBeUndefined();
    expect(resolveRequestPath(site, '/missing.js')).toBeUndefined();
  });
});

describe('dpf docs serve', () => {
  it('explains what to do when there is no site yet', async () => {
    const dir = makeProject({ 'models/a.sql': 'select 1 as id\n' });
    const run = await dpf(['docs', 'serve', '--project-dir', dir, '--port', '0'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('DPF507');
    expect(run.stderr).toContain('dpf docs generate');
  });

  it('rejects a port that is not a port', async () => {
    const dir = makeProject({ 'models/a.sql': 'select 1 as id\n' });
    const run = await dpf(['docs', 'serve', '--project-dir', dir, '--port', '70000'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--port must be a number from 0 to 65535');
  });

  it('reports a port already in use as DPF508', async () => {
    const dir = makeProject({ 'models/a.sql': 'select 1 as id\n' });
    expect((await dpf(['docs', 'generate', '--project-dir', dir, '--empty-catalog'], { cwd: dir })).code).toBe(0);
    const busy = await serveSite(join(dir, 'target', 'site'), { port: 0 });
    try {
      const run = await dpf(['docs', 'serve', '--project-dir', dir, '--port', String(busy.port)], { cwd: dir });
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('DPF508');
      expect(run.stderr).toContain('--port 0');
    } finally {
      await busy.close();
    }
  });

  it('runs as its own process (bin/dpf.js), prints its URL and stops on SIGTERM', async () => {
    const dir = makeProject({ 'models/a.sql': 'select 1 as id\n' });
    expect((await dpf(['docs', 'generate', '--project-dir', dir, '--empty-catalog'], { cwd: dir })).code).toBe(0);
    const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'dpf.js'), 'docs', 'serve', '--port', '0'], { cwd: dir, env: { ...process.env, HOME: dir } });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString();
          const m = /at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
          if (m) resolve(m[1]!);
        });
        child.on('exit', (code) => reject(new Error(`dpf docs serve exited with ${code}: ${out}`)));
      });
      const port = Number(new URL(url).port);
      const page = await send(port, '/');
      expect(page.status).toBe(200);
      expect(page.body).toContain('data/index.js');
      expect((await send(port, '/../profiles.yml')).status).toBe(404);
    } finally {
      child.kill('SIGTERM');
    }
    const code = await new Promise<number | null>((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.on('exit', (c) => resolve(c))));
    expect(code).toBe(0);
  });
});
