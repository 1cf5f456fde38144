/**
 * The home page: the project's overview (models/overview.md), what the project holds, how the
 * last run went, and what needs attention: failing tests, failed or skipped models, stale
 * sources, models whose column lineage could not be read.
 */
(function (dpf) {
  'use strict';
  const LIST_LIMIT = 12;

  function render(main) {
    const { h, mount } = dpf.dom;
    const f = dpf.format;
    const store = dpf.store;
    const index = store.index;
    const count = (k) => index.nodes.filter((n) => n.k === k && !n.hide).length;
    const nodeLink = (i, column) => {
      const n = store.node(i);
      return h('a', { href: f.link.node(n.id, column) }, column ? `${n.n}.${column}` : n.n);
    };
    const more = (total, href) => (total > LIST_LIMIT ? h('li', null, h('a', { href }, `and ${f.number(total - LIST_LIMIT)} more…`)) : null);

    const cards = h(
      'div',
      { class: 'cards' },
      [
        ['model', 'Models'],
        ['source', 'Sources'],
        ['seed', 'Seeds'],
        ['snapshot', 'Snapshots'],
      ]
        .filter(([k]) => k !== 'snapshot' || count(k) > 0)
        .map(([k, label]) => h('a', { class: 'card', href: f.link.search({ kind: k }) }, h('div', { class: 'card-number' }, f.number(count(k))), h('div', { class: 'card-label' }, label))),
      h('a', { class: 'card', href: f.link.search({ kind: 'column' }) }, h('div', { class: 'card-number' }, f.number(index.counts.columns)), h('div', { class: 'card-label' }, 'Columns')),
      h('div', { class: 'card' }, h('div', { class: 'card-number' }, f.number(index.counts.tests + index.counts.unitTests)), h('div', { class: 'card-label' }, 'Tests')),
    );

    const run = index.run;
    let runPanel;
    if (run) {
      const c = run.counts || {};
      const ok = (c.success || 0) + (c.reused || 0) + (c.pass || 0);
      const warn = c.warn || 0;
      const bad = (c.error || 0) + (c.fail || 0);
      const skip = c.skipped || 0;
      const total = Math.max(1, ok + warn + bad + skip);
      const bar = h('div', { class: 'healthbar', title: `${ok} ok, ${warn} warnings, ${bad} failed, ${skip} skipped` });
      for (const [cls, n] of [['ok', ok], ['warn', warn], ['bad', bad], ['skip', skip]]) {
        if (n) {
          const part = h('span', { class: cls });
          part.style.width = `${(100 * Number(n)) / total}%`;
          bar.appendChild(part);
        }
      }
      runPanel = h(
        'div',
        { class: 'panel', id: 'last-run' },
        h('h3', null, 'Last run'),
        h('p', { class: 'small' }, h('code', null, `dpf ${run.command}`), ` · ${f.when(run.generatedAt)} (${f.ago(run.generatedAt)}) · took ${f.duration(run.elapsed)}`),
        bar,
        h('p', { class: 'small muted' }, `${f.number(ok)} ok · ${f.plural(warn, 'warning')} · ${f.number(bad)} failed · ${f.number(skip)} skipped`),
      );
    } else {
      runPanel = h('div', { class: 'panel', id: 'last-run' }, h('h3', null, 'Last run'), h('p', { class: 'empty' }, 'No run yet: run dpf build, then dpf docs generate, to see run status and test results here.'));
    }

    const attention = [];
    if (index.problems.length) {
      attention.push(
        h('h3', null, `Tests needing attention (${f.number(index.problems.length)})`),
        h(
          'ul',
          { class: 'plain-list', id: 'failing-tests' },
          index.problems.slice(0, LIST_LIMIT).map((p) =>
            h(
              'li',
              null,
              h('span', { class: `badge s-${p.status}` }, p.status),
              h('span', { class: 'col-name' }, p.name),
              p.node !== undefined ? h('span', { class: 'muted small' }, 'on ', nodeLink(p.node, p.column)) : null,
              p.message ? h('span', { class: 'why' }, p.message) : null,
            ),
          ),
          more(index.problems.length, f.link.search({ status: 'failing' })),
        ),
      );
    }
    if (index.failedNodes.length) {
      attention.push(
        h('h3', null, `Failed or skipped in the last run (${f.number(index.failedNodes.length)})`),
        h(
          'ul',
          { class: 'plain-list' },
          index.failedNodes.slice(0, LIST_LIMIT).map((x) => h('li', null, h('span', { class: `badge s-${x.status}` }, x.status), nodeLink(x.node), x.message ? h('span', { class: 'why' }, x.message) : null)),
          more(index.failedNodes.length, f.link.search({ status: 'error' })),
        ),
      );
    }
    if (index.freshness && index.freshness.stale.length) {
      attention.push(
        h('h3', null, `Stale sources (${f.number(index.freshness.stale.length)})`),
        h(
          'ul',
          { class: 'plain-list', id: 'stale-sources' },
          index.freshness.stale.slice(0, LIST_LIMIT).map((x) =>
            h('li', null, h('span', { class: `badge s-${x.status.replace(' ', '-')}` }, x.status), nodeLink(x.node), x.ageSeconds !== undefined ? h('span', { class: 'muted small' }, `last loaded ${f.age(x.ageSeconds)} ago`) : null),
          ),
        ),
      );
    }
    if (index.lineage.unparsed.length) {
      attention.push(
        h('h3', null, `Column lineage not available (${f.number(index.lineage.unparsed.length)})`),
        h(
          'ul',
          { class: 'plain-list' },
          index.lineage.unparsed.slice(0, LIST_LIMIT).map((x) => h('li', null, nodeLink(x.node), h('span', { class: 'why' }, `The SQL could not be parsed: ${x.reason}`))),
        ),
      );
    }
    const attentionPanel = h(
      'div',
      { class: 'panel', id: 'attention' },
      attention.length ? attention : [h('h3', null, 'Needs attention'), h('p', { class: 'empty' }, run ? 'Nothing: every test passed in the last run.' : 'Nothing known yet.')],
    );

    const p = index.project;
    mount(
      main,
      h(
        'div',
        { class: 'page', id: 'home' },
        h('div', { class: 'crumbs' }, `dpf ${p.dpfVersion} catalog · target ${p.targetName} (${p.adapterType}) · generated ${f.when(p.generatedAt)}`),
        h('h1', null, p.name),
        index.overview
          ? h('div', { class: 'description overview' }, dpf.markdown.render(index.overview))
          : h('p', { class: 'description muted' }, 'Every model, source and seed of this project, with its columns, tests and lineage. Search above, browse on the left, or open the lineage graph. (Write models/overview.md to put your own introduction here.)'),
        cards,
        p.catalog === 'skipped' ? h('p', { class: 'notice' }, 'Generated with --empty-catalog: column types, row counts and sizes from the warehouse are not shown.') : null,
        h('div', { class: 'grid-2' }, runPanel, attentionPanel),
      ),
    );
  }

  dpf.homePage = { render };
})((window.dpf = window.dpf || {}));
