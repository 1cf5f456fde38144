/**
 * The Health page (#/health, #/health?run=<id>): the last runs from dpf_meta (status,
 * duration, counts), the Gantt timeline of the newest run (or of the one picked) with its
 * critical path, and the failures, warnings and anomalies of those runs with links to the
 * nodes' pages. Data: data/health.js (HealthData in src/docs-site/site-data.ts).
 */
(function (dpf) {
  'use strict';

  const { h } = dpf.dom;
  const COUNT_ORDER = ['success', 'reused', 'pass', 'warn', 'fail', 'error', 'skipped'];

  function countsText(counts) {
    return COUNT_ORDER.filter((k) => counts[k]).map((k) => `${dpf.format.number(counts[k])} ${k}`).join(', ') || 'nothing ran';
  }

  const runLink = (id) => `#/health?run=${encodeURIComponent(id)}`;

  function runsTable(health, current) {
    const f = dpf.format;
    return h('div', { class: 'table-wrap' },
      h('table', { class: 'data', id: 'runs' },
        h('thead', null, h('tr', null, ['run', 'command', 'started', 'duration', 'status', 'counts'].map((c) => h('th', null, c)))),
        h('tbody', null, health.runs.map((r) =>
          h('tr', { class: r.id === current ? 'highlight' : null, dataset: { run: r.id } },
            h('td', null, r.tl ? h('a', { href: runLink(r.id), title: 'Show its timeline' }, h('code', null, r.id.slice(0, 8))) : h('code', { title: 'No timeline kept for this run' }, r.id.slice(0, 8))),
            h('td', null, h('code', null, `dpf ${r.command}`), r.selector ? h('div', { class: 'muted small' }, r.selector) : null),
            h('td', null, f.when(r.startedAt), h('div', { class: 'muted small' }, f.ago(r.startedAt))),
            h('td', null, f.duration(r.elapsed)),
            h('td', null, h('span', { class: `badge s-${r.status}` }, r.status)),
            h('td', { class: 'small' }, countsText(r.counts)),
          ),
        )),
      ),
    );
  }

  function timelineSection(health, runId) {
    const f = dpf.format;
    const store = dpf.store;
    const timeline = health.timelines.find((t) => t.run === runId) || health.timelines[0];
    if (!timeline) return h('p', { class: 'muted' }, 'No step of these runs started (nothing to draw).');
    const critical = timeline.bars.filter((b) => b.cp).sort((a, b) => a.a - b.a);
    const linkOf = (bar) => (bar.node === undefined ? undefined : f.link.node(store.node(bar.node).id));
    return [
      h('p', { class: 'small', id: 'timeline-summary' },
        `Run `, h('code', null, timeline.run.slice(0, 8)), ` · ${f.plural(timeline.bars.length, 'step')} on ${f.plural(timeline.threads.length, 'thread')} · ${f.duration(timeline.spanMs / 1000)} from the first start to the last end`,
        timeline.omitted ? ` · ${f.number(timeline.omitted)} short steps not drawn` : '',
      ),
      critical.length
        ? h('p', { class: 'small', id: 'critical-path' }, h('strong', null, 'Critical path: '),
            critical.map((b, i) => [i ? ' → ' : '', linkOf(b) ? h('a', { href: linkOf(b) }, b.n) : b.n, h('span', { class: 'muted' }, ` ${f.duration((b.b - b.a) / 1000)}`)]))
        : null,
      h('div', { class: 'panel gantt-wrap' }, dpf.gantt.render(timeline, linkOf)),
    ];
  }

  function problemsTable(health) {
    const f = dpf.format;
    const store = dpf.store;
    if (health.problems.length === 0) return h('p', { class: 'muted', id: 'problems-none' }, 'No failures, warnings or anomalies in these runs.');
    const what = (p) => {
      if (p.kind !== 'monitor') return p.message || '';
      const band = p.low !== undefined || p.high !== undefined ? ` (expected ${p.low === undefined ? '…' : f.decimal(p.low)} – ${p.high === undefined ? '…' : f.decimal(p.high)})` : '';
      const value = p.value !== undefined ? `: ${f.decimal(p.value)}${band}` : '';
      return [`${p.monitor}${p.metric ? ` ${p.metric}` : ''}${p.column ? ` of ${p.column}` : ''}${value}`, p.message ? ` · ${p.message}` : ''].join('');
    };
    return h('div', { class: 'table-wrap' },
      h('table', { class: 'data', id: 'problems' },
        h('thead', null, h('tr', null, ['when', 'run', 'node', 'status', 'what'].map((c) => h('th', null, c)))),
        h('tbody', null, health.problems.map((p) => {
          const on = p.node === undefined ? undefined : store.node(p.node);
          return h('tr', { dataset: { kind: p.kind } },
            h('td', { class: 'small' }, f.when(p.at)),
            h('td', null, h('a', { href: runLink(p.run) }, h('code', null, p.run.slice(0, 8)))),
            h('td', null, on ? h('a', { href: f.link.node(on.id) }, p.name) : p.name, h('div', { class: 'muted small' }, p.kind === 'monitor' || !on || on.id === p.id ? p.kind : `${p.kind} on ${on.n}`)),
            h('td', null, h('span', { class: `badge s-${p.status}` }, p.kind === 'monitor' && p.status === 'warn' ? 'anomaly' : p.status)),
            h('td', { class: 'small message' }, what(p)),
          );
        })),
      ),
      health.problemsOmitted ? h('p', { class: 'muted small' }, `and ${f.number(health.problemsOmitted)} older ones`) : null,
    );
  }

  async function render(main, params) {
    const { mount } = dpf.dom;
    const store = dpf.store;
    const page = (...children) => mount(main, h('article', { class: 'page', id: 'health-page' }, h('h1', null, 'Health'), ...children));
    if (!store.index.history) {
      return page(h('p', { class: 'notice' }, 'The run history was not read when this site was generated (dpf docs generate --empty-catalog, or the warehouse could not be read). Generate it without --empty-catalog to see runs here.'));
    }
    if (store.index.history.runs === 0) {
      return page(h('p', { class: 'notice' }, 'No run is recorded in dpf_meta yet. Run dpf build, then dpf docs generate.'));
    }
    const health = await dpf.dom.loadInto(main, 'Loading the run history…', () => store.health());
    if (!health) return;
    const runId = params.get('run') || (health.timelines[0] && health.timelines[0].run);
    page(
      h('p', { class: 'muted' }, `The last ${dpf.format.plural(health.runs.length, 'run')} recorded in dpf_meta when the site was generated.`),
      h('h2', null, 'Last runs'),
      runsTable(health, runId),
      h('h2', null, 'Timeline'),
      timelineSection(health, runId),
      h('h2', null, `Failures and anomalies (${health.problems.length + (health.problemsOmitted || 0)})`),
      problemsTable(health),
    );
  }

  dpf.healthPage = { render };
})((window.dpf = window.dpf || {}));
