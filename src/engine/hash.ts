/**
 * Small non-cryptographic hashes over strings and 32-bit words, shared by the live-task index
 * (src/engine/taskIndex.ts), the consistent-hashing ring (src/strategies/hashRing.ts) and the
 * keyed random streams of the simulator (src/sim/random.ts). Pure and deterministic.
 */

/** FNV-1a, 32 bits, over the UTF-16 code units of `text` (the byte-wise FNV-1a for ASCII). */
export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * MurmurHash3's 32-bit finalizer: every input bit flips each output bit with probability about
 * 1/2. FNV-1a alone maps strings that differ in their last character (`agent#1`, `agent#2`) to
 * nearby values; mixed, they spread over all 32 bits. Returns an unsigned 32-bit integer.
 */
export function fmix32(hash: number): number {
  return mix32(hash) >>> 0;
}

/**
 * {@link fmix32}'s 32 bits as a signed integer, for hashes that feed further integer arithmetic
 * (xor, `Math.imul`, masks), which read only the 32 bits. Why: half of the unsigned results
 * exceed a small integer, and V8 boxes such a number in a fresh heap object whenever it
 * crosses a call it did not inline (two or three per simulated task in the keyed streams).
 */
export function mix32(hash: number): number {
  let h = hash | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
