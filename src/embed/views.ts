/**
 * Which views of a photo get backbone features: the photo itself at one or more input scales,
 * its mirror image (test-time augmentation), and random augmented views for training. Each view
 * has its own feature cache, so adding a view later computes only that view.
 */
import type { ViewSignature } from './cache.js';

export type View =
  { kind: 'plain'; scale: number; flip: boolean } | { kind: 'augment'; view: number };

/** How features are pooled, as a short stable name ("avg", "max", "gem3"). */
export type PoolingName = string;

/** The test-time views: every scale, each with its mirror image when `flip` is true. */
export function testViews(scales: readonly number[], flip: boolean): View[] {
  const views: View[] = [];
  for (const scale of scales) {
    views.push({ kind: 'plain', scale, flip: false });
    if (flip) views.push({ kind: 'plain', scale, flip: true });
  }
  return views;
}

/** Augmented training views 1..count (view numbers start at 1; 0 would be the plain photo). */
export function augmentViews(count: number): View[] {
  return Array.from({ length: count }, (_, i) => ({ kind: 'augment' as const, view: i + 1 }));
}

export function viewName(view: View): string {
  return view.kind === 'plain'
    ? `scale${view.scale}${view.flip ? '-flip' : ''}`
    : `augment${view.view}`;
}

/** The cache signature of a view. */
export function viewSignature(
  view: View,
  base: {
    modelId: string;
    width: number;
    height: number;
    fit: string;
    pooling: PoolingName;
    dim: number;
    seed: number;
    augmentScale: [number, number];
  },
): ViewSignature {
  const scale = view.kind === 'plain' ? view.scale : 1;
  return {
    modelId: base.modelId,
    width: Math.round(base.width * scale),
    height: Math.round(base.height * scale),
    fit:
      view.kind === 'plain'
        ? base.fit
        : `augment-seed${base.seed}-area${base.augmentScale[0]}-${base.augmentScale[1]}`,
    flip: view.kind === 'plain' ? view.flip : false,
    augmentView: view.kind === 'augment' ? view.view : 0,
    pooling: base.pooling,
    dim: base.dim,
  };
}
