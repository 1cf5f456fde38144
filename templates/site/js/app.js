/**
 * Start-up and routing. Routes live in the URL's hash, so links work from file:// and
 * `dpf docs serve` alike:
 *   #/                          home
 *   #/node/<unique id>?col=c    a node's page (c: the column to highlight)
 *   #/lineage?select=&focus=    the node-level lineage graph
 *   #/columns/<unique id>?col=  the column-level lineage graph
 *   #/search?q=&kind=&tag=&schema=&owner=&status=
 *   #/health?run=               the run history: last runs, a run's timeline, problems
 *   #/pipelines                 the pipelines: schedules, running and recent runs, failures, next runs
 *   #/personal-data?kind=       columns carrying personal data (classified projects)
 *   #/analyses                  the analyses (analyses/*.yml); #/analysis/<unique id> one, with its chart and data
 *   #/explore?preview=<id>      SQL against the target, read-only (needs `dpf docs serve`); preview: a node's first rows
 * After the first page is on screen, the search index starts loading in the background.
 */
(function (dpf) {
  'use strict';

  function parseHash() {
    const raw = location.hash.replace(/^#\/?/, '');
    const q = raw.indexOf('?');
    const path = q >= 0 ? raw.slice(0, q) : raw;
    const params = new URLSearchParams(q >= 0 ? raw.slice(q + 1) : '');
    const [section, ...rest] = path.split('/');
    let id = '';
    try {
      id = decodeURIComponent(rest.join('/'));
    } catch {
      id = '';
    }
    return { section: section || 'home', id, params };
  }

  function notFound(main, what) {
    const { h, mount } = dpf.dom;
    mount(main, h('div', { class: 'page' }, h('h1', null, 'Not found'), h('p', null, `${what} is not in this catalog. It may have been renamed or removed since the site was generated.`), h('p', null, h('a', { href: '#/' }, 'Back to the overview'))));
  }

  function route() {
    const main = /** @type {HTMLElement} */ (document.getElementById('main'));
    const { section, id, params } = parseHash();
    const store = dpf.store;
    document.querySelectorAll('.top-links a').forEach((a) => a.classList.toggle('active', a.getAttribute('data-section') === (section === 'columns' ? 'lineage' : section === 'analysis' ? 'analyses' : section)));
    const nodeIndex = id ? store.byId.get(id) : undefined;
    const focusIndex = section === 'lineage' && params.get('focus') ? store.byId.get(params.get('focus') || '') : undefined;
    // A new page starts at its top (a node page with ?col= scrolls to that column itself).
    window.scrollTo(0, 0);
    const current = nodeIndex ?? focusIndex;
    dpf.sidebar.setCurrent(current === undefined ? -1 : current);
    switch (section) {
      case 'home':
        dpf.homePage.render(main);
        document.title = `${store.index.project.name} · dpf catalog`;
        break;
      case 'node':
        if (nodeIndex === undefined) return notFound(main, `“${id}”`);
        document.title = `${store.node(nodeIndex).n} · ${store.index.project.name}`;
        dpf.nodePage.render(main, nodeIndex, params);
        break;
      case 'lineage':
        document.title = `Lineage · ${store.index.project.name}`;
        dpf.lineagePage.renderNodes(main, params);
        break;
      case 'columns':
        if (nodeIndex === undefined) return notFound(main, `“${id}”`);
        document.title = `Column lineage of ${store.node(nodeIndex).n} · ${store.index.project.name}`;
        dpf.lineagePage.renderColumns(main, nodeIndex, params);
        break;
      case 'health':
        document.title = `Health · ${store.index.project.name}`;
        dpf.healthPage.render(main, params);
        break;
      case 'pipelines':
        document.title = `Pipelines · ${store.index.project.name}`;
        dpf.pipelinesPage.render(main);
        break;
      case 'personal-data':
        document.title = `Personal data · ${store.index.project.name}`;
        dpf.personalDataPage.render(main, params);
        break;
      case 'analyses':
        document.title = `Analyses · ${store.index.project.name}`;
        dpf.analysisPage.list(main);
        break;
      case 'analysis': {
        const entry = (store.index.analyses || []).find((a) => a.id === id);
        if (!entry) return notFound(main, `The analysis “${id}”`);
        document.title = `${entry.title} · ${store.index.project.name}`;
        dpf.analysisPage.render(main, id);
        break;
      }
      case 'explore':
        document.title = `Explore · ${store.index.project.name}`;
        dpf.explorePage.render(main, params);
        break;
      case 'search':
        document.title = `Search · ${store.index.project.name}`;
        dpf.search.page(main, params);
        break;
      default:
        notFound(main, `The page “${section}”`);
    }
  }

  function start(index) {
    const store = dpf.store;
    store.setIndex(index);
    document.getElementById('brand-name').textContent = index.project.name;
    // The Personal data page is for classified projects (classifications.yml) and scanned ones (dpf scan pii).
    const personal = document.querySelector('.top-links a[data-section="personal-data"]');
    if (personal && !index.governance && !index.piiScan) personal.remove();
    const analysesLink = document.querySelector('.top-links a[data-section="analyses"]');
    if (analysesLink && !(index.analyses && index.analyses.length)) analysesLink.remove();
    dpf.sidebar.init(document.getElementById('sidebar'));
    dpf.search.box.init();
    window.addEventListener('hashchange', route);
    route();
    document.body.dataset.ready = '1';
    window.__dpfReady = performance.now();
    // The search index is not needed to show a page: load it once the page is on screen.
    setTimeout(() => store.loadSearch(), 50);
  }

  document.addEventListener('DOMContentLoaded', () => {
    const message = document.getElementById('boot-message');
    if (!window.dpfSite) return;
    dpf.store.whenIndex(start, (err) => {
      if (message) message.textContent = err.message;
    });
    // data/index.js is the page's last script; if it is missing, say what to do.
    setTimeout(() => {
      if (!dpf.store.index && !dpf.store.indexError && message) message.textContent = 'The catalog data (data/index.js) did not load. Run dpf docs generate again.';
    }, 3000);
  });
})((window.dpf = window.dpf || {}));
