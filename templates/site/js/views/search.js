/**
 * Search: the box in the top bar (results as you type, arrow keys, Enter, Escape, "/" to
 * focus) and the search page (#/search), which adds filters by kind, tag, schema, owner and
 * status and, without a query, browses the catalog by those filters. Matching and ranking are
 * search-core.js's; this file only draws.
 */
(function (dpf) {
  'use strict';
  const BOX_LIMIT = 8;
  const PAGE_LIMIT = 200;
  const FILTERS = ['kind', 'tag', 'schema', 'owner', 'status'];

  const nameOf = (hit) => (hit.column !== undefined ? hit.column : dpf.store.node(hit.node).n);

  /** A filter predicate over hits from the page's filter values. */
  function keeper(filters) {
    const index = dpf.store.index;
    const tag = filters.tag ? index.tags.indexOf(filters.tag) : -1;
    const schema = filters.schema ? index.schemas.indexOf(filters.schema) : -1;
    const owner = filters.owner ? index.owners.indexOf(filters.owner) : -1;
    return (hit) => {
      const n = index.nodes[hit.node];
      if (n.hide) return false;
      if (filters.kind === 'column' && hit.column === undefined) return false;
      if (filters.kind && filters.kind !== 'column' && (n.k !== filters.kind || hit.column !== undefined)) return false;
      if (filters.tag && !n.t.includes(tag)) return false;
      if (filters.schema && n.s !== schema) return false;
      if (filters.owner && n.o !== owner) return false;
      if (filters.status && n.h !== filters.status) return false;
      return true;
    };
  }

  /** filters: the page's {kind, tag, ...}; undefined when none apply. */
  function runSearch(query, filters, limit) {
    const t0 = performance.now();
    const active = filters && Object.values(filters).some(Boolean);
    const store = dpf.store;
    store.nameWords = store.nameWords || window.dpfSearchCore.nameWords(store.index.nodes);
    const hits = window.dpfSearchCore.search(store.searchIndexes, store.nameWords, query, nameOf, active ? keeper(filters) : undefined, limit);
    window.__dpfSearchMs = performance.now() - t0;
    return hits;
  }

  const FIELD_NAMES = { n: 'name', d: 'description', t: 'tags', o: 'owner', in: 'table name', sql: 'SQL' };

  /** One result row (a link). */
  function resultItem(hit, attrs) {
    const { h } = dpf.dom;
    const n = dpf.store.node(hit.node);
    const isColumn = hit.column !== undefined;
    const why = [...hit.fields].map((f) => FIELD_NAMES[f] || f).filter((v, i, a) => a.indexOf(v) === i);
    return h(
      'a',
      { class: 'result', href: dpf.format.link.node(n.id, hit.column), ...attrs },
      h(
        'div',
        { class: 'result-title' },
        h('span', { class: `badge k-${isColumn ? 'column' : n.k}` }, isColumn ? 'column' : n.k),
        h('span', null, isColumn ? hit.column : n.n),
        isColumn ? h('span', { class: 'result-in' }, `in ${n.n}`) : null,
      ),
      hit.snippet ? h('div', { class: 'result-snippet' }, hit.snippet) : null,
      why.length ? h('div', { class: 'result-why' }, `matched ${why.join(', ')}`) : null,
    );
  }

  // ---------------------------------------------------------------- the box in the top bar

  const box = {
    input: null,
    list: null,
    active: -1,
    hits: [],

    init() {
      const input = /** @type {HTMLInputElement} */ (document.getElementById('search-input'));
      const list = document.getElementById('search-results');
      this.input = input;
      this.list = list;
      input.addEventListener('focus', () => {
        dpf.store.loadSearch();
        // Typing replaces the last query, as in a browser's address bar.
        input.select();
        if (input.value.trim()) this.update();
      });
      input.addEventListener('input', () => this.update());
      input.addEventListener('keydown', (e) => this.key(e));
      input.addEventListener('blur', () => setTimeout(() => this.close(), 150));
      dpf.store.searchListeners.add(() => {
        if (document.activeElement === input && input.value.trim()) this.update();
      });
      document.addEventListener('keydown', (e) => {
        const target = /** @type {HTMLElement} */ (e.target);
        if (e.key === '/' && !/^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName) && !target.isContentEditable) {
          e.preventDefault();
          input.focus();
          input.select();
        }
      });
    },

    update() {
      const { h, mount } = dpf.dom;
      const query = this.input.value.trim();
      if (!query) return this.close();
      const store = dpf.store;
      this.hits = runSearch(query, undefined, BOX_LIMIT + 1);
      this.active = this.hits.length ? 0 : -1;
      const shown = this.hits.slice(0, BOX_LIMIT);
      const status = store.searchError
        ? h('div', { class: 'search-status' }, String(store.searchError.message))
        : !window.dpfSearchCore.effectiveQuery(query)
          ? h('div', { class: 'search-status' }, `Type at least ${window.dpfSearchCore.MIN_QUERY} characters.`)
        : !store.searchReady
          ? h('div', { class: 'search-status' }, store.searchLoaded ? 'Still loading part of the search index; results so far:' : 'Loading the search index…')
          : shown.length === 0
            ? h('div', { class: 'search-status' }, `Nothing matches “${query}”.`)
            : null;
      mount(
        this.list,
        status,
        shown.map((hit, i) => resultItem(hit, { id: `search-option-${i}`, role: 'option', 'aria-selected': i === this.active ? 'true' : 'false', onmousedown: (e) => e.preventDefault(), onclick: () => this.close() })),
        h('a', { class: 'search-more', href: dpf.format.link.search({ q: query }), onmousedown: (e) => e.preventDefault(), onclick: () => this.close() }, 'All results and filters →'),
      );
      this.list.dataset.query = query;
      this.list.hidden = false;
      this.input.setAttribute('aria-expanded', 'true');
      this.input.setAttribute('aria-activedescendant', this.active >= 0 ? `search-option-${this.active}` : '');
    },

    move(delta) {
      const options = this.list.querySelectorAll('[role="option"]');
      if (!options.length) return;
      this.active = (this.active + delta + options.length) % options.length;
      options.forEach((o, i) => o.setAttribute('aria-selected', i === this.active ? 'true' : 'false'));
      options[this.active].scrollIntoView({ block: 'nearest' });
      this.input.setAttribute('aria-activedescendant', `search-option-${this.active}`);
    },

    key(e) {
      if (e.key === 'ArrowDown') {
        e.preventDefault();
        if (this.list.hidden) this.update();
        else this.move(1);
      } else if (e.key === 'ArrowUp') {
        e.preventDefault();
        this.move(-1);
      } else if (e.key === 'Enter') {
        e.preventDefault();
        const options = this.list.querySelectorAll('[role="option"]');
        const chosen = /** @type {HTMLAnchorElement | undefined} */ (options[this.active] || options[0]);
        const query = this.input.value.trim();
        this.close();
        if (chosen) location.hash = chosen.getAttribute('href') || '';
        else if (query) location.hash = dpf.format.link.search({ q: query });
        this.input.blur();
      } else if (e.key === 'Escape') {
        this.close();
        this.input.blur();
      }
    },

    close() {
      this.list.hidden = true;
      this.input.setAttribute('aria-expanded', 'false');
      this.input.removeAttribute('aria-activedescendant');
    },
  };

  // ---------------------------------------------------------------- the search page

  /**
   * The page is mounted once; a new query or filter re-draws only the results (and the title),
   * so the query box keeps its value, focus and caret while the user types.
   */
  function page(main, initial) {
    const { h, mount } = dpf.dom;
    const index = dpf.store.index;
    const params = new URLSearchParams(initial);
    let filters;
    let query;
    const read = () => {
      filters = Object.fromEntries(FILTERS.map((f) => [f, params.get(f) || '']));
      query = params.get('q') || '';
    };
    read();
    const update = (changes) => {
      for (const [k, v] of Object.entries(changes)) {
        if (v) params.set(k, v);
        else params.delete(k);
      }
      history.replaceState(null, '', `#/search?${params.toString()}`);
      read();
      render();
    };
    const select = (name, label, values, labels) =>
      h(
        'label',
        null,
        label,
        h(
          'select',
          { name, onchange: (e) => update({ [name]: e.target.value }) },
          h('option', { value: '' }, 'any'),
          values.map((v, i) => h('option', { value: v, selected: v === filters[name] ? 'selected' : undefined }, labels ? labels[i] : v)),
        ),
      );
    const input = h('input', { type: 'search', value: query, placeholder: 'Search…', 'aria-label': 'Search query', autocomplete: 'off' });
    let timer;
    input.addEventListener('input', () => {
      clearTimeout(timer);
      timer = setTimeout(() => update({ q: input.value.trim() }), 120);
    });
    const title = h('h1');
    const results = h('div', { class: 'result-list' });
    const render = () => {
      title.textContent = query ? 'Search' : 'Browse the catalog';
      results.dataset.query = query;
      let items;
      let total;
      if (query) {
        dpf.store.loadSearch();
        const hits = runSearch(query, filters, 0);
        total = hits.total;
        items = hits.slice(0, PAGE_LIMIT).map((hit) => resultItem(hit));
      } else {
        const keep = keeper(filters);
        const nodes = [];
        index.nodes.forEach((n, i) => {
          if (filters.kind !== 'column' && keep({ node: i })) nodes.push(i);
        });
        nodes.sort((a, b) => index.nodes[a].n.localeCompare(index.nodes[b].n));
        total = nodes.length;
        items = nodes.slice(0, PAGE_LIMIT).map((i) => resultItem({ node: i, fields: new Set(), snippet: '' }));
      }
      const loading = query && !dpf.store.searchReady ? ' (the search index is still loading)' : '';
      mount(
        results,
        h('p', { class: 'muted small' }, `${dpf.format.plural(total, 'result')}${total > PAGE_LIMIT ? `, the first ${PAGE_LIMIT} shown` : ''}${loading}`),
        items,
      );
    };
    mount(
      main,
      h(
        'div',
        { class: 'page' },
        title,
        h(
          'div',
          { class: 'filters' },
          h('label', null, 'Query', input),
          select('kind', 'Kind', ['model', 'source', 'seed', 'snapshot', 'column']),
          select('tag', 'Tag', [...index.tags].sort()),
          select('schema', 'Schema', [...index.schemas].sort()),
          select('owner', 'Owner', [...index.owners].sort()),
          select('status', 'Status', Object.keys(dpf.format.HEALTH_LABEL), Object.values(dpf.format.HEALTH_LABEL)),
        ),
        results,
      ),
    );
    render();
    // Parts of the search index arriving later add to the results of the query shown.
    const again = () => {
      if (!results.isConnected) return dpf.store.searchListeners.delete(again);
      if (query) render();
    };
    dpf.store.searchListeners.add(again);
    if (params.has('focus')) input.focus();
  }

  dpf.search = { box, page, runSearch };
})((window.dpf = window.dpf || {}));
