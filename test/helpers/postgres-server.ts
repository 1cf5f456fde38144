/**
 * A private, real PostgreSQL for a test file: `initdb` into a temporary folder, `pg_ctl start` on
 * a free loopback port with its socket in that folder, one database created, and all of it stopped
 * and removed by `stop()`. Start it once per file (beforeAll) and stop it in afterAll.
 *
 * The binaries are Debian's `postgresql` package (.ci/run installs it when they are missing):
 * DPF_PG_BIN if set, else initdb on the PATH, else the newest /usr/lib/postgresql/<version>/bin.
 * There is no fallback and no skip: without them the tests that need a server fail with the
 * command to run. initdb refuses to run as root, so as root the server runs as the `postgres`
 * user the package creates (through runuser), in a folder handed to that user; as anyone else it
 * runs as the current user.
 *
 * The superuser `dpf` has a password: TCP connections must give it (scram-sha-256), so a test can
 * see what a wrong one does, while the socket trusts (the helper's own set-up goes through it).
 * Durability is off (fsync, synchronous_commit, full_page_writes) and buffers are small: the
 * cluster lives for one test file.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, chownSync, constants, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import pg from 'pg';

export interface PostgresServer {
  readonly host: '127.0.0.1';
  readonly port: number;
  readonly user: 'dpf';
  /** The superuser's password (TCP connections need it). */
  readonly password: string;
  /** The database created for the tests. */
  readonly database: string;
  /** The folder holding the Unix socket (connections there need no password). */
  readonly socketDir: string;
  /** A client connected through the socket, for a test's own set-up and checks; closed by stop(). */
  readonly admin: pg.Client;
  stop(): Promise<void>;
}

export const POSTGRES_INSTALL_HINT = 'apt-get update && apt-get install -y postgresql';

/** Starts a cluster; throws with what to install when PostgreSQL is missing. */
export async function startPostgres(options: { database?: string } = {}): Promise<PostgresServer> {
  const bin = postgresBin();
  const asRoot = process.getuid?.() === 0;
  const owner = asRoot ? postgresUser() : undefined;
  const dir = mkdtempSync(join(tmpdir(), 'dpf-pg-'));
  const dataDir = join(dir, 'data');
  const password = 'dpf-test-password';
  const database = options.database ?? 'dpf_test';
  const run = (program: string, args: string[]): void => {
    const argv = owner ? ['runuser', '-u', 'postgres', '--', join(bin, program), ...args] : [join(bin, program), ...args];
    const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', cwd: dir });
    if (r.status !== 0) {
      throw new Error(`PostgreSQL test server: ${argv.join(' ')} failed (${r.error?.message ?? `exit ${r.status}`}):\n${r.stdout}${r.stderr}`);
    }
  };
  try {
    writeFileSync(join(dir, 'pwfile'), `${password}\n`);
    if (owner) {
      chownSync(dir, owner.uid, owner.gid);
      chownSync(join(dir, 'pwfile'), owner.uid, owner.gid);
    }
    run('initdb', ['-D', dataDir, '-U', 'dpf', `--pwfile=${join(dir, 'pwfile')}`, '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--locale=C', '--no-sync']);
    // A free port can be taken between the probe and the start: try a few.
    let port = 0;
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      const settings = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=16MB -c max_connections=40`;
      try {
        run('pg_ctl', ['start', '-D', dataDir, '-w', '-t', '60', '-l', join(dir, 'server.log'), '-o', settings]);
        break;
      } catch (err) {
        if (attempt >= 3) throw err;
      }
    }
    const admin = new pg.Client({ host: dir, port, user: 'dpf', database: 'postgres' });
    await admin.connect();
    await admin.query(`create database ${pg.escapeIdentifier(database)}`);
    await admin.end();
    const client = new pg.Client({ host: dir, port, user: 'dpf', database });
    await client.connect();
    let stopped = false;
    return {
      host: '127.0.0.1',
      port,
      user: 'dpf',
      password,
      database,
      socketDir: dir,
      admin: client,
      async stop() {
        if (stopped) return;
        stopped = true;
        await client.end().catch(() => undefined);
        try {
          run('pg_ctl', ['stop', '-D', dataDir, '-m', 'immediate', '-w']);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      },
    };
  } catch (err) {
    // Whatever started is stopped: no server outlives a failed start.
    try {
      run('pg_ctl', ['stop', '-D', dataDir, '-m', 'immediate']);
    } catch {
      // not started
    }
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/**
 * The folder holding initdb and pg_ctl, or an error saying what to install. The environment and
 * Debian's folder are parameters so that the missing case is tested on a machine that has them.
 */
export function postgresBin(environment: NodeJS.ProcessEnv = process.env, debian = '/usr/lib/postgresql'): string {
  const env = environment.DPF_PG_BIN;
  if (env) {
    if (!isExecutable(join(env, 'initdb'))) throw new Error(`PostgreSQL test server: DPF_PG_BIN=${env} holds no executable initdb`);
    return env;
  }
  for (const dir of (environment.PATH ?? '').split(delimiter)) {
    if (dir && isExecutable(join(dir, 'initdb')) && isExecutable(join(dir, 'pg_ctl'))) return dir;
  }
  let versions: string[] = [];
  try {
    versions = readdirSync(debian).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
  } catch {
    // no Debian layout
  }
  for (const version of versions) {
    const dir = join(debian, version, 'bin');
    if (isExecutable(join(dir, 'initdb')) && isExecutable(join(dir, 'pg_ctl'))) return dir;
  }
  throw new Error(
    'PostgreSQL is not installed: the tests of the postgres plugin start a real server and need its ' +
      `binaries (initdb, pg_ctl), found neither on the PATH nor in ${debian}/<version>/bin. Install ` +
      `Debian's package (${POSTGRES_INSTALL_HINT}; .ci/run does it), or set DPF_PG_BIN to the folder holding them.`,
  );
}

/** The `postgres` user that runs the server when the tests run as root (initdb refuses root). */
function postgresUser(): { uid: number; gid: number } {
  const r = spawnSync('id', ['postgres'], { encoding: 'utf8' });
  const uid = /uid=(\d+)/.exec(r.stdout ?? '')?.[1];
  const gid = /gid=(\d+)/.exec(r.stdout ?? '')?.[1];
  if (r.status !== 0 || !uid || !gid) {
    throw new Error(
      'PostgreSQL test server: running as root, and initdb refuses root, but there is no `postgres` user to run ' +
        `the server as. Debian's package creates it (${POSTGRES_INSTALL_HINT}); or run the tests as another user.`,
    );
  }
  return { uid: Number(uid), gid: Number(gid) };
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
