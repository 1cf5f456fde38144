/** Numbers, sizes, durations and times as people read them; links to pages. */
(function (dpf) {
  'use strict';

  const integer = new Intl.NumberFormat('en-US');
  const compact = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

  const number = (n) => (n === undefined || n === null || !Number.isFinite(Number(n)) ? '–' : integer.format(Number(n)));
  const decimal = (n) => (n === undefined || n === null || !Number.isFinite(Number(n)) ? '–' : compact.format(Number(n)));

  function bytes(n) {
    if (n === undefined || n === null) return '–';
    const units = ['B', 'KB', 'MB', 'GB', 'TB'];
    let v = Number(n);
    let u = 0;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return `${u === 0 ? v : v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`;
  }

  function duration(seconds) {
    if (seconds === undefined || seconds === null) return '–';
    const s = Number(seconds);
    if (s < 1) return `${Math.round(s * 1000)} ms`;
    if (s < 60) return `${s.toFixed(s < 10 ? 2 : 1)} s`;
    const m = Math.floor(s / 60);
    return m < 60 ? `${m} min ${Math.round(s % 60)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
  }

  function age(seconds) {
    const s = Math.max(0, Number(seconds));
    if (s < 90) return `${Math.round(s)} s`;
    if (s < 5400) return `${Math.round(s / 60)} min`;
    if (s < 129600) return `${Math.round(s / 3600)} h`;
    return `${Math.round(s / 86400)} days`;
  }

  function when(iso) {
    if (!iso) return '–';
    const d = new Date(iso);
    if (Number.isNaN(d.getTime())) return String(iso);
    return d.toLocaleString('en-GB', { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
  }

  function ago(iso) {
    const d = new Date(iso);
    if (!iso || Number.isNaN(d.getTime())) return '';
    return `${age((Date.now() - d.getTime()) / 1000)} ago`;
  }

  const plural = (n, word, many) => `${number(n)} ${n === 1 ? word : many || `${word}s`}`;

  const KIND_LABEL = { model: 'model', seed: 'seed', source: 'source', snapshot: 'snapshot' };
  const HEALTH_LABEL = { ok: 'ok', warn: 'warning', failing: 'test failing', error: 'error', stale: 'stale', skipped: 'skipped', unknown: 'not run' };
  /** A node's health in words; an ephemeral model is never built, so it is not "not run". */
  const healthLabel = (node) => (node.h === 'unknown' && node.m === 'ephemeral' ? 'ephemeral' : HEALTH_LABEL[node.h]);

  /** Routes; ids and names are encoded, never concatenated raw into a URL. */
  const link = {
    node: (id, column) => `#/node/${encodeURIComponent(id)}${column ? `?col=${encodeURIComponent(column)}` : ''}`,
    lineage: (params) => `#/lineage?${new URLSearchParams(params).toString()}`,
    columns: (id, column) => `#/columns/${encodeURIComponent(id)}${column ? `?col=${encodeURIComponent(column)}` : ''}`,
    search: (params) => `#/search?${new URLSearchParams(params).toString()}`,
  };

  dpf.format = { number, decimal, bytes, duration, age, when, ago, plural, KIND_LABEL, HEALTH_LABEL, healthLabel, link };
})((window.dpf = window.dpf || {}));
