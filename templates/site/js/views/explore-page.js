/**
 * The Explore page (#/explore, #/explore?preview=<unique id>): a SQL editor with completion of
 * model and column names, run against the target read-only by `dpf docs serve`
 * (src/server/explore-api.ts), the result as a sortable table with its row count and timing,
 * Cancel, and CSV/Parquet downloads; under the result, its chart and "Save as analysis"
 * (explore-chart.js). Opened from disk (file://) there is no server: the page
 * says how to start one. Every value and column name goes in as text (dpf.dom.h), never HTML.
 *
 * The seam for what builds on a result (charts, Save): dpf.explorePage.lastResult() returns
 * the last successful result as {sql, id, columns: [{name, type}], rows: unknown[][], rowCount,
 * truncated, limit, elapsedMs}, or null; and dpf.explorePage.onResult(fn) calls fn(result)
 * after each new result is shown. Rows are the server's JSON values (big integers and decimals
 * as strings), in the server's order, not the table's sort.
 */
(function (dpf) {
  'use strict';

  const { h, mount } = dpf.dom;
  const MAX_SUGGESTIONS = 12;

  /** Kept across visits of the page, as an editor would. */
  const state = { sql: '', limit: 1000, result: null, error: null, running: null, config: null };
  const listeners = [];

  /** The token `dpf docs serve --host <not loopback>` printed, from ?token= of the opened URL, kept for the tab. */
  function accessToken() {
    const fromUrl = new URLSearchParams(location.search).get('token');
    if (fromUrl) sessionStorage.setItem('dpf-token', fromUrl);
    return fromUrl || sessionStorage.getItem('dpf-token') || '';
  }

  async function api(path, init = {}) {
    const token = accessToken();
    const headers = { ...(init.headers || {}), ...(token ? { 'X-Dpf-Token': token } : {}) };
    return fetch(`api/${path}`, { ...init, headers });
  }

  function downloadHref(id, format) {
    const token = accessToken();
    return `api/query/${encodeURIComponent(id)}/download?format=${format}${token ? `&token=${encodeURIComponent(token)}` : ''}`;
  }

  async function loadConfig() {
    if (state.config) return state.config;
    const res = await api('explore');
    if (res.status === 401) throw new Error('This server needs the token `dpf docs serve` printed when it started: open the URL it printed (…/?token=…).');
    if (!res.ok) throw new Error('Explore is off on this server (started with --no-explore).');
    state.config = await res.json();
    return state.config;
  }

  // ---- completion: names of the catalog's relations, and the columns of those the text names

  const columnCache = new Map();

  function relationCandidates() {
    const store = dpf.store;
    const out = [];
    for (let i = 0; i < store.index.nodes.length; i++) {
      const n = store.node(i);
      if (n.hide || !['model', 'seed', 'snapshot', 'source'].includes(n.k) || n.m === 'ephemeral') continue;
      out.push({ label: n.n, insert: `${store.index.schemas[n.s]}.${n.n}`, kind: n.k, i });
    }
    return out;
  }

  /** Columns of the relations the text mentions, loaded from the node chunks as needed. */
  async function columnCandidates(text) {
    const words = new Set(text.toLowerCase().match(/[a-z_][\w]*/g) || []);
    const out = [];
    for (const r of relationCandidates()) {
      if (!words.has(r.label.toLowerCase())) continue;
      if (!columnCache.has(r.i)) columnCache.set(r.i, dpf.store.details(r.i).then((d) => (d.columns || []).map((c) => c.name), () => []));
      for (const name of await columnCache.get(r.i)) out.push({ label: name, insert: name, kind: `column of ${r.label}` });
    }
    return out;
  }

  function attachCompletion(textarea, popup) {
    let items = [];
    let active = 0;
    let word = null;
    const close = () => {
      popup.hidden = true;
      items = [];
    };
    const accept = (item) => {
      const { start, end } = word;
      textarea.setRangeText(item.insert, start, end, 'end');
      state.sql = textarea.value;
      close();
      textarea.focus();
    };
    const show = () => {
      mount(popup, items.map((item, k) =>
        h('li', { role: 'option', class: k === active ? 'active' : null, 'aria-selected': k === active ? 'true' : 'false', onmousedown: (e) => { e.preventDefault(); accept(item); } },
          h('span', { class: 'c-label' }, item.label), h('span', { class: 'c-kind muted' }, item.kind))));
      popup.hidden = items.length === 0;
    };
    textarea.addEventListener('input', async () => {
      state.sql = textarea.value;
      const caret = textarea.selectionStart;
      const m = /[A-Za-z_][\w]*$/.exec(textarea.value.slice(0, caret));
      if (!m) return close();
      word = { start: caret - m[0].length, end: caret };
      const prefix = m[0].toLowerCase();
      const all = [...(await columnCandidates(textarea.value)), ...relationCandidates()];
      if (textarea.selectionStart !== caret) return; // typed on meanwhile
      const seen = new Set();
      items = all.filter((c) => c.label.toLowerCase().startsWith(prefix) && c.label.toLowerCase() !== prefix && !seen.has(c.insert) && seen.add(c.insert)).slice(0, MAX_SUGGESTIONS);
      active = 0;
      show();
    });
    textarea.addEventListener('keydown', (e) => {
      if (popup.hidden || items.length === 0) return;
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        active = (active + (e.key === 'ArrowDown' ? 1 : items.length - 1)) % items.length;
        show();
      } else if (e.key === 'Enter' || e.key === 'Tab') accept(items[active]);
      else if (e.key === 'Escape') close();
      else return;
      e.preventDefault();
    });
    textarea.addEventListener('blur', () => setTimeout(close, 100));
  }

  // ---- running

  async function run(view) {
    if (state.running) return;
    const sql = state.sql.trim();
    if (!sql) return;
    const id = crypto.randomUUID();
    const controller = new AbortController();
    state.running = { id, controller };
    state.error = null;
    showRunning(view, true);
    try {
      const res = await api('query', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ sql, limit: state.limit, id }), signal: controller.signal });
      const body = await res.json().catch(() => ({ error: { message: `The server answered ${res.status}.` } }));
      if (!res.ok) {
        state.error = res.status === 401 ? { message: 'This server needs the token `dpf docs serve` printed when it started: open the URL it printed (…/?token=…).' } : body.error;
      } else {
        state.result = { sql, ...body };
        for (const fn of listeners) fn(state.result);
      }
    } catch (err) {
      state.error = { message: controller.signal.aborted ? 'The query was cancelled.' : `The server could not be reached: ${err.message}` };
    } finally {
      state.running = null;
      showRunning(view, false);
      showResult(view);
    }
  }

  async function cancel() {
    const running = state.running;
    if (!running) return;
    // The server cancels the statement on the engine; dropping the request would too.
    await api(`query/${encodeURIComponent(running.id)}/cancel`, { method: 'POST' }).catch(() => undefined);
    running.controller.abort();
  }

  function showRunning(view, on) {
    view.runButton.disabled = on;
    view.cancelButton.disabled = !on;
    if (on) mount(view.status, h('span', { class: 'loading' }, 'Running…'));
  }

  // ---- the result

  function compare(a, b) {
    if (a === b) return 0;
    if (a === null || a === undefined) return 1;
    if (b === null || b === undefined) return -1;
    const x = Number(a);
    const y = Number(b);
    if (typeof a !== 'object' && typeof b !== 'object' && a !== '' && b !== '' && !Number.isNaN(x) && !Number.isNaN(y)) return x - y;
    return String(a).localeCompare(String(b));
  }

  const cellText = (v) => (v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));

  function resultTable(result) {
    let sortBy = -1;
    let descending = false;
    const tbody = h('tbody');
    const fill = () => {
      const rows = sortBy < 0 ? result.rows : [...result.rows].sort((r, s) => (descending ? -1 : 1) * compare(r[sortBy], s[sortBy]));
      mount(tbody, rows.map((row) => h('tr', null, row.map((v) => h('td', { class: v === null ? 'null' : null }, v === null ? 'NULL' : cellText(v))))));
    };
    const headers = result.columns.map((c, k) =>
      h('th', { 'aria-sort': 'none', title: c.type, dataset: { column: k } },
        h('button', { type: 'button', class: 'sort', onclick: (e) => {
          descending = sortBy === k ? !descending : false;
          sortBy = k;
          for (const th of e.currentTarget.closest('tr').children) th.setAttribute('aria-sort', 'none');
          e.currentTarget.parentElement.setAttribute('aria-sort', descending ? 'descending' : 'ascending');
          fill();
        } }, c.name)));
    fill();
    return h('div', { class: 'table-wrap' }, h('table', { class: 'data explore-result', id: 'explore-table' }, h('thead', null, h('tr', null, headers)), tbody));
  }

  function showResult(view) {
    const f = dpf.format;
    if (state.error) {
      const e = state.error;
      mount(view.status);
      mount(view.output, h('div', { class: 'notice bad', id: 'explore-error' },
        h('strong', null, e.code ? `${e.code} ${e.title}: ` : ''), e.message || 'The query failed.', e.hint ? h('div', { class: 'small' }, e.hint) : null));
      return;
    }
    const r = state.result;
    if (!r) return mount(view.output, h('p', { class: 'muted' }, 'Write a query and run it (Ctrl+Enter). Only SELECT runs here: the warehouse is opened read-only.'));
    mount(view.status,
      h('span', { id: 'explore-count' }, `${f.number(r.rowCount)} row${r.rowCount === 1 ? '' : 's'}`), ` in ${f.number(Math.round(r.elapsedMs))} ms`,
      r.truncated ? h('span', { class: 'badge s-warn', id: 'explore-cut' }, `cut at ${f.number(r.limit)} rows`) : null,
      h('a', { class: 'btn', id: 'explore-csv', href: downloadHref(r.id, 'csv'), download: 'query-result.csv' }, 'CSV'),
      h('a', { class: 'btn', id: 'explore-parquet', href: downloadHref(r.id, 'parquet'), download: 'query-result.parquet' }, 'Parquet'));
    if (view.chart) view.chart.destroy();
    view.chart = dpf.exploreChart.create(r, api);
    mount(view.output, resultTable(r), view.chart.el);
  }

  // ---- the page

  async function render(main, params) {
    if (location.protocol === 'file:') {
      return mount(main, h('div', { class: 'page', id: 'explore-page' }, h('h1', null, 'Explore'),
        h('p', { class: 'notice', id: 'explore-needs-server' }, 'Explore runs SQL against the warehouse, which needs a server: run ', h('code', null, 'dpf docs serve'), ' in the project and open the address it prints. This copy of the catalog was opened from disk.')));
    }
    const config = await dpf.dom.loadInto(main, 'Loading Explore…', loadConfig);
    if (!config) return;
    const preview = params.get('preview');
    let previewSql;
    if (preview) {
      const i = dpf.store.byId.get(preview);
      if (i !== undefined) {
        const details = await dpf.dom.loadInto(main, 'Loading Explore…', () => dpf.store.details(i));
        if (!details) return;
        previewSql = `select * from ${details.relation} limit 100`;
        state.sql = previewSql;
      }
    }
    state.limit = Math.min(state.limit, config.maxRows);
    const textarea = h('textarea', { id: 'explore-sql', class: 'explore-sql', spellcheck: 'false', autocomplete: 'off', rows: 8, 'aria-label': 'SQL query', placeholder: 'select * from … limit 100' });
    textarea.value = state.sql;
    const popup = h('ul', { id: 'explore-complete', class: 'explore-complete', role: 'listbox', hidden: true });
    const view = {
      runButton: h('button', { type: 'button', class: 'btn primary', id: 'explore-run', onclick: () => run(view) }, 'Run'),
      cancelButton: h('button', { type: 'button', class: 'btn', id: 'explore-cancel', disabled: true, onclick: cancel }, 'Cancel'),
      status: h('div', { class: 'explore-status', id: 'explore-status' }),
      output: h('div', { id: 'explore-output' }),
    };
    const limit = h('input', { type: 'number', id: 'explore-limit', min: 1, max: config.maxRows, value: state.limit, 'aria-label': 'Row limit', onchange: (e) => (state.limit = Math.max(1, Math.min(config.maxRows, Number(e.target.value) || 1))) });
    textarea.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        run(view);
      }
    });
    attachCompletion(textarea, popup);
    mount(main, h('div', { class: 'page', id: 'explore-page' },
      h('h1', null, 'Explore'),
      h('p', { class: 'muted small' }, `Read-only SQL on the ${dpf.store.index.project.adapterType} target “${dpf.store.index.project.targetName}”: one SELECT at a time, at most ${dpf.format.number(config.maxRows)} rows, cancelled after ${Math.round(config.timeoutMs / 1000)} s.`),
      h('div', { class: 'explore-editor' }, textarea, popup),
      h('div', { class: 'section-actions explore-actions' }, view.runButton, view.cancelButton, h('label', { class: 'muted small' }, 'Rows ', limit), view.status),
      view.output));
    if (state.running) showRunning(view, true);
    showResult(view);
    if (previewSql) run(view);
  }

  dpf.explorePage = {
    render,
    /** The last result shown (see the top of this file), or null. */
    lastResult: () => state.result,
    /** Calls fn(result) after every new result. */
    onResult: (fn) => listeners.push(fn),
  };
})((window.dpf = window.dpf || {}));
