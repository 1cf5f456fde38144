/**
 * Product reviews from the review partner's API: `GET /reviews?page=N&page_size=25`, oldest
 * change first, with `updated_since` for the changes since the last extract (the table's highest
 * `updated_at`, which dpf gives as ctx.cursor). Without `base_url` the plugin first serves the
 * demo's copy of the API (data/partner_reviews.json) on a local port, so the demo runs offline;
 * the requests still go through ctx.fetch, held to the extract's rate limits.
 */
import { defineSource } from 'dpf';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';

interface Config {
  base_url?: string;
  page_size?: number;
}

interface Review {
  review_id: number;
  product_id: number;
  customer_id: number;
  rating: number;
  body: string;
  updated_at: string;
}

export default defineSource<Config>({
  description: "Product reviews from the review partner's API, paged, incremental by updated_at",
  config: {
    type: 'object',
    properties: {
      base_url: { type: 'string', description: "the API's address; absent: the demo's bundled copy" },
      page_size: { type: 'integer', minimum: 1, maximum: 100 },
    },
  },
  columns: [
    { name: 'review_id', type: 'integer' },
    { name: 'product_id', type: 'integer' },
    { name: 'customer_id', type: 'integer' },
    { name: 'rating', type: 'integer' },
    { name: 'body', type: 'text' },
    { name: 'updated_at', type: 'timestamp' },
  ],
  async *extract(config, ctx) {
    const bundled = config.base_url ? undefined : await serveBundledApi(join(ctx.projectDir, 'data/partner_reviews.json'));
    try {
      const base = config.base_url ?? bundled!.url;
      for (let page = 1; !ctx.signal.aborted; page++) {
        const url = new URL('/reviews', base);
        url.searchParams.set('page', String(page));
        url.searchParams.set('page_size', String(config.page_size ?? 25));
        if (ctx.cursor) url.searchParams.set('updated_since', ctx.cursor.value);
        const response = await ctx.fetch(url);
        // A status on the error lets dpf's retries tell a passing outage (5xx, 429) from a mistake.
        if (!response.ok) throw Object.assign(new Error(`GET /reviews page ${page} answered ${response.status}`), { status: response.status });
        const { reviews } = (await response.json()) as { reviews: Review[] };
        if (reviews.length === 0) return;
        yield reviews;
      }
    } finally {
      bundled?.server.close();
    }
  },
});

/** The partner's API as the demo ships it: the reviews of one JSON file, paged, on a free local port. */
async function serveBundledApi(file: string): Promise<{ url: string; server: Server }> {
  const all = (JSON.parse(readFileSync(file, 'utf8')) as Review[]).sort((a, b) => a.updated_at.localeCompare(b.updated_at));
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const size = Number(url.searchParams.get('page_size') ?? 25);
    const page = Number(url.searchParams.get('page') ?? 1);
    // The cursor is the engine's text of a timestamp ('2024-06-28 19:29:51'): read as UTC.
    const since = url.searchParams.get('updated_since');
    const from = since ? Date.parse(`${since.replace(' ', 'T')}Z`) : -Infinity;
    const changed = all.filter((r) => Date.parse(r.updated_at) >= from);
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ reviews: changed.slice((page - 1) * size, page * size) }));
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, server };
}
