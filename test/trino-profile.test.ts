/** A Trino target that cannot be reached is reported as such, with the address, before any model runs. */
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { dpf, makeProject, writeFiles } from './helpers/run-dpf.js';

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('trino target', () => {
  it('fails with DPF305 naming the server when nothing answers, and never prints the password', async () => {
    const port = await closedPort();
    const dir = makeProject({ 'models/one.sql': 'select 1 as x\n' });
    writeFiles(dir, {
      'profiles.yml': `proj:\n  target: lake\n  outputs:\n    lake:\n      type: trino\n      host: 127.0.0.1\n      port: ${port}\n      http_scheme: http\n      user: analyst\n      password: "{{env 'TRINO_PASSWORD'}}"\n      catalog: iceberg\n      schema: analytics\n`,
    });
    const run = await dpf(['run', '--project-dir', dir], { cwd: dir, env: { HOME: dir, TRINO_PASSWORD: 's3cret-value' } });
    expect(run.code).toBe(2);
    expect(run.output).toContain('DPF305');
    expect(run.output).toContain(`http://127.0.0.1:${port} did not answer`);
    expect(run.output).not.toContain('s3cret-value');
  });

  it('says what the server answered when it refuses the credentials (HTTP 401), not that it did not answer', async () => {
    // Only the HTTP error path: a server that refuses every request, as a proxy in front of Trino would.
    const server = createHttpServer((_req, res) => res.writeHead(401, { 'Content-Type': 'text/plain' }).end('Unauthorized: bad password for analyst'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as { port: number }).port;
      const dir = makeProject({ 'models/one.sql': 'select 1 as x\n' });
      writeFiles(dir, { 'profiles.yml': `proj:\n  target: lake\n  outputs:\n    lake: {type: trino, host: 127.0.0.1, port: ${port}, http_scheme: http, user: analyst, catalog: iceberg, schema: a}\n` });
      const run = await dpf(['run', '--project-dir', dir], { cwd: dir });
      expect(run.code).toBe(2);
      expect(run.output).toContain(`http://127.0.0.1:${port} answered HTTP 401 Unauthorized: Unauthorized: bad password for analyst (check user and password)`);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('dpf docs generate against a warehouse that does not answer suggests --empty-catalog', async () => {
    const port = await closedPort();
    const dir = makeProject({ 'models/one.sql': 'select 1 as x\n' });
    writeFiles(dir, { 'profiles.yml': `proj:\n  target: lake\n  outputs:\n    lake: {type: trino, host: 127.0.0.1, port: ${port}, http_scheme: http, catalog: iceberg, schema: a}\n` });
    const run = await dpf(['docs', 'generate', '--project-dir', dir], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.output).toContain('DPF305');
    expect(run.output).toContain('dpf docs generate --empty-catalog');
    expect((await dpf(['docs', 'generate', '--empty-catalog', '--project-dir', dir], { cwd: dir })).code).toBe(0);
  });

  it('compiles relations as catalog.schema.table', async () => {
    const dir = makeProject({ 'models/one.sql': 'select 1 as x\n', 'models/two.sql': 'select * from {{ref "one"}}\n' });
    writeFiles(dir, { 'profiles.yml': 'proj:\n  target: lake\n  outputs:\n    lake: {type: trino, host: localhost, catalog: lake, schema: analytics}\n' });
    const compiled = await dpf(['compile', '--project-dir', dir], { cwd: dir });
    expect(compiled.code, compiled.output).toBe(0);
    const manifest = JSON.parse((await import('node:fs')).readFileSync(`${dir}/target/manifest.json`, 'utf8'));
    expect(manifest.nodes['model.proj.two'].compiledCode).toContain('"lake"."analytics"."one"');
  });
});
