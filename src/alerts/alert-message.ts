/**
 * The message every channel sends, as plain data (what a custom notifier receives), and its
 * two built-in renderings: Slack-compatible JSON (text for notifications and clients without
 * blocks, blocks for the message itself) and an email's subject and text. No I/O.
 */
import type { ProblemKind } from './alert-config.js';
import type { MonitorFacts, Problem } from './find-problems.js';

export interface AlertMessage {
  /** alert: a problem started; recovery: it is gone; test: `dpf alerts test`. */
  readonly event: 'alert' | 'recovery' | 'test';
  readonly kind: ProblemKind | 'test';
  /** What dedup keys on (node and kind of problem). */
  readonly key: string;
  readonly node: { readonly uniqueId: string; readonly name: string; readonly resourceType: string; readonly status: string };
  /** One line, for a subject or a notification. */
  readonly title: string;
  /** What went wrong (or that it recovered), secrets redacted. */
  readonly text: string;
  /** The node's page in the catalog site, when alerts.catalog_url is set. */
  readonly url?: string;
  readonly project: string;
  readonly target: string;
  readonly command: string;
  readonly runId: string;
  readonly monitor?: MonitorFacts;
}

export interface MessageContext {
  readonly project: string;
  readonly target: string;
  readonly command: string;
  readonly runId: string;
  readonly catalogUrl?: string;
}

const VERBS: Readonly<Record<ProblemKind, string>> = { failure: 'failed', warning: 'warned', anomaly: 'shows an anomaly', late_start: 'started late' };

/** The catalog site's route to a node's page (templates/site/js/app.js: #/node/<unique id>). */
export function nodeUrl(catalogUrl: string | undefined, uniqueId: string): string | undefined {
  if (!catalogUrl) return undefined;
  const base = catalogUrl.replace(/#.*$/, '');
  return `${base}#/node/${encodeURIComponent(uniqueId)}`;
}

export function alertMessage(problem: Problem, event: 'alert' | 'recovery', context: MessageContext): AlertMessage {
  const title =
    event === 'alert'
      ? `[dpf ${context.project}/${context.target}] ${problem.resourceType} ${problem.name} ${VERBS[problem.kind]}`
      : `[dpf ${context.project}/${context.target}] resolved: ${problem.resourceType} ${problem.name} (${problem.kind})`;
  return {
    event,
    kind: problem.kind,
    key: problem.key,
    node: { uniqueId: problem.uniqueId, name: problem.name, resourceType: problem.resourceType, status: problem.status },
    title,
    text: problem.summary,
    url: nodeUrl(context.catalogUrl, problem.uniqueId),
    project: context.project,
    target: context.target,
    command: context.command,
    runId: context.runId,
    monitor: problem.monitor,
  };
}

export function testMessage(context: MessageContext, channel: string): AlertMessage {
  return {
    event: 'test',
    kind: 'test',
    key: `test:${channel}`,
    node: { uniqueId: `project.${context.project}`, name: context.project, resourceType: 'project', status: 'test' },
    title: `[dpf ${context.project}/${context.target}] test message for channel ${channel}`,
    text: `dpf alerts test: channel "${channel}" works. Alerts of this project's runs arrive here.`,
    url: context.catalogUrl,
    project: context.project,
    target: context.target,
    command: 'alerts test',
    runId: context.runId,
  };
}

/** Slack's mrkdwn needs &, < and > escaped; everything else is shown as written. */
const mrkdwn = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const ICONS: Readonly<Record<AlertMessage['event'], string>> = { alert: ':red_circle:', recovery: ':large_green_circle:', test: ':white_check_mark:' };

/** A Slack-compatible incoming-webhook body: `text` (the fallback) and `blocks`. */
export function slackPayload(message: AlertMessage): { text: string; blocks: unknown[] } {
  const link = message.url ? ` <${message.url}|Open ${mrkdwn(message.node.name)} in the catalog>` : '';
  return {
    text: `${message.title}: ${message.text}${message.url ? ` ${message.url}` : ''}`,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `${ICONS[message.event]} *${mrkdwn(message.title)}*` } },
      { type: 'section', text: { type: 'mrkdwn', text: `${mrkdwn(message.text)}${link}` } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: mrkdwn(`${message.node.uniqueId} · dpf ${message.command} · run ${message.runId}`) }] },
    ],
  };
}

export function emailContent(message: AlertMessage): { subject: string; text: string } {
  const lines = [message.text, '', `Node: ${message.node.uniqueId} (${message.node.status})`, `Run: dpf ${message.command}, ${message.runId}, target ${message.target}`];
  if (message.url) lines.push(`Catalog: ${message.url}`);
  return { subject: message.title, text: `${lines.join('\n')}\n` };
}
