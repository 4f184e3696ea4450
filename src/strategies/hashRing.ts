/**
 * A consistent-hashing ring (Karger et al. 1997) of 32-bit points, each owned by an agent, and
 * the hash that places keys and points on it.
 *
 * Points are kept sorted by (hash, owner) in buckets by the top bits of the hash. Hashes are
 * uniform, so a bucket holds a few dozen points: finding the first point clockwise of a hash is
 * a binary search in one bucket, adding or removing a point moves a few dozen entries, and the
 * bucket directory doubles (or halves) as the ring grows (or shrinks) to keep buckets that small.
 * A fleet of 10,000 agents with 100 points each is a million points; an agent joining costs
 * O(points per agent × bucket size), not O(ring size).
 */
import { fmix32, fnv1a32 } from '../engine/hash.js';

/** The ring position of `text`: FNV-1a mixed by {@link fmix32}. Deterministic, not cryptographic. */
export function ringHash(text: string): number {
  return fmix32(fnv1a32(text));
}

/** Fewest directory bits (16 buckets). */
const MIN_BITS = 4;
/** Most directory bits (2^24 buckets). */
const MAX_BITS = 24;
/** Grow the directory past this many points per bucket on average; shrink below SPARSE. */
const DENSE = 32;
const SPARSE = 4;

/**
 * The ring. Besides points it holds a cursor for walking clockwise ({@link HashRing.seek},
 * {@link HashRing.advance}, {@link HashRing.owner}): scratch for one walk, which no later call
 * depends on.
 */
export class HashRing {
  private bits = MIN_BITS;
  private hashes: number[][] = emptyBuckets(MIN_BITS);
  private owners: number[][] = emptyBuckets(MIN_BITS);
  private count = 0;
  private cursorBucket = 0;
  private cursorAt = 0;

  /** Points on the ring. */
  get size(): number {
    return this.count;
  }

  /** Adds a point at `hash` owned by `owner` (an agent index); equal points may repeat. */
  add(hash: number, owner: number): void {
    assertPoint(hash, owner);
    const bucket = hash >>> (32 - this.bits);
    const hashes = this.hashes[bucket]!;
    const owners = this.owners[bucket]!;
    const at = lowerBound(hashes, owners, hash, owner);
    hashes.splice(at, 0, hash);
    owners.splice(at, 0, owner);
    this.count++;
    if (this.count > DENSE << this.bits && this.bits < MAX_BITS) this.resize(this.bits + 1);
  }

  /** Removes one point at `hash` owned by `owner`; false when there is none. */
  remove(hash: number, owner: number): boolean {
    assertPoint(hash, owner);
    const bucket = hash >>> (32 - this.bits);
    const hashes = this.hashes[bucket]!;
    const owners = this.owners[bucket]!;
    const at = lowerBound(hashes, owners, hash, owner);
    if (at === hashes.length || hashes[at] !== hash || owners[at] !== owner) return false;
    hashes.splice(at, 1);
    owners.splice(at, 1);
    this.count--;
    if (this.count < SPARSE << this.bits && this.bits > MIN_BITS) this.resize(this.bits - 1);
    return true;
  }

  /** Puts the cursor on the first point clockwise from `hash` (at `hash` itself, or after it, wrapping). */
  seek(hash: number): void {
    if (this.count === 0) throw new Error('seek on an empty ring');
    const bucket = hash >>> (32 - this.bits);
    const at = lowerBound(this.hashes[bucket]!, this.owners[bucket]!, hash, 0);
    this.cursorBucket = bucket;
    this.cursorAt = at;
    if (at === this.hashes[bucket]!.length) this.nextBucket();
  }

  /** Moves the cursor to the next point clockwise (wrapping). */
  advance(): void {
    if (++this.cursorAt === this.hashes[this.cursorBucket]!.length) this.nextBucket();
  }

  /** The owner of the point under the cursor. */
  owner(): number {
    return this.owners[this.cursorBucket]![this.cursorAt]!;
  }

  /** The hash of the point under the cursor. */
  hash(): number {
    return this.hashes[this.cursorBucket]![this.cursorAt]!;
  }

  /** Calls `visit` with every point in clockwise order from hash 0 (ties by owner). */
  forEachPoint(visit: (hash: number, owner: number) => void): void {
    for (let b = 0; b < this.hashes.length; b++) {
      const hashes = this.hashes[b]!;
      const owners = this.owners[b]!;
      for (let i = 0; i < hashes.length; i++) visit(hashes[i]!, owners[i]!);
    }
  }

  /** Checks that buckets are sorted, hold the right hashes and add up to `size` (tests). */
  assertValid(): void {
    let total = 0;
    for (let b = 0; b < this.hashes.length; b++) {
      const hashes = this.hashes[b]!;
      const owners = this.owners[b]!;
      if (hashes.length !== owners.length) throw new Error(`ring: bucket ${b} has ${hashes.length} hashes, ${owners.length} owners`);
      for (let i = 0; i < hashes.length; i++) {
        if (hashes[i]! >>> (32 - this.bits) !== b) throw new Error(`ring: hash ${hashes[i]} in bucket ${b}`);
        if (i > 0 && (hashes[i - 1]! > hashes[i]! || (hashes[i - 1] === hashes[i] && owners[i - 1]! > owners[i]!))) {
          throw new Error(`ring: bucket ${b} out of order at ${i}`);
        }
      }
      total += hashes.length;
    }
    if (total !== this.count) throw new Error(`ring: ${total} points in buckets, size ${this.count}`);
  }

  /** The cursor moves to the first point of the next non-empty bucket (wrapping). */
  private nextBucket(): void {
    const buckets = this.hashes.length;
    let bucket = this.cursorBucket;
    for (let i = 0; i < buckets; i++) {
      bucket = bucket + 1 === buckets ? 0 : bucket + 1;
      if (this.hashes[bucket]!.length > 0) {
        this.cursorBucket = bucket;
        this.cursorAt = 0;
        return;
      }
    }
    throw new Error('ring: no point to move to');
  }

  /** Rebuilds the directory with `bits` bits; the order within and across buckets is kept. */
  private resize(bits: number): void {
    const hashes: number[][] = emptyBuckets(bits);
    const owners: number[][] = emptyBuckets(bits);
    for (let b = 0; b < this.hashes.length; b++) {
      const oldHashes = this.hashes[b]!;
      const oldOwners = this.owners[b]!;
      for (let i = 0; i < oldHashes.length; i++) {
        const bucket = oldHashes[i]! >>> (32 - bits);
        hashes[bucket]!.push(oldHashes[i]!);
        owners[bucket]!.push(oldOwners[i]!);
      }
    }
    this.bits = bits;
    this.hashes = hashes;
    this.owners = owners;
  }
}

function emptyBuckets(bits: number): number[][] {
  return Array.from({ length: 1 << bits }, () => []);
}

function assertPoint(hash: number, owner: number): void {
  if (!(Number.isInteger(hash) && hash >= 0 && hash <= 0xffffffff)) throw new Error(`ring hash must be a 32-bit unsigned integer, got ${hash}`);
  if (!(Number.isInteger(owner) && owner >= 0)) throw new Error(`ring owner must be an agent index, got ${owner}`);
}

/** First position in a sorted bucket whose (hash, owner) is not below (hash, owner). */
function lowerBound(hashes: readonly number[], owners: readonly number[], hash: number, owner: number): number {
  let lo = 0;
  let hi = hashes.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const h = hashes[mid]!;
    if (h < hash || (h === hash && owners[mid]! < owner)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
