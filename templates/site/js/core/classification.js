/**
 * Classification on the page (docs/governance.md): a column's level badge (coloured by its rank
 * among classifications.yml's levels, never by its name), its kinds of personal data, whether
 * it was declared or inherited, and the lineage path it came by as links to the upstream
 * columns; a model's readers. Data: SiteIndex.governance and SiteColumnClassification
 * (src/docs-site/site-data.ts). Every name, description and reason goes in as text.
 */
(function (dpf) {
  'use strict';

  const { h } = dpf.dom;
  /** How many colours the levels are spread over (site.css .lvl-0 … .lvl-4). */
  const SHADES = 5;

  const gov = () => dpf.store.index.governance;

  /** The colour class of level l: the lowest level is lvl-0, the highest lvl-4. */
  function shade(l) {
    const levels = gov().levels.length;
    return `lvl-${levels <= 1 ? SHADES - 1 : Math.round(((SHADES - 1) * l) / (levels - 1))}`;
  }

  const readersText = (readers) => (readers.length ? readers.join(', ') : 'anyone in the project');

  function levelBadge(l) {
    const level = gov().levels[l];
    if (!level) return null;
    return h('span', { class: `badge cls-level ${shade(l)}`, title: [level.d, `readers: ${readersText(level.r)}`].filter(Boolean).join(' · '), dataset: { level: level.n } }, level.n);
  }

  function piiBadge(kind) {
    const rule = gov()?.pii.find((p) => p.n === kind);
    const title = rule ? [`personal data: ${rule.d || kind}`, rule.m ? `masked (${rule.m}) outside production` : ''].filter(Boolean).join(' · ') : 'personal data';
    return h('span', { class: 'badge cls-pii', title, dataset: { pii: kind } }, kind);
  }

  /**
   * A column's name as people read it: source tables with their source's name; `*` (an untraced
   * model with no known columns: governance's key for all of them) as every column.
   */
  function columnName(ref) {
    const n = dpf.store.node(ref.n);
    const table = `${n.k === 'source' ? `${n.sn}.` : ''}${n.n}`;
    return ref.c === '*' ? `${table} (every column)` : `${table}.${ref.c}`;
  }

  function columnLink(ref) {
    const n = dpf.store.node(ref.n);
    return h('a', { href: dpf.format.link.node(n.id, ref.c === '*' ? undefined : ref.c), title: `${columnName(ref)} (${n.k})` }, columnName(ref));
  }

  /** "dim_customers.email ← stg_customers.email ← raw_customers.email" */
  const pathText = (self, via) => [self, ...via.map(columnName)].join(' ← ');

  /**
   * The badges of a column's classification; with a lineage path, they open (and their title
   * shows) the columns it came through, as links. self: the column's own name (node.column).
   */
  function badges(cls, self) {
    const via = cls.via || [];
    const origin = h('span', { class: 'cls-origin' }, cls.x !== undefined ? 'declassified' : cls.d ? (via.length ? 'declared, and inherited' : 'declared') : 'inherited');
    const marks = [cls.l !== undefined ? levelBadge(cls.l) : null, cls.p.map(piiBadge), origin];
    const parts = [];
    if (via.length) {
      parts.push(
        h('details', { class: 'cls' },
          h('summary', { title: `from ${pathText(self, via)}` }, marks),
          h('div', { class: 'cls-path' }, h('span', { class: 'cls-self' }, self), via.map((ref) => [h('span', { class: 'arrow', 'aria-hidden': 'true' }, ' ← '), columnLink(ref)])),
        ),
      );
    } else parts.push(h('div', { class: 'cls' }, marks));
    if (cls.x !== undefined) parts.push(h('div', { class: 'cls-declassified small' }, 'Declassified: ', h('span', { class: 'cls-reason' }, cls.x)));
    return parts;
  }

  const SCAN_STATUS = { new: 'not classified', classified: 'classified', mismatch: 'classified as another kind', dismissed: 'dismissed (pii: false)' };

  /** What `dpf scan pii` found in a column at its latest scan (SiteScanFinding): a category and counts, never a value. */
  function scanStatusText(st) {
    return SCAN_STATUS[st] || String(st);
  }

  function scanNote(scan) {
    return h('div', { class: `pii-scan small${scan.st === 'new' || scan.st === 'mismatch' ? ' warn' : ' muted'}`, title: `dpf scan pii${scan.at ? `, ${scan.at}` : ''}: confidence ${scan.cf}` },
      `found by the scanner: ${scan.cat}, ${scanStatusText(scan.st)}`);
  }

  dpf.classification = { shade, levelBadge, piiBadge, badges, columnLink, columnName, pathText, readersText, scanNote, scanStatusText };
})((window.dpf = window.dpf || {}));
