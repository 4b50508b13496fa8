/**
 * Seeded sampling helpers for the demo generator: independent random streams per ad and per
 * purpose (bike, scene, photos), and the small draws the drawing code needs (a range, a choice,
 * a weighted choice, a coin flip). Built on the project's mulberry32 generator (util/rng.ts).
 */
import { createRandom, type Random } from '../util/rng.js';

/**
 * Mixes integers into one 32-bit seed (murmur3's finaliser after each part), so that
 * `streamSeed(seed, ad, purpose)` gives unrelated streams for neighbouring ads and purposes.
 */
export function mixSeed(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) {
    h = Math.imul(h ^ (part >>> 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

/** A generator for one purpose of one ad: the same arguments always give the same numbers. */
export function streamRandom(seed: number, ad: number, purpose: number): Random {
  return createRandom(mixSeed(seed, ad, purpose));
}

/** A float drawn uniformly from [low, high). */
export function uniform(random: Random, low: number, high: number): number {
  return low + (high - low) * random();
}

/** One item of a non-empty list, each equally likely. */
export function pick<T>(random: Random, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)];
}

/** One item of a non-empty list of [item, weight] pairs, drawn in proportion to the weights. */
export function weightedPick<T>(random: Random, items: readonly (readonly [T, number])[]): T {
  let total = 0;
  for (const [, weight] of items) total += weight;
  let x = random() * total;
  for (const [item, weight] of items) {
    x -= weight;
    if (x < 0) return item;
  }
  return items[items.length - 1][0];
}

/** True with probability `p`. */
export function chance(random: Random, p: number): boolean {
  return random() < p;
}
