/**
 * What a step needs while it runs, besides a worker thread: a warehouse connection (the
 * adapter's maxConnections of them), or a slot of a named pool (the plugins issue's
 * throughput limits: an API that takes two requests at a time). Steps that need none, such as
 * an extract waiting on HTTP, no longer hold a connection; threads are no longer capped by
 * connections. Slots are taken in a fixed order (the resources sorted), so two steps never
 * wait on each other.
 */
export type StepResource = { readonly kind: 'warehouse' } | { readonly kind: 'pool'; readonly name: string };

export const WAREHOUSE: StepResource = { kind: 'warehouse' };

/** How long a step waited for its resources, and for which the longest. */
export interface SlotWait {
  readonly ms: number;
  readonly longest?: StepResource;
  readonly longestMs: number;
}

const keyOf = (r: StepResource) => (r.kind === 'warehouse' ? 'warehouse' : `pool:${r.name}`);

export class ResourceSlots {
  private readonly used = new Map<string, number>();
  private readonly waiting = new Map<string, (() => void)[]>();

  /** limits: warehouse connections, and the size of each named pool (1 when not given). */
  constructor(private readonly limits: { readonly warehouse: number; readonly pools?: Readonly<Record<string, number>> }) {}

  private limitOf(key: string): number {
    // `pools: {warehouse: n}` in dpf_project.yml caps the connections below the adapter's own limit.
    if (key === 'warehouse') return Math.max(1, Math.min(this.limits.warehouse, this.limits.pools?.warehouse ?? Infinity));
    return Math.max(1, this.limits.pools?.[key.slice('pool:'.length)] ?? 1);
  }

  private async take(key: string): Promise<void> {
    while ((this.used.get(key) ?? 0) >= this.limitOf(key)) {
      await new Promise<void>((resolve) => this.waiting.set(key, [...(this.waiting.get(key) ?? []), resolve]));
    }
    this.used.set(key, (this.used.get(key) ?? 0) + 1);
  }

  private give(key: string): void {
    this.used.set(key, (this.used.get(key) ?? 1) - 1);
    const next = this.waiting.get(key)?.shift();
    next?.();
  }

  /**
   * Runs fn holding every resource it needs; fn learns how long it waited for them, and for
   * which resource the longest (undefined when none made it wait).
   */
  async with<T>(resources: readonly StepResource[], fn: (wait: SlotWait) => Promise<T>): Promise<T> {
    const keys = [...new Set(resources.map(keyOf))].sort();
    const held: string[] = [];
    const wait: { ms: number; longest?: StepResource; longestMs: number } = { ms: 0, longestMs: 0 };
    try {
      for (const key of keys) {
        const t0 = performance.now();
        await this.take(key);
        const ms = performance.now() - t0;
        wait.ms += ms;
        // A wait of no time is not a wait (take() resolves at once when a slot is free).
        if (ms >= 1 && ms > wait.longestMs) Object.assign(wait, { longestMs: ms, longest: resources.find((r) => keyOf(r) === key) });
        held.push(key);
      }
      return await fn(wait);
    } finally {
      for (const key of held.reverse()) this.give(key);
    }
  }
}
