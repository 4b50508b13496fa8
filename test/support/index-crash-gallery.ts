/** The seeded gallery that the crash test's writer and the test itself both build. */
import type { IndexItem } from '../../src/index/store.js';
import { clusteredItems } from './index-fixtures.js';

export const CRASH_ITEMS = 2000;
export const CRASH_BATCH = 100;
export const CRASH_DIMENSIONS = 32;

/** 2,000 items in clusters of 5, the same on every call. */
export function crashGallery(): IndexItem[] {
  return clusteredItems(CRASH_ITEMS, CRASH_DIMENSIONS, 2024).items;
}
