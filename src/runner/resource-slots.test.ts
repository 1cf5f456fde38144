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
