/**
 * The site's data, loaded as scripts: data/index.js (loaded by the page), node details in
 * data/chunks/<n>.js on demand, and the search index parts data/search-<i>.js after the first
 * page is shown. Each data script calls dpfSite.receive(kind, key, json); a script tag, unlike
 * fetch(), works from file:// too. Shapes: src/docs-site/site-data.ts.
 */
(function (dpf) {
  'use strict';

  /** @type {Map<string, {promise: Promise<any>, resolve: (v: any) => void, reject: (e: Error) => void}>} */
  const waiting = new Map();
  const received = new Map();
  let onIndex = null;
  let onIndexError = null;

  const fileOf = (kind, key) =>
    kind === 'index' ? 'data/index.js' : kind === 'health' ? 'data/health.js' : kind === 'pipelines' ? 'data/pipelines.js' : kind === 'governance' ? 'data/governance.js' : kind === 'chunk' ? `data/chunks/${key}.js` : kind === 'analysis' ? `data/analyses/${key}.js` : `data/search-${key}.js`;

  function slot(key) {
    let entry = waiting.get(key);
    if (!entry) {
      let resolve, reject;
      const promise = new Promise((res, rej) => {
        resolve = res;
        reject = rej;
      });
      // Whoever awaits a file reports its failure; one nobody awaits (the index's) is no unhandled rejection.
      promise.catch(() => {});
      entry = { promise, resolve, reject };
      waiting.set(key, entry);
    }
    return entry;
  }

  window.dpfSite = {
    receive(kind, key, json) {
      const name = `${kind}:${key}`;
      let data;
      try {
        // Search indexes stay strings: MiniSearch.loadJSON parses them itself.
        data = kind === 'search' ? json : JSON.parse(json);
      } catch (err) {
        // Whoever waits for this file shows the error, rather than "Loading…" for ever.
        const error = new Error(`${fileOf(kind, key)} could not be read (${err.message}): the site is damaged. Run dpf docs generate again.`);
        slot(name).reject(error);
        if (kind === 'index') {
          store.indexError = error;
          if (onIndexError) onIndexError(error);
        }
        return;
      }
      received.set(name, data);
      slot(name).resolve(data);
      if (kind === 'index' && onIndex) onIndex(data);
    },
  };

  function loadScript(kind, key) {
    const src = fileOf(kind, key);
    const name = `${kind}:${key}`;
    const entry = slot(name);
    if (!document.querySelector(`script[data-key="${name}"]`) && !received.has(name)) {
      const script = document.createElement('script');
      script.src = src;
      script.async = true;
      script.dataset.key = name;
      script.onerror = () => entry.reject(new Error(`Could not load ${src}: was the site generated completely? Run dpf docs generate again.`));
      document.head.appendChild(script);
    }
    return entry.promise;
  }

  const store = {
    /** @type {any} */ index: null,
    /** @type {number[][]} */ children: [],
    /** @type {Map<string, number>} */ byId: new Map(),
    /** @type {Map<string, number[]>} */ byName: new Map(),

    /** @type {Error | null} set when data/index.js ran but its data could not be read. */
    indexError: null,

    /** Calls fn with the index once data/index.js has run, or fail with the error if its data is damaged. */
    whenIndex(fn, fail) {
      const ready = received.get('index:0');
      if (ready) fn(ready);
      else if (this.indexError) fail(this.indexError);
      else {
        onIndex = fn;
        onIndexError = fail;
      }
    },

    setIndex(index) {
      this.index = index;
      this.children = window.dpfSelect.childrenOf(index);
      index.nodes.forEach((n, i) => {
        this.byId.set(n.id, i);
        this.byName.set(n.n, [...(this.byName.get(n.n) || []), i]);
      });
    },

    node(i) {
      return this.index.nodes[i];
    },

    /** Details of node i (NodeDetails), from its chunk. */
    async details(i) {
      const n = this.index.nodes[i];
      const chunk = await this.chunk(n.c);
      return chunk.get(n.id);
    },

    /** Analysis i's page (AnalysisPageData: its chart, snapshot and SQL), from data/analyses/<i>.js. */
    analysis(i) {
      return loadScript('analysis', i);
    },

    /** The run history of the Health page (HealthData), from data/health.js. */
    health() {
      return loadScript('health', 0);
    },

    /** The Pipelines page's status report (StatusReport, src/pipelines/pipeline-status.ts), from data/pipelines.js. */
    pipelines() {
      return loadScript('pipelines', 0);
    },

    /** The Personal data page's columns (GovernanceData), from data/governance.js. */
    governance() {
      return loadScript('governance', 0);
    },

    /** @type {Map<number, Map<string, any>>} */
    chunkMaps: new Map(),
    async chunk(c) {
      const cached = this.chunkMaps.get(c);
      if (cached) return cached;
      const list = await loadScript('chunk', c);
      const map = new Map(list.map((d) => [d.id, d]));
      this.chunkMaps.set(c, map);
      return map;
    },

    /**
     * How a selector names node i: the plain name when unique, else unique_id:<id>; undefined
     * when the id has a space, a comma or a "+", which the selector syntax (the command line's
     * too) cannot hold. The lineage page then names the node by id (its `near` parameter).
     */
    selectorName(i) {
      const n = this.index.nodes[i];
      if ((this.byName.get(n.n) || []).length === 1 && /^[\w.$-]+$/.test(n.n)) return n.n;
      return /^[^\s,+]+$/.test(n.id) ? `unique_id:${n.id}` : undefined;
    },

    /** Sorted words of node names for completing prefixes (search-core.js nameWords), built on first search. */
    nameWords: null,

    // ---- search: parts load one after another; listeners hear about each.
    /** @type {Record<string, any[]>} */ searchIndexes: {},
    searchLoaded: 0,
    searchListeners: new Set(),
    searchStarted: false,
    searchError: null,
    loadSearch() {
      if (this.searchStarted) return;
      this.searchStarted = true;
      const core = window.dpfSearchCore;
      const files = this.index.search || [];
      const next = async (i) => {
        if (i >= files.length) {
          // Prepared now, while the user reads, rather than on the first keystroke.
          this.nameWords = this.nameWords || core.nameWords(this.index.nodes);
          return;
        }
        try {
          const json = await loadScript('search', i);
          const part = files[i].part;
          const index = await window.MiniSearch.loadJSONAsync(json, core.indexOptions(part));
          (this.searchIndexes[part] = this.searchIndexes[part] || []).push(index);
          received.delete(`search:${i}`);
          this.searchLoaded = i + 1;
        } catch (err) {
          this.searchError = err;
        }
        for (const fn of this.searchListeners) fn();
        if (!this.searchError) setTimeout(() => next(i + 1), 0);
      };
      next(0);
    },
    get searchReady() {
      return this.searchLoaded >= (this.index.search || []).length;
    },
  };

  dpf.store = store;
})((window.dpf = window.dpf || {}));
