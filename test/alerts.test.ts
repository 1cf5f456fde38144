/**
 * Alerts (docs/alerts.md) on real DuckDB builds, received by real servers started here: a
 * webhook server (node:http) gets Slack-compatible JSON, an SMTP server (smtp-server, with
 * login) gets the email, and a TypeScript notifier in the project gets the message. A failing
 * model alerts once per channel; a second failing build sends nothing new (dedup through
 * dpf_meta.alerts); a passing build sends one recovery; a burst is capped by the rate limit;
 * a channel that fails is a warning, never the build's failure; the webhook URL and the SMTP
 * password never appear in output, artifacts or the alerts table.
 */
import { createServer, type Server } from 'node:http';
import { readdirSync, readFileSync, statSync, writeFileSync, existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testAlerts } from '../src/index.js';
import { adapterFactory } from '../src/adapters/index.js';
import type { TargetConfig } from '../src/adapters/adapter.js';
import { SqlTemplates } from '../src/adapters/sql-templates.js';
import { alertListener, lateStartProblem, problemOf, resolveAlerts, type AlertableResult } from '../src/alerts/index.js';
import { historyStore } from '../src/history/history-store.js';
import { HISTORY_VERSION } from '../src/history/history-tables.js';
import { emptyRows } from '../src/history/history-rows.js';
import { dpf, makeProject, tempDir } from './helpers/run-dpf.js';
import { queryDuckDB } from './helpers/query-duckdb.js';

interface Hook {
  readonly url: string;
  readonly bodies: { text: string; blocks: { type: string; text?: { text: string } }[] }[];
  /** HTTP status the next requests get (200 by default). */
  status: number;
  close(): Promise<void>;
}

async function webhookServer(): Promise<Hook> {
  const bodies: Hook['bodies'] = [];
  const hook = { bodies, status: 200 } as { -readonly [K in keyof Hook]: Hook[K] };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      if (req.method === 'POST' && req.url?.startsWith('/hooks/T000/s3cr3t-token') && hook.status === 200) bodies.push(JSON.parse(body));
      res.writeHead(hook.status, { 'content-type': 'text/plain' }).end(hook.status === 200 ? 'ok' : 'no_service');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  hook.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/T000/s3cr3t-token`;
  hook.close = () => new Promise<void>((r) => server.close(() => r()));
  return hook as Hook;
}

interface Mailbox {
  readonly port: number;
  readonly mails: { from: string; to: string[]; raw: string }[];
  readonly logins: { user: string; pass: string }[];
  close(): Promise<void>;
}

const SMTP_PASSWORD = 'smtp-pa55word-xyz';

async function smtpServer(): Promise<Mailbox> {
  const mails: Mailbox['mails'] = [];
  const logins: Mailbox['logins'] = [];
  const server = new SMTPServer({
    authOptional: false,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth(auth, _session, callback) {
      logins.push({ user: auth.username ?? '', pass: auth.password ?? '' });
      if (auth.username === 'dpf' && auth.password === SMTP_PASSWORD) return callback(null, { user: auth.username });
      callback(new Error('Invalid username or password'));
    },
    onData(stream, session, callback) {
      let raw = '';
      stream.on('data', (c: Buffer) => (raw += c.toString('utf8')));
      stream.on('end', () => {
        // The body is quoted-printable: soft line breaks and =XX escapes decoded, to read it as sent.
        const decoded = raw.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
        mails.push({ from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to: session.envelope.rcptTo.map((r) => r.address), raw: decoded });
        callback();
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.server.address() as AddressInfo).port;
  return { port, mails, logins, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const NOTIFIER = `import { appendFileSync } from 'node:fs';
interface Message { readonly event: 'alert' | 'recovery' | 'test'; readonly title: string; readonly url?: string; readonly key: string }
export default function notify(message: Message, options: { file: string }): void {
  const line: string = JSON.stringify({ event: message.event, title: message.title, url: message.url, key: message.key });
  appendFileSync(options.file, line + '\\n');
}
`;

function alertsProject(smtpPort: number, extra = ''): string {
  return `name: proj
alerts:
  catalog_url: http://catalog.example/site/
  channels:
    team_hook: { type: webhook, url: "{{env 'ALERT_WEBHOOK_URL'}}" }
    team_mail:
      type: email
      host: 127.0.0.1
      port: ${smtpPort}
      tls: none
      user: dpf
      password: "{{env 'ALERT_SMTP_PASSWORD'}}"
      from: dpf@example.com
      to: [data-team@example.com]
    mine: { type: custom, module: notifiers/collect.ts, options: { file: notified.jsonl } }
  rules:
    - on: [failure, warning, anomaly]
${extra}`;
}

const lines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { event: string; title: string; url?: string; key: string }) : []);

/** Every file under dir, as bytes: a secret must be in none of them (the DuckDB file included). */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

let hook: Hook;
let mailbox: Mailbox;
beforeAll(async () => {
  hook = await webhookServer();
  mailbox = await smtpServer();
});
afterAll(async () => {
  await hook.close();
  await mailbox.close();
});

describe('alerts', () => {
  it('alerts a failing model once per channel, stays quiet while it keeps failing, and sends one recovery when it passes', async () => {
    hook.bodies.length = 0;
    mailbox.mails.length = 0;
    const dir = makeProject(
      {
        'models/good.sql': '{{config materialized="table"}}\nselect 1 as n\n',
        'models/bad.sql': '{{config materialized="table"}}\nselect * from no_such_table\n',
        'notifiers/collect.ts': NOTIFIER,
      },
      alertsProject(mailbox.port),
    );
    const notified = join(dir, 'notified.jsonl');
    // The custom notifier's relative file lands in the process's cwd; give it the project's.
    writeFileSync(join(dir, 'notifiers/collect.ts'), NOTIFIER.replace("appendFileSync(options.file", `appendFileSync(${JSON.stringify(dir)} + '/' + options.file`));
    const env = { HOME: dir, ALERT_WEBHOOK_URL: hook.url, ALERT_SMTP_PASSWORD: SMTP_PASSWORD };

    const first = await dpf(['build'], { cwd: dir, env });
    expect(first.code, first.output).toBe(1);
    expect(hook.bodies).toHaveLength(1);
    const [body] = hook.bodies;
    expect(body!.text).toContain('model bad failed');
    expect(body!.text).toContain('http://catalog.example/site/#/node/model.proj.bad');
    expect(body!.blocks.map((b) => b.type)).toEqual(['section', 'section', 'context']);
    expect(JSON.stringify(body!.blocks)).toContain('<http://catalog.example/site/#/node/model.proj.bad|Open bad in the catalog>');
    expect(mailbox.mails).toHaveLength(1);
    expect(mailbox.mails[0]!.to).toEqual(['data-team@example.com']);
    expect(mailbox.mails[0]!.raw).toMatch(/Subject: \[dpf proj\/dev\] model bad failed/);
    expect(mailbox.mails[0]!.raw).toContain('Catalog: http://catalog.example/site/#/node/model.proj.bad');
    expect(mailbox.logins.at(-1)).toEqual({ user: 'dpf', pass: SMTP_PASSWORD });
    expect(lines(notified)).toEqual([{ event: 'alert', title: '[dpf proj/dev] model bad failed', url: 'http://catalog.example/site/#/node/model.proj.bad', key: 'dev:model.proj.bad:failure' }]);

    const rows = await queryDuckDB(join(dir, 'target/dev.duckdb'), 'select problem_key, kind, event, channel, status from dpf_meta.alerts order by channel');
    expect(rows).toEqual(['mine', 'team_hook', 'team_mail'].map((channel) => ({ problem_key: 'dev:model.proj.bad:failure', kind: 'failure', event: 'alert', channel, status: 'sent' })));

    // Still failing: nothing new on any channel.
    const second = await dpf(['build'], { cwd: dir, env });
    expect(second.code, second.output).toBe(1);
    expect(hook.bodies).toHaveLength(1);
    expect(mailbox.mails).toHaveLength(1);
    expect(lines(notified)).toHaveLength(1);

    // Fixed: one recovery per channel, then silence.
    writeFileSync(join(dir, 'models/bad.sql'), '{{config materialized="table"}}\nselect 2 as n\n');
    const third = await dpf(['build'], { cwd: dir, env });
    expect(third.code, third.output).toBe(0);
    expect(hook.bodies).toHaveLength(2);
    expect(hook.bodies[1]!.text).toContain('resolved: model bad (failure)');
    expect(mailbox.mails).toHaveLength(2);
    expect(mailbox.mails[1]!.raw).toMatch(/Subject: \[dpf proj\/dev\] resolved: model bad/);
    expect(lines(notified).map((l) => l.event)).toEqual(['alert', 'recovery']);
    const fourth = await dpf(['build', '--rebuild-all'], { cwd: dir, env });
    expect(fourth.code, fourth.output).toBe(0);
    expect(hook.bodies).toHaveLength(2);
    expect(mailbox.mails).toHaveLength(2);

    // The secrets are nowhere: not in what dpf printed, not under target/ (the DuckDB file and
    // its alerts table included), not in the alerts rows.
    for (const run of [first, second, third, fourth]) {
      expect(run.output).not.toContain('s3cr3t-token');
      expect(run.output).not.toContain(SMTP_PASSWORD);
    }
    for (const file of filesUnder(join(dir, 'target'))) {
      const bytes = readFileSync(file);
      expect(bytes.includes('s3cr3t-token'), file).toBe(false);
      expect(bytes.includes(SMTP_PASSWORD), file).toBe(false);
    }
    const all = JSON.stringify(await queryDuckDB(join(dir, 'target/dev.duckdb'), 'select * from dpf_meta.alerts'));
    expect(all).not.toContain('s3cr3t-token');
    expect(all).toContain('resolved: model bad');
  });

  it('caps a burst with the rate limit per run and per hour, and sends what it held once there is room', async () => {
    hook.bodies.length = 0;
    const models = Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`models/broken_${i}.sql`, 'select * from missing_everywhere\n']));
    const dir = makeProject(models, `name: proj\nalerts:\n  rate_limit: { per_run: 2, per_hour: 3 }\n  channels:\n    team_hook: { type: webhook, url: "{{env 'ALERT_WEBHOOK_URL'}}" }\n`);
    const env = { HOME: dir, ALERT_WEBHOOK_URL: hook.url };
    const first = await dpf(['build'], { cwd: dir, env });
    expect(first.code).toBe(1);
    expect(hook.bodies).toHaveLength(2);
    expect(first.output).toContain('DPF723');
    expect(first.output).toContain('3 message(s) for alert channel "team_hook" were held back');
    const statuses = await queryDuckDB(join(dir, 'target/dev.duckdb'), 'select status, count(*)::int as n from dpf_meta.alerts group by status order by status');
    expect(statuses).toEqual([{ status: 'held', n: 3 }, { status: 'sent', n: 2 }]);
    // The next run may send one more this hour (3 per hour, 2 sent): one of the held three.
    const second = await dpf(['build'], { cwd: dir, env });
    expect(second.code).toBe(1);
    expect(hook.bodies).toHaveLength(3);
    const sent = await queryDuckDB(join(dir, 'target/dev.duckdb'), "select count(distinct problem_key)::int as n from dpf_meta.alerts where status = 'sent'");
    expect(sent).toEqual([{ n: 3 }]);
  });

  it('turns a channel that fails into a DPF722 warning (the build result is unchanged) and sends the alert with a later run', async () => {
    hook.bodies.length = 0;
    const dir = makeProject(
      { 'models/ok.sql': 'select 1 as n\n', 'models/bad.sql': 'select * from nowhere_at_all\n' },
      `name: proj\nalerts:\n  timeout_seconds: 5\n  channels:\n    team_hook: { type: webhook, url: "{{env 'ALERT_WEBHOOK_URL'}}" }\n    dead: { type: webhook, url: "{{env 'DEAD_WEBHOOK_URL'}}" }\n`,
    );
    // A port nothing listens on: the connection is refused.
    const dead = await webhookServer();
    await dead.close();
    const env = { HOME: dir, ALERT_WEBHOOK_URL: hook.url, DEAD_WEBHOOK_URL: dead.url };
    hook.status = 500;
    const first = await dpf(['build'], { cwd: dir, env });
    hook.status = 200;
    expect(first.code, first.output).toBe(1);
    expect(first.output.match(/DPF722/g)).toHaveLength(2);
    expect(first.output).toContain('Alert channel "team_hook" could not send 1 message(s)');
    expect(first.output).toContain('the webhook answered HTTP 500');
    expect(first.output).toContain('Alert channel "dead" could not send 1 message(s)');
    expect(first.output).not.toContain('s3cr3t-token');
    expect(first.output).not.toContain(String(new URL(dead.url).port) + '/hooks');
    const rows = await queryDuckDB(join(dir, 'target/dev.duckdb'), 'select channel, status from dpf_meta.alerts order by channel');
    expect(rows).toEqual([{ channel: 'dead', status: 'failed' }, { channel: 'team_hook', status: 'failed' }]);
    // Not delivered means not open: the next run tries again, and the hook takes it.
    const second = await dpf(['build'], { cwd: dir, env });
    expect(second.code).toBe(1);
    expect(hook.bodies).toHaveLength(1);
    expect(hook.bodies[0]!.text).toContain('model bad failed');
  });

  it('leaves a channel whose variable is unset out with a DPF721 warning; a webhook URL written in the file is a DPF720 error', async () => {
    const dir = makeProject({ 'models/bad.sql': 'select * from nowhere_at_all\n' }, `name: proj\nalerts:\n  channels:\n    team_hook: { type: webhook, url: "{{env 'UNSET_WEBHOOK_URL'}}" }\n`);
    const run = await dpf(['build'], { cwd: dir, env: { HOME: dir } });
    expect(run.code).toBe(1);
    expect(run.output).toContain('DPF721');
    expect(run.output).toContain('UNSET_WEBHOOK_URL is not set');

    const literal = makeProject({ 'models/a.sql': 'select 1 as n\n' }, `name: proj\nalerts:\n  channels:\n    team_hook:\n      type: webhook\n      url: https://hooks.slack.com/services/T0/B0/literal-secret\n  rules:\n    - on: failure\n      channels: [team_hok]\n`);
    const bad = await dpf(['build'], { cwd: literal, env: { HOME: literal } });
    expect(bad.code).toBe(2);
    expect(bad.output).toContain('DPF720');
    expect(bad.output).toContain('dpf_project.yml:6');
    expect(bad.output).toContain(`{{env 'DPF_ALERT_TEAM_HOOK_URL'}}`);
    expect(bad.output).toContain('did you mean "team_hook"?');
  });

  it('dpf alerts test sends a test message through every channel and says which failed', async () => {
    hook.bodies.length = 0;
    mailbox.mails.length = 0;
    const dir = makeProject({ 'notifiers/collect.ts': NOTIFIER }, alertsProject(mailbox.port));
    writeFileSync(join(dir, 'notifiers/collect.ts'), NOTIFIER.replace("appendFileSync(options.file", `appendFileSync(${JSON.stringify(dir)} + '/' + options.file`));
    const env = { HOME: dir, ALERT_WEBHOOK_URL: hook.url, ALERT_SMTP_PASSWORD: SMTP_PASSWORD };
    const run = await dpf(['alerts', 'test'], { cwd: dir, env });
    expect(run.code, run.output).toBe(0);
    expect(run.stdout.trim().split('\n').sort()).toEqual(['mine (custom): sent', 'team_hook (webhook): sent', 'team_mail (email): sent']);
    expect(hook.bodies[0]!.text).toContain('test message for channel team_hook');
    expect(mailbox.mails).toHaveLength(1);
    expect(lines(join(dir, 'notified.jsonl'))[0]!.event).toBe('test');
    // No warehouse is opened: a test message writes nothing.
    expect(existsSync(join(dir, 'target/dev.duckdb'))).toBe(false);

    const wrong = await testAlerts({ projectDir: dir, env: { HOME: dir, ALERT_WEBHOOK_URL: hook.url, ALERT_SMTP_PASSWORD: 'not-the-password' } });
    const mail = wrong.results.find((r) => r.channel === 'team_mail')!;
    expect(mail.ok).toBe(false);
    expect(mail.detail).toMatch(/Invalid login|Invalid username or password|535/);
    expect(JSON.stringify(wrong)).not.toContain('not-the-password');
    const cli = await dpf(['alerts', 'test'], { cwd: dir, env: { HOME: dir, ALERT_WEBHOOK_URL: hook.url, ALERT_SMTP_PASSWORD: 'not-the-password' } });
    expect(cli.code).toBe(1);
    expect(cli.output).toContain('team_mail (email): FAILED');
  });

  it('creates dpf_meta.alerts in a history written by version 1, keeping its runs', async () => {
    const dir = makeProject({ 'models/a.sql': '{{config materialized="table"}}\nselect 1 as n\n' });
    expect((await dpf(['build'], { cwd: dir })).code).toBe(0);
    const db = join(dir, 'target/dev.duckdb');
    await queryDuckDB(db, 'drop table dpf_meta.alerts; update dpf_meta.history_version set version = 1');
    const run = await dpf(['build', '--rebuild-all'], { cwd: dir });
    expect(run.code, run.output).toBe(0);
    expect(run.output).not.toContain('DPF513');
    expect(await queryDuckDB(db, 'select version from dpf_meta.history_version')).toEqual([{ version: HISTORY_VERSION }]);
    expect(await queryDuckDB(db, 'select count(*)::int as n from dpf_meta.alerts')).toEqual([{ n: 0 }]);
    expect(await queryDuckDB(db, 'select count(*)::int as n from dpf_meta.runs')).toEqual([{ n: 2 }]);
  });

  it('alerts an anomaly from a monitor step (synthesized node_finished events, as src/monitors emits them) once, then its recovery, with dedup through a real dpf_meta.alerts', async () => {
    hook.bodies.length = 0;
    const dir = tempDir('dpf-alert-monitor-');
    const target: TargetConfig = { profileName: 'p', targetName: 'dev', type: 'duckdb', schema: 'main', threads: 1, settings: { path: join(dir, 'm.duckdb') }, secrets: [] };
    const adapter = adapterFactory('duckdb').create(target, dir);
    await adapter.open();
    try {
      const store = historyStore(adapter, new SqlTemplates(adapter.name));
      await store.ensure();
      const settings = resolveAlerts(
        { config: { catalog_url: 'https://cat.example/', channels: { hook: { type: 'webhook', url: "{{env 'HOOK'}}" } }, rules: [{ on: 'anomaly' }] }, locate: () => ({ file: 'dpf_project.yml' }) },
        dir,
        { HOOK: hook.url },
      )!;
      expect(settings.secrets).toEqual([hook.url]);
      const monitorResult = (status: string): AlertableResult => ({
        uniqueId: 'monitor.shop.orders_volume',
        name: 'orders_volume',
        resourceType: 'monitor',
        status: status as AlertableResult['status'],
        message: 'row count outside the expected band',
        monitor: { monitor: 'volume', metric: 'row_count', value: 12, expected: { low: 950, high: 1050 } },
      });
      const runWith = async (status: string, runId: string, target = 'dev') => {
        const listener = alertListener({ settings, context: { project: 'shop', target, command: 'build', runId, catalogUrl: settings.catalogUrl }, projectDir: dir, clean: (v) => v, warn: (w) => expect.fail(w.message) });
        // A failed model is routed nowhere here (rules: anomaly only); a skipped node is no problem.
        listener.listen({ type: 'node_finished', result: { uniqueId: 'model.shop.x', name: 'x', resourceType: 'model', status: 'error', message: 'boom' } } as never);
        listener.listen({ type: 'node_finished', result: monitorResult(status) } as never);
        const rows = await listener.finish(adapter);
        await store.append({ ...emptyRows(), alerts: rows });
        return rows;
      };
      const first = await runWith('warn', 'run-1');
      expect(first).toMatchObject([{ problem_key: 'dev:monitor.shop.orders_volume:anomaly', kind: 'anomaly', event: 'alert', status: 'sent', channel: 'hook' }]);
      expect(hook.bodies).toHaveLength(1);
      expect(hook.bodies[0]!.text).toContain('monitor orders_volume shows an anomaly: volume · row_count = 12 (expected 950 to 1050)');
      expect(hook.bodies[0]!.text).toContain('https://cat.example/#/node/monitor.shop.orders_volume');
      expect(await runWith('fail', 'run-2')).toEqual([]);
      expect(hook.bodies).toHaveLength(1);
      // A reused monitor measured nothing: the anomaly stays open, no recovery.
      expect(await runWith('reused', 'run-2b')).toEqual([]);
      // Another target sharing dpf_meta: dev's open anomaly neither silences nor recovers prod's.
      expect(await runWith('warn', 'run-prod', 'prod')).toMatchObject([{ problem_key: 'prod:monitor.shop.orders_volume:anomaly', event: 'alert' }]);
      expect(await runWith('pass', 'run-prod-2', 'prod')).toMatchObject([{ event: 'recovery', problem_key: 'prod:monitor.shop.orders_volume:anomaly' }]);
      expect(hook.bodies).toHaveLength(3);
      hook.bodies.splice(1, 2);
      expect(await runWith('pass', 'run-3')).toMatchObject([{ event: 'recovery', status: 'sent' }]);
      expect(hook.bodies[1]!.text).toContain('resolved: monitor orders_volume (anomaly)');
      expect(await runWith('pass', 'run-4')).toEqual([]);
      expect(hook.bodies).toHaveLength(2);
    } finally {
      await adapter.close();
    }
  });

  it('classifies results: error and fail are failures, warn a warning, a monitor that warns or fails an anomaly; skipped is nothing; late_start waits for the scheduler', () => {
    const base = { uniqueId: 'model.p.m', name: 'm', message: 'm' };
    expect(problemOf({ ...base, resourceType: 'model', status: 'error' })?.kind).toBe('failure');
    expect(problemOf({ ...base, resourceType: 'test', status: 'fail' })?.kind).toBe('failure');
    expect(problemOf({ ...base, resourceType: 'test', status: 'warn' })?.kind).toBe('warning');
    expect(problemOf({ ...base, resourceType: 'source', status: 'warn' })?.key).toBe('model.p.m:warning');
    expect(problemOf({ ...base, resourceType: 'monitor', status: 'fail', monitor: { monitor: 'schema_change', detail: 'column amount removed' } })).toMatchObject({ kind: 'anomaly', summary: 'schema_change: column amount removed' });
    expect(problemOf({ ...base, resourceType: 'monitor', status: 'error' })?.kind).toBe('failure');
    expect(problemOf({ ...base, resourceType: 'model', status: 'skipped' })).toBeUndefined();
    expect(problemOf({ ...base, resourceType: 'monitor', status: 'pass' })).toBeUndefined();
    const scheduled = new Date('2024-01-01T06:00:00Z');
    expect(lateStartProblem('daily', scheduled, new Date('2024-01-01T06:04:00Z'), 300)).toBeUndefined();
    expect(lateStartProblem('daily', scheduled, new Date('2024-01-01T06:10:00Z'), 300)).toMatchObject({ key: 'pipeline.daily:late_start', kind: 'late_start', summary: expect.stringContaining('started 600 s later') });
  });
});
