/**
 * Colours for the demo generator: HSL to hex, lighten/darken/mix, and the paint colour families
 * that decide when two bikes count as "the same colour" (a similar model keeps its family).
 */
import type { Random } from '../util/rng.js';
import { pick, uniform } from './random.js';

/** A paint colour family: hue range in degrees, saturation and lightness ranges in [0, 1]. */
export interface ColourFamily {
  name: string;
  hue: readonly [number, number];
  saturation: readonly [number, number];
  lightness: readonly [number, number];
  /** How often frames get this colour (the weights add up to 1). */
  share: number;
}

/**
 * The frame colour families, in marketplace-like shares: black, grey and white frames make up
 * more than half of used bikes. Two ads of the same type and family count as similar models.
 */
export const COLOUR_FAMILIES: readonly ColourFamily[] = [
  { name: 'black', hue: [200, 240], saturation: [0, 0.12], lightness: [0.07, 0.15], share: 0.17 },
  { name: 'black', hue: [0, 30], saturation: [0, 0.08], lightness: [0.08, 0.16], share: 0.17 },
  { name: 'white', hue: [30, 220], saturation: [0, 0.1], lightness: [0.86, 0.95], share: 0.12 },
  { name: 'silver', hue: [190, 230], saturation: [0, 0.08], lightness: [0.52, 0.72], share: 0.06 },
  { name: 'grey', hue: [190, 230], saturation: [0.02, 0.12], lightness: [0.28, 0.42], share: 0.11 },
  { name: 'red', hue: [352, 368], saturation: [0.65, 0.9], lightness: [0.36, 0.5], share: 0.07 },
  { name: 'orange', hue: [16, 32], saturation: [0.75, 0.95], lightness: [0.45, 0.56], share: 0.03 },
  { name: 'yellow', hue: [44, 56], saturation: [0.8, 0.95], lightness: [0.5, 0.6], share: 0.02 },
  { name: 'green', hue: [95, 140], saturation: [0.45, 0.75], lightness: [0.3, 0.45], share: 0.04 },
  { name: 'teal', hue: [165, 190], saturation: [0.5, 0.75], lightness: [0.36, 0.48], share: 0.03 },
  { name: 'blue', hue: [200, 222], saturation: [0.65, 0.9], lightness: [0.4, 0.52], share: 0.07 },
  { name: 'navy', hue: [218, 236], saturation: [0.45, 0.7], lightness: [0.16, 0.26], share: 0.04 },
  {
    name: 'purple',
    hue: [265, 290],
    saturation: [0.4, 0.65],
    lightness: [0.32, 0.46],
    share: 0.02,
  },
  { name: 'pink', hue: [320, 340], saturation: [0.55, 0.8], lightness: [0.6, 0.72], share: 0.015 },
  { name: 'olive', hue: [62, 80], saturation: [0.22, 0.38], lightness: [0.32, 0.42], share: 0.02 },
  { name: 'copper', hue: [18, 30], saturation: [0.4, 0.55], lightness: [0.3, 0.4], share: 0.01 },
  {
    name: 'mint',
    hue: [145, 165],
    saturation: [0.35, 0.55],
    lightness: [0.66, 0.76],
    share: 0.015,
  },
];

/** The distinct family names, in first-seen order. */
export const COLOUR_FAMILY_NAMES: readonly string[] = [
  ...new Set(COLOUR_FAMILIES.map((family) => family.name)),
];

/** Converts hue (degrees, any range), saturation and lightness (0–1) to `#rrggbb`. */
export function hslToHex(hue: number, saturation: number, lightness: number): string {
  const h = (((hue % 360) + 360) % 360) / 60;
  const c = (1 - Math.abs(2 * lightness - 1)) * saturation;
  const x = c * (1 - Math.abs((h % 2) - 1));
  const m = lightness - c / 2;
  let rgb: [number, number, number];
  if (h < 1) rgb = [c, x, 0];
  else if (h < 2) rgb = [x, c, 0];
  else if (h < 3) rgb = [0, c, x];
  else if (h < 4) rgb = [0, x, c];
  else if (h < 5) rgb = [x, 0, c];
  else rgb = [c, 0, x];
  return rgbToHex(rgb[0] + m, rgb[1] + m, rgb[2] + m);
}

/** `#rrggbb` from red, green, blue in [0, 1] (values outside are clamped). */
export function rgbToHex(r: number, g: number, b: number): string {
  const byte = (v: number) =>
    Math.round(Math.min(1, Math.max(0, v)) * 255)
      .toString(16)
      .padStart(2, '0');
  return `#${byte(r)}${byte(g)}${byte(b)}`;
}

/** Red, green, blue in [0, 1] from `#rrggbb`. */
export function hexToRgb(hex: string): [number, number, number] {
  const value = parseInt(hex.slice(1, 7), 16);
  return [((value >> 16) & 255) / 255, ((value >> 8) & 255) / 255, (value & 255) / 255];
}

/** Linear mix of two `#rrggbb` colours: t = 0 gives `a`, t = 1 gives `b`. */
export function mix(a: string, b: string, t: number): string {
  const x = hexToRgb(a);
  const y = hexToRgb(b);
  return rgbToHex(x[0] + (y[0] - x[0]) * t, x[1] + (y[1] - x[1]) * t, x[2] + (y[2] - x[2]) * t);
}

/** Lightens (amount > 0, towards white) or darkens (amount < 0, towards black); |amount| ≤ 1. */
export function shade(hex: string, amount: number): string {
  return amount >= 0 ? mix(hex, '#ffffff', amount) : mix(hex, '#000000', -amount);
}

/** Relative luminance in [0, 1] (sRGB weights, no gamma), to choose readable decal colours. */
export function luminance(hex: string): number {
  const [r, g, b] = hexToRgb(hex);
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** A random colour from one family. */
export function drawFromFamily(random: Random, family: ColourFamily): string {
  return hslToHex(
    uniform(random, family.hue[0], family.hue[1]),
    uniform(random, family.saturation[0], family.saturation[1]),
    uniform(random, family.lightness[0], family.lightness[1]),
  );
}

/** A random colour from the family called `name` (one of COLOUR_FAMILY_NAMES). */
export function drawColour(random: Random, name: string): string {
  const families = COLOUR_FAMILIES.filter((family) => family.name === name);
  return drawFromFamily(random, pick(random, families));
}
