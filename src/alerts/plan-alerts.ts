/**
 * Decides what a run sends, as data, from its problems, the nodes that ran clean and what
 * dpf_meta.alerts says was sent before: one alert per problem key and channel until the
 * problem recovers, then one recovery (only to channels that got the alert), and no more than
 * the rate limit per channel (per run, and in the last hour counting earlier runs). Pure: the
 * listener reads the log, this decides, the channels send.
 */
import type { ProblemKind } from './alert-config.js';
import type { Problem } from './find-problems.js';

export type AlertEvent = 'alert' | 'recovery';

/** A row of dpf_meta.alerts that was sent, as dedup and the rate limit read it. */
export interface SentRecord {
  readonly problemKey: string;
  readonly uniqueId: string;
  readonly kind: ProblemKind;
  readonly channel: string;
  readonly event: AlertEvent;
  readonly sentAt: Date;
}

export interface Delivery {
  readonly channel: string;
  readonly event: AlertEvent;
  readonly problem: Problem;
  /** send: within the rate limit; held: over it (recorded, not sent). */
  readonly action: 'send' | 'held';
}

export interface PlanInput {
  readonly problems: readonly Problem[];
  /** Nodes that ran without a problem in this run, by unique id: their open problems recover. */
  readonly clean: ReadonlyMap<string, { readonly name: string; readonly resourceType: string; readonly status: string }>;
  readonly sent: readonly SentRecord[];
  readonly routes: Readonly<Record<ProblemKind, readonly string[]>>;
  /** Channels that can send in this run. */
  readonly channels: readonly string[];
  readonly perRun: number;
  readonly perHour: number;
  readonly now: Date;
}

const HOUR_MS = 3600 * 1000;
/** Which messages a rate limit keeps first: failures, then anomalies, ..., recoveries last. */
const PRIORITY: readonly string[] = ['failure', 'anomaly', 'late_start', 'warning', 'recovery'];

/** Per problem key and channel, the newest sent event. */
export function openProblems(sent: readonly SentRecord[]): Map<string, SentRecord> {
  const newest = new Map<string, SentRecord>();
  for (const record of sent) {
    const id = `${record.problemKey}\u0000${record.channel}`;
    const before = newest.get(id);
    if (!before || before.sentAt.getTime() <= record.sentAt.getTime()) newest.set(id, record);
  }
  for (const [id, record] of newest) if (record.event !== 'alert') newest.delete(id);
  return newest;
}

export function planAlerts(input: PlanInput): Delivery[] {
  const enabled = new Set(input.channels);
  const open = openProblems(input.sent);
  const wanted: Omit<Delivery, 'action'>[] = [];
  for (const problem of input.problems) {
    for (const channel of input.routes[problem.kind]) {
      if (enabled.has(channel) && !open.has(`${problem.key}\u0000${channel}`)) wanted.push({ channel, event: 'alert', problem });
    }
  }
  for (const record of open.values()) {
    const node = input.clean.get(record.uniqueId);
    if (!node || !enabled.has(record.channel)) continue;
    const problem: Problem = { key: record.problemKey, kind: record.kind, uniqueId: record.uniqueId, name: node.name, resourceType: node.resourceType, status: node.status, summary: `${node.name} ran without this problem again (${node.status})` };
    wanted.push({ channel: record.channel, event: 'recovery', problem });
  }
  const rank = (d: Omit<Delivery, 'action'>) => PRIORITY.indexOf(d.event === 'recovery' ? 'recovery' : d.problem.kind);
  wanted.sort((a, b) => rank(a) - rank(b));
  const hourAgo = input.now.getTime() - HOUR_MS;
  const used = new Map<string, number>();
  return wanted.map((d) => {
    if (!used.has(d.channel)) used.set(d.channel, 0);
    const inHour = input.sent.filter((s) => s.channel === d.channel && s.sentAt.getTime() > hourAgo).length;
    const count = used.get(d.channel)!;
    const allowed = Math.min(input.perRun, Math.max(0, input.perHour - inHour));
    if (count >= allowed) return { ...d, action: 'held' };
    used.set(d.channel, count + 1);
    return { ...d, action: 'send' };
  });
}
