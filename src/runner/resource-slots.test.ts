import { describe, expect, it } from 'vitest';
import { ResourceSlots, WAREHOUSE } from './resource-slots.js';

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('ResourceSlots', () => {
  it('lets no more steps hold a resource than its limit, and every step runs', async () => {
    const slots = new ResourceSlots({ warehouse: 2, pools: { api: 1 } });
    let warehouse = 0;
    let api = 0;
    let maxWarehouse = 0;
    let maxApi = 0;
    const done: number[] = [];
    await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        slots.with(i % 2 ? [WAREHOUSE] : [WAREHOUSE, { kind: 'pool', name: 'api' }], async () => {
          warehouse++;
          if (i % 2 === 0) api++;
          maxWarehouse = Math.max(maxWarehouse, warehouse);
          maxApi = Math.max(maxApi, api);
          await tick();
          warehouse--;
          if (i % 2 === 0) api--;
          done.push(i);
        }),
      ),
    );
    expect(maxWarehouse).toBe(2);
    expect(maxApi).toBe(1);
    expect(done.sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });

  it('tells a step how long it waited, and for which resource', async () => {
    const slots = new ResourceSlots({ warehouse: 4, pools: { api: 1 } });
    let release!: () => void;
    const holding = slots.with([WAREHOUSE, { kind: 'pool', name: 'api' }], (wait) => {
      expect(wait).toEqual({ ms: expect.any(Number), longestMs: 0 });
      return new Promise<void>((resolve) => (release = resolve));
    });
    const waiting = slots.with([WAREHOUSE, { kind: 'pool', name: 'api' }], async (wait) => wait);
    await tick();
    await tick();
    release();
    await holding;
    const wait = await waiting;
    expect(wait.longest).toEqual({ kind: 'pool', name: 'api' });
    expect(wait.ms).toBeGreaterThanOrEqual(wait.longestMs);
    expect(wait.longestMs).toBeGreaterThanOrEqual(1);
  });

  it('pools.warehouse caps the warehouse connections below the adapter limit', async () => {
    const slots = new ResourceSlots({ warehouse: 8, pools: { warehouse: 1 } });
    let held = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 4 }, () =>
        slots.with([WAREHOUSE], async () => {
          most = Math.max(most, ++held);
          await tick();
          held--;
        }),
      ),
    );
    expect(most).toBe(1);
  });

  it('a step needing nothing is not held back, and a failing step gives its slots back', async () => {
    const slots = new ResourceSlots({ warehouse: 1 });
    let release!: () => void;
    const holding = slots.with([WAREHOUSE], () => new Promise<void>((resolve) => (release = resolve)));
    expect(await slots.with([], async () => 'free')).toBe('free');
    release();
    await holding;
    await expect(slots.with([WAREHOUSE], async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await slots.with([WAREHOUSE], async () => 'again')).toBe('again');
  });
});
