/**
 * Small SVG writers for the demo drawings: points, numbers rounded to 0.1 (short, stable text),
 * and elements built from attribute objects so that drawing code stays readable.
 */

/** A point in drawing units (millimetres in bike and scene drawings; x right, y down). */
export interface Point {
  x: number;
  y: number;
}

/** Attribute values; numbers are rounded to 0.1, `undefined` leaves the attribute out. */
export type Attributes = Record<string, string | number | undefined>;

/** A number rounded to one decimal, as SVG text ("12.3", "-4", "0"). */
export function num(value: number): string {
  const rounded = Math.round(value * 10) / 10;
  return String(rounded === 0 ? 0 : rounded);
}

/** A point as "x y". */
export function pt(p: Point): string {
  return `${num(p.x)} ${num(p.y)}`;
}

/** A straight path segment from a to b: "Mx yLx y". */
export function seg(a: Point, b: Point): string {
  return `M${pt(a)}L${pt(b)}`;
}

/** `<name a="v" .../>`, or `<name ...>content</name>` when content is given. */
export function element(name: string, attributes: Attributes, content?: string): string {
  let text = `<${name}`;
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined) continue;
    text += ` ${key}="${typeof value === 'number' ? num(value) : value}"`;
  }
  return content === undefined ? `${text}/>` : `${text}>${content}</${name}>`;
}

/** An unfilled path drawn with a stroke of `colour` and `width`; `extra` adds attributes. */
export function stroke(d: string, colour: string, width: number, extra: Attributes = {}): string {
  return element('path', { d, fill: 'none', stroke: colour, 'stroke-width': width, ...extra });
}

/** Round line caps, for strokes that stand for tubes and bars. */
export const ROUND: Attributes = { 'stroke-linecap': 'round' };

/** A filled path. */
export function shape(d: string, fill: string, extra: Attributes = {}): string {
  return element('path', { d, fill, ...extra });
}

/** A filled rectangle. */
export function rect(
  x: number,
  y: number,
  width: number,
  height: number,
  fill: string,
  extra: Attributes = {},
): string {
  return element('rect', { x, y, width, height, fill, ...extra });
}

/** A circle; pass `fill` or stroke attributes in `attributes`. */
export function circle(centre: Point, r: number, attributes: Attributes): string {
  return element('circle', { cx: centre.x, cy: centre.y, r, ...attributes });
}

/** Escapes text for use inside an SVG element. */
export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
