/**
 * One priority level of a queue in the `fair` order: a FIFO ring per tenant, and a binary
 * min-heap of the backlogged tenants by (virtual token counter, tenant name). The head of the
 * level is the oldest task of the tenant with the least counter (src/engine/tenantCounters.ts).
 *
 * Counters only grow, so the heap keeps each tenant under the counter it had when it was keyed
 * and is corrected lazily: when the top's key is behind its counter it is re-keyed and sifted
 * down, and a tenant whose ring turned out empty is dropped. The top is then the least
 * (counter, name) among tenants with a live task. Push, front and drop are O(log tenants)
 * amortised; `back` (the least urgent task, for shedding and stealing) and `scan` visit every
 * tenant of the level.
 */
import type { TaskRecord } from './task.js';
import { Ring } from './taskRing.js';
import { NO_TENANT, type TenantCounters } from './tenantCounters.js';

/** A tenant's tasks at one level, and whether the heap holds it. */
interface Lane {
  readonly tenant: string;
  readonly ring: Ring;
  inHeap: boolean;
  /** The counter the heap keyed it under. */
  key: number;
}

function tenantOf(task: TaskRecord): string {
  return task.spec.tenant ?? NO_TENANT;
}

/** One priority level in the fair order (see the module comment). */
export class FairLevel {
  private readonly lanes = new Map<string, Lane>();
  private readonly heap: Lane[] = [];

  /** @param counters - the engine's virtual token counters, shared by all its queues. */
  constructor(private readonly counters: TenantCounters) {}

  /** Queues `task` behind its tenant's; an idle tenant is first lifted (no banked credit). */
  push(task: TaskRecord, entry: number): void {
    const tenant = tenantOf(task);
    let lane = this.lanes.get(tenant);
    if (lane === undefined) {
      lane = { tenant, ring: new Ring(), inHeap: false, key: 0 };
      this.lanes.set(tenant, lane);
    }
    if (lane.ring.front() === undefined) {
      const least = this.top();
      this.counters.lift(tenant, least === undefined ? this.counters.idleFloor : this.counters.of(least.tenant));
    }
    lane.ring.pushBack(task, entry);
    if (!lane.inHeap) {
      lane.inHeap = true;
      lane.key = this.counters.of(tenant);
      this.heap.push(lane);
      this.siftUp(this.heap.length - 1);
    }
  }

  /** The oldest task of the tenant with the least counter, kept queued. */
  front(): TaskRecord | undefined {
    return this.top()?.ring.front();
  }

  /** Removes the task `front` returned. */
  dropFront(): void {
    this.top()!.ring.dropFront();
  }

  /** The newest task of the tenant with the greatest counter (the least urgent), kept queued. */
  back(): TaskRecord | undefined {
    return this.lastLane()?.ring.back();
  }

  /** Removes the task `back` returned. */
  dropBack(): void {
    this.lastLane()!.ring.dropBack();
  }

  /** Removes `task` exactly when it stands at either end of its tenant's ring; elsewhere lazily. */
  removeAtEnds(task: TaskRecord): void {
    this.lanes.get(tenantOf(task))?.ring.removeAtEnds(task);
  }

  /**
   * Live tasks, at most `limit`, until `visit` returns true (then -1; else the count seen):
   * first each tenant's oldest task, tenants by (counter, name), then the rest of each tenant's
   * tasks in the same tenant order.
   */
  scan(limit: number, visit: (task: TaskRecord) => boolean): number {
    const lanes = [...this.lanes.values()].filter((lane) => lane.ring.front() !== undefined).sort((a, b) => this.compare(a, b));
    let seen = 0;
    for (const lane of lanes) {
      if (seen >= limit) return seen;
      seen++;
      if (visit(lane.ring.front()!)) return -1;
    }
    for (const lane of lanes) {
      const head = lane.ring.front();
      const rest = lane.ring.scan(limit - seen + 1, (task) => task !== head && visit(task));
      if (rest < 0) return -1;
      seen += rest - 1;
      if (seen >= limit) return seen;
    }
    return seen;
  }

  /** The tenant with the least (counter, name) among those with a live task, the heap corrected. */
  private top(): Lane | undefined {
    const heap = this.heap;
    while (heap.length > 0) {
      const lane = heap[0]!;
      if (lane.ring.front() === undefined) {
        lane.inHeap = false;
        const last = heap.pop()!;
        if (heap.length > 0) {
          heap[0] = last;
          this.siftDown(0);
        }
        continue;
      }
      const counter = this.counters.of(lane.tenant);
      if (counter === lane.key) return lane;
      lane.key = counter;
      this.siftDown(0);
    }
    return undefined;
  }

  private lastLane(): Lane | undefined {
    let last: Lane | undefined;
    for (const lane of this.lanes.values()) {
      if (lane.ring.back() === undefined) continue;
      if (last === undefined || this.compare(lane, last) > 0) last = lane;
    }
    return last;
  }

  /** Orders tenants by current counter, then name. */
  private compare(a: Lane, b: Lane): number {
    const difference = this.counters.of(a.tenant) - this.counters.of(b.tenant);
    if (difference !== 0) return difference;
    return a.tenant < b.tenant ? -1 : a.tenant > b.tenant ? 1 : 0;
  }

  private before(a: Lane, b: Lane): boolean {
    return a.key < b.key || (a.key === b.key && a.tenant < b.tenant);
  }

  private siftUp(at: number): void {
    const heap = this.heap;
    const lane = heap[at]!;
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if (!this.before(lane, heap[parent]!)) break;
      heap[at] = heap[parent]!;
      at = parent;
    }
    heap[at] = lane;
  }

  private siftDown(at: number): void {
    const heap = this.heap;
    const lane = heap[at]!;
    for (;;) {
      let child = 2 * at + 1;
      if (child >= heap.length) break;
      if (child + 1 < heap.length && this.before(heap[child + 1]!, heap[child]!)) child++;
      if (!this.before(heap[child]!, lane)) break;
      heap[at] = heap[child]!;
      at = child;
    }
    heap[at] = lane;
  }
}
