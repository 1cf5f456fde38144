/** `dpf cost`: the models that cost most in compute and storage over the last N days, from dpf_meta. */
import type { Command } from 'commander';
import { fail } from '../../errors/dpf-error.js';
import { cost } from '../../api/show-cost.js';
import type { CostReport } from '../../cost/index.js';
import { addProjectOptions, projectOptionsOf, type CommonFlags } from '../common-options.js';
import type { CommandContext } from '../command-context.js';
import { formatTable } from '../format-table.js';

interface CostFlags extends Omit<CommonFlags, 'select'> {
  days?: string;
  top?: string;
  output?: string;
}

export function registerCostCommand(program: Command, ctx: CommandContext): void {
  const cmd = program.command('cost').description("print the models that cost most in compute and storage over a period, from the target's dpf_meta history and cost: rates");
  addProjectOptions(cmd)
    .option('--days <n>', 'the period: the last N days', '30')
    .option('--top <n>', 'models in each ranking', '10')
    .option('-o, --output <format>', 'text or json (the whole report as one object)', 'text')
    .addHelpText('after', '\nExamples:\n  $ dpf cost\n  $ dpf cost --days 7 --top 5\n  $ dpf cost --output json')
    .action(async (flags: CostFlags) => {
      const output = flags.output ?? 'text';
      if (!['text', 'json'].includes(output)) fail('UsageError', { detail: `--output must be text or json, got "${flags.output}".` });
      const days = Number(flags.days ?? 30);
      const top = Number(flags.top ?? 10);
      const report = await cost({ ...projectOptionsOf({ ...flags, select: undefined }, ctx), days, top });
      if (output === 'json') return ctx.output.outJson(report);
      ctx.output.out(formatCostReport(report));
    });
}

/** The report as text: totals, the two rankings and the days. */
export function formatCostReport(report: CostReport): string {
  const unit = report.rates?.currency ? ` ${report.rates.currency}` : '';
  const money = (v: number | null) => (v == null ? '' : `${v.toFixed(v !== 0 && Math.abs(v) < 0.01 ? 6 : 2)}${unit}`);
  const text = (name: string) => ({ name, type: 'text' });
  const lines = [`Cost over the last ${report.days} days (since ${report.since.replace('T', ' ').replace(/\.\d+Z$/, 'Z')})`];
  if (!report.rates) lines.push('No cost: block in this target of profiles.yml: figures only (docs/cost.md shows how to price them).');
  const t = report.totals;
  lines.push(`Compute: ${cpu(t.cpuMs)} CPU, ${bytes(t.bytesScanned)} scanned${t.computeCost == null ? '' : `, ${money(t.computeCost)}`}`);
  lines.push(`Storage: ${bytes(t.storageBytes)}${t.storageCost == null ? '' : `, ${money(t.storageCost)} for the period`}`);
  if (report.compute.length === 0 && report.storage.length === 0) {
    lines.push('', 'Nothing measured in this period: builds record engine figures in dpf_meta.node_runs (unless the target sets engine_stats: false).');
    return lines.join('\n');
  }
  if (report.compute.length > 0) {
    lines.push('', 'Top models by compute');
    lines.push(formatTable({ columns: ['model', 'kind', 'runs', 'cpu', 'scanned', 'rows scanned', 'cost'].map(text), rows: report.compute.map((r) => [r.name, r.kind, r.runs, cpu(r.cpuMs), bytes(r.bytesScanned), r.rowsScanned ?? '', money(r.computeCost)]) }, 60));
  }
  if (report.storage.length > 0) {
    lines.push('', 'Top models by storage');
    lines.push(formatTable({ columns: ['model', 'kind', 'size', 'cost'].map(text), rows: report.storage.map((r) => [r.name, r.kind, bytes(r.storageBytes), money(r.storageCost)]) }, 60));
  }
  if (report.perDay.length > 0) {
    lines.push('', 'Per day (UTC)');
    lines.push(formatTable({ columns: ['day', 'runs', 'cpu', 'scanned', 'cost'].map(text), rows: report.perDay.map((d) => [d.day, d.runs, cpu(d.cpuMs), bytes(d.bytesScanned), money(d.computeCost)]) }, 60));
  }
  return lines.join('\n');
}

const cpu = (ms: number | null) => (ms == null ? '' : ms >= 60_000 ? `${(ms / 60_000).toFixed(1)} min` : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`);
function bytes(n: number | null): string {
  if (n == null) return '';
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = n;
  let i = 0;
  while (value >= 1000 && i < units.length - 1) {
    value /= 1000;
    i++;
  }
  return i === 0 ? `${value} B` : `${value.toFixed(1)} ${units[i]}`;
}
