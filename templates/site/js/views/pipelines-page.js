/**
 * The Pipelines page (#/pipelines): each pipeline (schedule, after/trigger, owner, selection,
 * next run), the runs going on and the recent runs, failures with the commands that retry them,
 * and the next scheduled runs, as `dpf status` saw them when the site was generated. Data:
 * data/pipelines.js (StatusReport in src/pipelines/pipeline-status.ts). Static: no chart, no
 * request at view time; every value goes in as text.
 */
(function (dpf) {
  'use strict';

  const { h } = dpf.dom;
  const BADGE = { success: 's-success', failed: 's-error', lost: 's-error', running: 's-warn', cancelled: 's-skipped' };

  /** How a lost run reads; the scheduler stores the same words as its error, shown once. */
  const LOST = 'failed: scheduler lost';
  const badge = (state) => h('span', { class: `badge ${BADGE[state] || 's-skipped'}` }, state === 'lost' ? LOST : state);
  const ms = (n) => dpf.format.duration(n / 1000);

  function schedulerText(report) {
    const s = report.scheduler;
    if (s.state === 'never') return h('p', { class: 'notice', id: 'scheduler' }, 'No scheduler has run yet: start one with ', h('code', null, 'dpf schedule'), '. The pipelines below will run on their schedules once one does.');
    const who = `${s.host || s.holder}${s.pid !== null ? ` (pid ${s.pid})` : ''}`;
    return s.state === 'alive'
      ? h('p', { class: 'notice', id: 'scheduler' }, `Scheduler ${who} was leading, its lease renewed ${s.renewedAt ? dpf.format.when(s.renewedAt.at) : '–'}.`)
      : h('p', { class: 'notice warn', id: 'scheduler' }, `No scheduler was running: the lease of ${who} expired ${dpf.format.when(s.expiresAt.at)}.`);
  }

  function nodeLink(id) {
    const i = dpf.store.byId.get(id);
    return i === undefined ? h('code', null, id) : h('a', { href: dpf.format.link.node(id) }, dpf.store.node(i).n);
  }

  /** Hash links route pages here, so a pipeline's runs are reached by scrolling, not by #anchor. */
  function scrollToRuns(event, name) {
    event.preventDefault();
    const section = document.querySelector(`section.pipeline-runs[data-pipeline="${CSS.escape(name)}"]`);
    if (section) section.scrollIntoView();
  }

  function pipelinesTable(report) {
    const f = dpf.format;
    return h('div', { class: 'table-wrap' },
      h('table', { class: 'data', id: 'pipelines' },
        h('thead', null, h('tr', null, ['pipeline', 'schedule', 'after', 'owner', 'selection', 'next run', 'latest'].map((c) => h('th', null, c)))),
        h('tbody', null, report.pipelines.map((p) =>
          h('tr', { dataset: { pipeline: p.name } },
            h('td', null, h('a', { href: '#/pipelines', onclick: (event) => scrollToRuns(event, p.name) }, p.name), p.description ? h('div', { class: 'muted small' }, p.description) : null),
            h('td', null, p.schedule ? [h('code', null, p.schedule.cron), h('div', { class: 'muted small' }, p.schedule.timezone)] : h('span', { class: 'muted' }, '–')),
            h('td', null, p.after.length ? [p.after.join(', '), h('div', { class: 'muted small' }, p.trigger)] : ''),
            h('td', null, p.owner || ''),
            h('td', null, h('code', null, p.selection)),
            h('td', null, p.nextRun ? f.when(p.nextRun.at) : p.after.length ? `after ${p.after.join(', ')}` : h('span', { class: 'muted' }, 'manual')),
            h('td', null, p.latest ? badge(p.latest) : p.runs.length ? badge(p.runs[0].state) : h('span', { class: 'muted' }, 'no runs')),
          ),
        )),
      ),
    );
  }

  function runningTable(report) {
    if (report.running.length === 0) return h('p', { class: 'muted', id: 'running-none' }, 'Nothing was running.');
    return h('div', { class: 'table-wrap' },
      h('table', { class: 'data', id: 'running' },
        h('thead', null, h('tr', null, ['pipeline', 'run', 'nodes', 'started', 'elapsed'].map((c) => h('th', null, c)))),
        h('tbody', null, report.running.map((r) =>
          h('tr', null,
            h('td', null, r.pipeline),
            h('td', null, h('code', null, r.runId), r.orphaned ? h('div', { class: 'muted small' }, 'orphaned: its scheduler is gone') : null),
            h('td', null, r.nodesTotal !== null ? `${r.nodesDone || 0} / ${r.nodesTotal}` : '–'),
            h('td', null, dpf.format.when(r.startedAt.at)),
            h('td', null, ms(r.durationMs)),
          ),
        )),
      ),
    );
  }

  function runsSection(p) {
    const rows = p.runs.map((r) =>
      h('tr', null,
        h('td', null, badge(r.state)),
        h('td', null, dpf.format.when(r.startedAt.at)),
        h('td', null, ms(r.durationMs)),
        h('td', null, String(r.attempt)),
        h('td', null, r.late && r.lateMs !== null ? ms(r.lateMs) : ''),
        h('td', { class: 'small message' }, r.failedNode ? [nodeLink(r.failedNode), r.error ? `: ${r.error}` : ''] : r.state === 'lost' && r.error === LOST ? '' : r.error || ''),
      ),
    );
    return h('section', { class: 'pipeline-runs', dataset: { pipeline: p.name } },
      h('h3', null, p.name),
      p.runs.length === 0
        ? h('p', { class: 'muted' }, 'No runs yet.')
        : h('div', { class: 'table-wrap' },
            h('table', { class: 'data' },
              h('thead', null, h('tr', null, ['state', 'started', 'duration', 'attempt', 'late by', 'failed node / error'].map((c) => h('th', null, c)))),
              h('tbody', null, rows),
            ),
          ),
      p.skipped ? h('p', { class: 'muted small skipped' }, `${dpf.format.plural(p.skipped.count, 'tick')} skipped while no scheduler ran (${dpf.format.when(p.skipped.first.at)}${p.skipped.count > 1 ? ` – ${dpf.format.when(p.skipped.last.at)}` : ''}).`) : null,
    );
  }

  function failuresSection(report) {
    if (report.failures.length === 0) return h('p', { class: 'muted', id: 'failures-none' }, 'No pipeline\'s latest run failed.');
    return h('div', { id: 'failures' }, report.failures.map((fl) =>
      h('div', { class: 'notice bad failure', dataset: { pipeline: fl.pipeline } },
        h('p', null, h('strong', null, fl.pipeline), ` ${fl.state === 'lost' ? LOST : 'failed'}`, fl.endedAt ? ` ${dpf.format.when(fl.endedAt.at)}` : '', ' · run ', h('code', null, fl.runId)),
        fl.failedNode ? h('p', null, 'Node: ', nodeLink(fl.failedNode)) : null,
        fl.error && !(fl.state === 'lost' && fl.error === LOST) ? h('p', { class: 'message' }, fl.error) : null,
        fl.retryAt ? h('p', null, `Next attempt ${dpf.format.when(fl.retryAt.at)}.`) : null,
        h('p', null, 'Retry: ', fl.retry.map((c, i) => [i ? ' or ' : '', h('code', { class: 'retry' }, c)])),
      ),
    ));
  }

  function nextSection(report) {
    const items = report.next.map((n) => h('li', null, dpf.format.when(n.at), ' · ', n.pipeline));
    const after = report.afterOnly.map((a) => h('li', null, `${a.pipeline}: after ${a.after.join(', ')} (${a.trigger})`));
    if (items.length + after.length === 0) return h('p', { class: 'muted' }, 'No pipeline has a schedule.');
    return h('ul', { id: 'next-runs' }, items, after);
  }

  async function render(main) {
    const { mount } = dpf.dom;
    const store = dpf.store;
    const page = (...children) => mount(main, h('article', { class: 'page', id: 'pipelines-page' }, h('h1', null, 'Pipelines'), ...children));
    const summary = store.index.pipelines;
    if (summary && summary.error) return page(h('p', { class: 'notice bad' }, `The pipelines could not be read when this site was generated: ${summary.error}`));
    if (!summary || summary.count === 0) return page(h('p', { class: 'notice' }, 'This project has no pipelines. Add one as pipelines/<name>.yml (docs/scheduling.md), then run dpf docs generate.'));
    const report = await dpf.dom.loadInto(main, 'Loading the pipelines…', () => store.pipelines());
    if (!report) return;
    page(
      h('p', { class: 'muted' }, `As the scheduler's state (${report.store}) was when the site was generated, ${dpf.format.when(report.now)}.`),
      schedulerText(report),
      pipelinesTable(report),
      h('h2', null, 'Running'),
      runningTable(report),
      h('h2', null, `Failed (${report.failures.length})`),
      failuresSection(report),
      h('h2', null, 'Next runs'),
      nextSection(report),
      h('h2', null, 'Recent runs'),
      report.pipelines.map(runsSection),
    );
  }

  dpf.pipelinesPage = { render };
})((window.dpf = window.dpf || {}));
