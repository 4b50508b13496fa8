/**
 * The place where a seller photographs the bike: one scene per ad (a room, a brick wall, a garage,
 * a garden, a street, a park), with its wall or sky, its floor and a few objects, drawn as SVG in
 * world millimetres. World y = 0 is the ground the bike stands on (negative y is up); the bike
 * stands around x = 0. Photos of the other side of the bike look at another stretch of the scene.
 */
import { createRandom, type Random } from '../util/rng.js';
import { hslToHex, luminance, mix, shade } from './colour.js';
import { chance, pick, uniform, weightedPick } from './random.js';
import { circle, element, num, rect, ROUND, shape, stroke, type Attributes } from './svg.js';

/** The kinds of scene. */
export type SceneKind = 'room' | 'brick' | 'garage' | 'garden' | 'street' | 'park';

/** An object standing in the scene (a box, a plant, a window...). */
export interface SceneObject {
  kind:
    | 'box'
    | 'ball'
    | 'plant'
    | 'bucket'
    | 'cone'
    | 'bin'
    | 'window'
    | 'door'
    | 'frame'
    | 'radiator'
    | 'shelf'
    | 'tree'
    | 'building'
    | 'bush';
  /** Centre x in world millimetres. */
  x: number;
  /** Width in millimetres. */
  width: number;
  /** Height in millimetres. */
  height: number;
  /** Height of the object's base above the ground (wall items hang), millimetres. */
  lift: number;
  colour: string;
  /** A second colour (a frame, a label, foliage). */
  detail: string;
}

/** Everything needed to draw one ad's scene. */
export interface SceneSpec {
  kind: SceneKind;
  /** Wall, fence, hedge or sky-facing colour behind the bike. */
  wall: string;
  /** Floor or ground colour. */
  floor: string;
  floorStyle: 'planks' | 'tiles' | 'concrete' | 'carpet' | 'grass' | 'asphalt' | 'paving';
  /** Apparent height of the wall–floor line above the bike's ground line, 250–700 mm. */
  horizon: number;
  /** Sky gradient top and bottom colours (outdoor scenes). */
  sky?: readonly [string, string];
  /** Size of one unit of the wall texture (bricks, planks, blocks), millimetres. */
  texture: number;
  /** Light falling from the left (−1) or right (1) across the wall. */
  lightSide: number;
  /** Warm (1) or cool (−1) light, applied by the photo as white balance. */
  warmth: number;
  objects: SceneObject[];
  /** Seed of the small texture details (plank seams, grass tufts), the same in every photo. */
  detailSeed: number;
}

const WIDTH = 14000;
const TOP = -4500;
const BOTTOM = 3000;

function wallPaint(random: Random): string {
  return weightedPick(random, [
    [hslToHex(uniform(random, 30, 60), uniform(random, 0.1, 0.35), uniform(random, 0.78, 0.92)), 3],
    [hslToHex(uniform(random, 0, 360), uniform(random, 0.15, 0.45), uniform(random, 0.55, 0.8)), 2],
    [
      hslToHex(uniform(random, 190, 230), uniform(random, 0.03, 0.12), uniform(random, 0.6, 0.88)),
      2,
    ],
  ] as const);
}

function skyColours(random: Random): readonly [string, string] {
  const overcast = chance(random, 0.35);
  const top = overcast
    ? hslToHex(uniform(random, 200, 220), uniform(random, 0.05, 0.15), uniform(random, 0.7, 0.82))
    : hslToHex(uniform(random, 200, 218), uniform(random, 0.5, 0.75), uniform(random, 0.5, 0.66));
  const bottom = mix(top, '#ffffff', uniform(random, 0.35, 0.7));
  return [top, bottom];
}

/** Objects that stand or hang in a scene of this kind. */
function drawObjects(random: Random, kind: SceneKind, horizon: number): SceneObject[] {
  const objects: SceneObject[] = [];
  const spots = [-3600, -2600, -1700, 1700, 2600, 3600, 4700, -4700];
  const place = () =>
    spots.splice(Math.floor(random() * spots.length), 1)[0] + uniform(random, -250, 250);
  const add = (object: Omit<SceneObject, 'x'>, x = place()) => objects.push({ ...object, x });
  const anyColour = () =>
    hslToHex(uniform(random, 0, 360), uniform(random, 0.3, 0.8), uniform(random, 0.35, 0.65));
  const cardboard = () =>
    hslToHex(uniform(random, 28, 38), uniform(random, 0.35, 0.5), uniform(random, 0.45, 0.6));

  const wallItems: Record<SceneKind, readonly SceneObject['kind'][]> = {
    room: ['window', 'door', 'frame', 'frame', 'radiator', 'shelf'],
    brick: ['window', 'door'],
    garage: ['shelf', 'shelf', 'door', 'window'],
    garden: [],
    street: ['tree', 'door'],
    park: ['tree', 'tree', 'tree', 'bush'],
  };
  const floorItems: Record<SceneKind, readonly SceneObject['kind'][]> = {
    room: ['plant', 'box', 'ball', 'bin'],
    brick: ['bin', 'plant', 'bucket', 'box'],
    garage: ['box', 'box', 'bucket', 'cone', 'bin'],
    garden: ['plant', 'bush', 'bucket', 'ball', 'bush'],
    street: ['bin', 'cone', 'plant'],
    park: ['bush', 'ball', 'bin'],
  };
  const wallCount = wallItems[kind].length === 0 ? 0 : 1 + Math.floor(random() * 3);
  for (let i = 0; i < wallCount; i++) {
    const item = pick(random, wallItems[kind]);
    switch (item) {
      case 'window':
        add({
          kind: item,
          width: uniform(random, 700, 1300),
          height: uniform(random, 800, 1300),
          lift: horizon + uniform(random, 600, 900),
          colour: '#f4f4f0',
          detail: hslToHex(205, 0.4, uniform(random, 0.7, 0.85)),
        });
        break;
      case 'door':
        add({
          kind: item,
          width: uniform(random, 800, 950),
          height: 2050,
          lift: horizon,
          colour: pick(random, ['#f2f0ea', '#8a5a3a', '#6f4a30', anyColour()]),
          detail: '#c9b26a',
        });
        break;
      case 'frame':
        add({
          kind: item,
          width: uniform(random, 350, 800),
          height: uniform(random, 300, 700),
          lift: horizon + uniform(random, 1100, 1500),
          colour: pick(random, ['#1a1a1a', '#c9a45a', '#f5f5f5', '#6b4a2f']),
          detail: anyColour(),
        });
        break;
      case 'radiator':
        add({
          kind: item,
          width: uniform(random, 600, 1200),
          height: uniform(random, 450, 650),
          lift: horizon + 120,
          colour: '#eeeeea',
          detail: '#d6d6d0',
        });
        break;
      case 'shelf':
        add({
          kind: item,
          width: uniform(random, 900, 1600),
          height: uniform(random, 1400, 1900),
          lift: horizon,
          colour: pick(random, ['#8a6a48', '#7b7f84', '#b89a70']),
          detail: cardboard(),
        });
        break;
      case 'building':
        add({
          kind: item,
          width: uniform(random, 2500, 5000),
          height: uniform(random, 3000, 6000),
          lift: horizon,
          colour: hslToHex(
            uniform(random, 0, 60),
            uniform(random, 0.05, 0.35),
            uniform(random, 0.45, 0.8),
          ),
          detail: hslToHex(210, 0.2, uniform(random, 0.25, 0.45)),
        });
        break;
      case 'tree':
        add({
          kind: item,
          width: uniform(random, 1500, 3200),
          height: uniform(random, 2800, 4500),
          lift: horizon,
          colour: '#5a4330',
          detail: hslToHex(
            uniform(random, 85, 130),
            uniform(random, 0.3, 0.55),
            uniform(random, 0.22, 0.38),
          ),
        });
        break;
      case 'bush':
        add({
          kind: item,
          width: uniform(random, 1200, 2400),
          height: uniform(random, 700, 1200),
          lift: horizon,
          colour: '#4a3a28',
          detail: hslToHex(
            uniform(random, 90, 130),
            uniform(random, 0.3, 0.5),
            uniform(random, 0.25, 0.4),
          ),
        });
        break;
      default:
        break;
    }
  }
  const floorCount = 1 + Math.floor(random() * 3);
  for (let i = 0; i < floorCount; i++) {
    const item = pick(random, floorItems[kind]);
    const lift = uniform(random, 30, Math.max(40, horizon - 40));
    switch (item) {
      case 'box':
        add({
          kind: item,
          width: uniform(random, 350, 700),
          height: uniform(random, 250, 550),
          lift,
          colour: cardboard(),
          detail: '#c8b48a',
        });
        break;
      case 'ball':
        add({
          kind: item,
          width: uniform(random, 200, 300),
          height: 0,
          lift,
          colour: anyColour(),
          detail: '#ffffff',
        });
        break;
      case 'plant':
        add({
          kind: item,
          width: uniform(random, 300, 500),
          height: uniform(random, 600, 1200),
          lift,
          colour: pick(random, ['#b5651d', '#d8d4cc', '#2e2e2e', anyColour()]),
          detail: hslToHex(
            uniform(random, 90, 140),
            uniform(random, 0.35, 0.6),
            uniform(random, 0.25, 0.42),
          ),
        });
        break;
      case 'bucket':
        add({
          kind: item,
          width: uniform(random, 280, 380),
          height: uniform(random, 280, 380),
          lift,
          colour: anyColour(),
          detail: '#555555',
        });
        break;
      case 'cone':
        add({
          kind: item,
          width: 320,
          height: uniform(random, 450, 700),
          lift,
          colour: '#f06a12',
          detail: '#f4f4f4',
        });
        break;
      case 'bin':
        add({
          kind: item,
          width: uniform(random, 450, 600),
          height: uniform(random, 800, 1050),
          lift,
          colour: pick(random, ['#2f5e2f', '#3a3a3a', '#2a4f8a', '#8a8a8a']),
          detail: '#1f1f1f',
        });
        break;
      case 'bush':
        add({
          kind: item,
          width: uniform(random, 900, 1600),
          height: uniform(random, 600, 1000),
          lift,
          colour: '#4a3a28',
          detail: hslToHex(
            uniform(random, 90, 130),
            uniform(random, 0.3, 0.5),
            uniform(random, 0.25, 0.4),
          ),
        });
        break;
      default:
        break;
    }
  }
  return objects;
}

/** Draws a random scene for one ad. */
export function randomScene(random: Random): SceneSpec {
  const kind = weightedPick(random, [
    ['room', 0.26],
    ['brick', 0.16],
    ['garage', 0.18],
    ['garden', 0.14],
    ['street', 0.14],
    ['park', 0.12],
  ] as const);
  const outdoor = kind === 'garden' || kind === 'street' || kind === 'park';
  const horizon = outdoor ? uniform(random, 350, 750) : uniform(random, 250, 650);
  let wall: string;
  let floor: string;
  let floorStyle: SceneSpec['floorStyle'];
  switch (kind) {
    case 'room':
      wall = wallPaint(random);
      floorStyle = pick(random, ['planks', 'planks', 'tiles', 'carpet'] as const);
      floor =
        floorStyle === 'planks'
          ? hslToHex(
              uniform(random, 22, 38),
              uniform(random, 0.3, 0.55),
              uniform(random, 0.35, 0.62),
            )
          : floorStyle === 'tiles'
            ? hslToHex(
                uniform(random, 0, 360),
                uniform(random, 0, 0.12),
                uniform(random, 0.6, 0.85),
              )
            : hslToHex(
                uniform(random, 0, 360),
                uniform(random, 0.05, 0.3),
                uniform(random, 0.3, 0.6),
              );
      break;
    case 'brick':
      wall = hslToHex(
        uniform(random, 5, 25),
        uniform(random, 0.35, 0.6),
        uniform(random, 0.32, 0.5),
      );
      floorStyle = pick(random, ['paving', 'concrete', 'asphalt'] as const);
      floor = hslToHex(
        uniform(random, 20, 220),
        uniform(random, 0, 0.08),
        uniform(random, 0.4, 0.65),
      );
      break;
    case 'garage':
      wall = pick(random, [wallPaint(random), hslToHex(0, 0, uniform(random, 0.55, 0.8))]);
      floorStyle = 'concrete';
      floor = hslToHex(
        uniform(random, 30, 220),
        uniform(random, 0, 0.06),
        uniform(random, 0.45, 0.65),
      );
      break;
    case 'garden':
      wall = chance(random, 0.5)
        ? hslToHex(uniform(random, 22, 34), uniform(random, 0.3, 0.5), uniform(random, 0.3, 0.5))
        : hslToHex(uniform(random, 95, 130), uniform(random, 0.3, 0.5), uniform(random, 0.2, 0.32));
      floorStyle = 'grass';
      floor = hslToHex(
        uniform(random, 80, 115),
        uniform(random, 0.35, 0.6),
        uniform(random, 0.3, 0.45),
      );
      break;
    case 'street':
      wall = hslToHex(
        uniform(random, 0, 60),
        uniform(random, 0.05, 0.3),
        uniform(random, 0.5, 0.75),
      );
      floorStyle = pick(random, ['asphalt', 'paving'] as const);
      floor = hslToHex(
        uniform(random, 200, 230),
        uniform(random, 0, 0.06),
        uniform(random, 0.3, 0.55),
      );
      break;
    case 'park':
      wall = hslToHex(
        uniform(random, 90, 130),
        uniform(random, 0.3, 0.5),
        uniform(random, 0.28, 0.4),
      );
      floorStyle = chance(random, 0.7) ? 'grass' : 'paving';
      floor =
        floorStyle === 'grass'
          ? hslToHex(
              uniform(random, 75, 110),
              uniform(random, 0.35, 0.6),
              uniform(random, 0.33, 0.48),
            )
          : hslToHex(
              uniform(random, 30, 45),
              uniform(random, 0.15, 0.3),
              uniform(random, 0.55, 0.7),
            );
      break;
  }
  return {
    kind,
    wall,
    floor,
    floorStyle,
    horizon,
    sky: outdoor ? skyColours(random) : undefined,
    texture: uniform(random, 0.85, 1.2),
    lightSide: uniform(random, -1, 1),
    warmth: kind === 'room' ? uniform(random, 0, 1) : uniform(random, -0.8, 0.6),
    objects: drawObjects(random, kind, horizon),
    detailSeed: Math.floor(random() * 4294967296),
  };
}

/** An ellipse centred on (cx, cy). */
function ellipse(cx: number, cy: number, rx: number, ry: number, fill: string, extra = {}): string {
  return element('ellipse', { cx, cy, rx, ry, fill, ...extra });
}

/** A horizontal line across the whole scene at height y (world millimetres). */
function across(y: number): string {
  return `M${-WIDTH / 2} ${num(y)}H${WIDTH / 2}`;
}

function drawObject(o: SceneObject): string {
  const left = o.x - o.width / 2;
  const right = left + o.width;
  const base = -o.lift;
  const top = base - o.height;
  switch (o.kind) {
    case 'window': {
      let svg = rect(left - 60, top - 60, o.width + 120, o.height + 120, o.colour);
      svg += rect(left, top, o.width, o.height, o.detail);
      svg += rect(left, top, o.width, o.height * 0.35, mix(o.detail, '#ffffff', 0.4));
      const bars = `M${num(o.x)} ${num(top)}V${num(base)}`;
      const transom = `M${num(left)} ${num(top + o.height * 0.45)}H${num(right)}`;
      svg += stroke(bars + transom, o.colour, 50);
      return svg + rect(left - 90, base + 50, o.width + 180, 50, shade(o.colour, -0.1));
    }
    case 'door': {
      let svg = rect(left - 50, top - 50, o.width + 100, o.height + 50, shade(o.colour, 0.2));
      svg += rect(left, top, o.width, o.height, o.colour);
      const panel = (y: number, h: number) =>
        `M${num(left + 90)} ${num(y)}h${num(o.width - 180)}v${num(h)}h-${num(o.width - 180)}z`;
      const panels =
        panel(top + 120, o.height * 0.38) + panel(top + o.height * 0.5, o.height * 0.42);
      svg += stroke(panels, shade(o.colour, -0.15), 22);
      return svg + circle({ x: right - 90, y: top + o.height * 0.5 }, 35, { fill: o.detail });
    }
    case 'frame':
      return (
        rect(left, top, o.width, o.height, o.colour) +
        rect(left + 45, top + 45, o.width - 90, o.height - 90, '#f3f0e8') +
        rect(left + 110, top + 110, o.width - 220, o.height - 220, o.detail)
      );
    case 'radiator': {
      let d = '';
      for (let x = left + 40; x < right - 20; x += 80)
        d += `M${num(x)} ${num(top + 30)}V${num(base - 30)}`;
      return rect(left, top, o.width, o.height, o.colour, { rx: 30 }) + stroke(d, o.detail, 26);
    }
    case 'shelf': {
      const posts = `M${num(left)} ${num(base)}V${num(top)}M${num(right)} ${num(base)}V${num(top)}`;
      let svg = stroke(posts, o.colour, 50);
      for (let i = 0; i < 4; i++) {
        const y = top + (o.height * i) / 3.2 + 40;
        svg += rect(left, y, o.width, 35, shade(o.colour, 0.1));
        svg += rect(left + 80 + i * 90, y - 260, 380, 260, shade(o.detail, i * 0.08 - 0.1));
        if (i % 2 === 0) {
          svg += rect(left + 560 + i * 40, y - 180, 260, 180, shade(o.detail, 0.15), { rx: 20 });
        }
      }
      return svg;
    }
    case 'building': {
      let windows = '';
      for (let y = top + 300; y < base - 700; y += 900) {
        for (let x = left + 300; x < right - 500; x += 800)
          windows += `M${num(x)} ${num(y)}h400v550h-400z`;
      }
      return (
        rect(left, top, o.width, o.height, o.colour) +
        shape(windows, o.detail) +
        rect(left, top, o.width, 160, shade(o.colour, -0.2))
      );
    }
    case 'tree':
      return (
        rect(o.x - 110, base - o.height * 0.45, 220, o.height * 0.45, o.colour) +
        ellipse(o.x, top + o.height * 0.32, o.width / 2, o.height * 0.35, o.detail) +
        ellipse(
          o.x - o.width * 0.2,
          top + o.height * 0.25,
          o.width / 3,
          o.height * 0.22,
          shade(o.detail, 0.12),
        )
      );
    case 'bush':
      return (
        ellipse(o.x, base - o.height / 2, o.width / 2, o.height / 2, o.detail) +
        ellipse(
          o.x - o.width * 0.18,
          base - o.height * 0.62,
          o.width / 3.2,
          o.height / 3,
          shade(o.detail, 0.12),
        )
      );
    case 'box':
      return (
        rect(left, top, o.width, o.height, o.colour) +
        rect(left, top, o.width, o.height * 0.12, shade(o.colour, 0.15)) +
        rect(o.x - 40, top, 80, o.height * 0.5, o.detail)
      );
    case 'ball': {
      const r = o.width / 2;
      const seam =
        `M${num(left)} ${num(base - r)}` +
        `Q${num(o.x)} ${num(base - o.width * 0.2)} ${num(right)} ${num(base - r)}`;
      return circle({ x: o.x, y: base - r }, r, { fill: o.colour }) + stroke(seam, o.detail, 20);
    }
    case 'plant': {
      const pot = o.width * 0.9;
      let svg = shape(
        `M${num(left)} ${num(base - pot)}h${num(o.width)}l-60 ${num(pot)}h${num(120 - o.width)}z`,
        o.colour,
      );
      for (let i = 0; i < 5; i++) {
        const cx = o.x + (i - 2) * o.width * 0.22;
        const cy = base - pot - (o.height - pot) * (0.35 + 0.15 * ((i * 7) % 3));
        const leaf = shade(o.detail, (i % 3) * 0.08);
        svg += ellipse(cx, cy, o.width * 0.32, (o.height - pot) * 0.4, leaf);
      }
      return svg;
    }
    case 'bucket': {
      const body =
        `M${num(left)} ${num(top)}h${num(o.width)}` + `l-40 ${num(o.height)}h${num(80 - o.width)}z`;
      const handle =
        `M${num(left)} ${num(top)}` +
        `Q${num(o.x)} ${num(top - o.height * 0.7)} ${num(right)} ${num(top)}`;
      return shape(body, o.colour) + stroke(handle, o.detail, 12);
    }
    case 'cone': {
      const body =
        `M${num(left)} ${num(base)}h${num(o.width)}` +
        `l-${num(o.width * 0.38)} ${num(-o.height)}h${num(-o.width * 0.24)}z`;
      return (
        shape(body, o.colour) +
        rect(
          o.x - o.width * 0.28,
          base - o.height * 0.55,
          o.width * 0.56,
          o.height * 0.14,
          o.detail,
        ) +
        rect(left - 30, base - 40, o.width + 60, 40, shade(o.colour, -0.2))
      );
    }
    case 'bin':
      return (
        rect(left, top + 60, o.width, o.height - 60, o.colour, { rx: 20 }) +
        rect(left - 30, top, o.width + 60, 80, o.detail, { rx: 20 })
      );
  }
}

function drawFloor(s: SceneSpec, random: Random): string {
  const y0 = -s.horizon;
  let svg = rect(-WIDTH / 2, y0, WIDTH, BOTTOM - y0, s.floor);
  const line = shade(s.floor, -0.18);
  switch (s.floorStyle) {
    case 'planks':
    case 'tiles': {
      const planks = s.floorStyle === 'planks';
      let d = '';
      let y = y0;
      let gap = planks ? 55 : 110;
      while (y < BOTTOM) {
        d += across(y);
        y += gap;
        gap *= 1.45;
      }
      if (!planks) {
        for (let x = -WIDTH / 2; x <= WIDTH / 2; x += 600) {
          d += `M${num(x * 0.35)} ${num(y0)}L${num(x * 1.8)} ${BOTTOM}`;
        }
      }
      svg += stroke(d, line, planks ? 8 : 14);
      if (planks) {
        let seams = '';
        for (let i = 0; i < 60; i++) {
          const x = uniform(random, -WIDTH / 2, WIDTH / 2);
          const yy = uniform(random, y0, BOTTOM);
          seams += `M${num(x)} ${num(yy)}v${num(40 + (yy - y0) * 0.2)}`;
        }
        svg += stroke(seams, line, 10);
      }
      break;
    }
    case 'grass': {
      for (let i = 0; i < 16; i++) {
        const y = y0 + ((BOTTOM - y0) * i) / 16 + 40;
        const colour = shade(s.floor, uniform(random, -0.25, 0.15));
        const w = 30 + i * 6;
        svg += stroke(across(y), colour, w * 2, {
          'stroke-dasharray': [w * 0.4, w * 0.7, w * 0.25, w * 1.1].map(num).join(' '),
          'stroke-dashoffset': uniform(random, 0, 500),
        });
      }
      break;
    }
    case 'paving': {
      let d = '';
      let y = y0;
      let gap = 70;
      while (y < BOTTOM) {
        d += across(y);
        y += gap;
        gap *= 1.3;
      }
      for (let x = -WIDTH / 2; x <= WIDTH / 2; x += 450) {
        d += `M${num(x * 0.4)} ${num(y0)}L${num(x * 2.2)} ${BOTTOM}`;
      }
      svg += stroke(d, line, 12);
      break;
    }
    case 'concrete':
    case 'asphalt':
    case 'carpet': {
      for (let i = 0; i < 8; i++) {
        const cx = uniform(random, -5000, 5000);
        const cy = uniform(random, y0 + 200, BOTTOM - 300);
        const rx = uniform(random, 200, 900);
        const ry = uniform(random, 60, 250);
        const stain = shade(s.floor, uniform(random, -0.12, 0.08));
        svg += ellipse(cx, cy, rx, ry, stain, { 'fill-opacity': 0.6 });
      }
      if (s.floorStyle === 'concrete') {
        const joints =
          across(y0 + 900) + `M-1500 ${num(y0)}L-2600 ${BOTTOM}M2500 ${num(y0)}L4600 ${BOTTOM}`;
        svg += stroke(joints, line, 14);
      }
      break;
    }
  }
  return svg;
}

/** A street of façades with windows, shop fronts and doors along the horizon. */
function drawStreet(s: SceneSpec, random: Random, y0: number): string {
  let svg = '';
  let x = -WIDTH / 2;
  while (x < WIDTH / 2) {
    const w = uniform(random, 2500, 5000);
    const h = uniform(random, 2500, 4500);
    const facade = shade(s.wall, uniform(random, -0.2, 0.2));
    svg += rect(x, y0 - h, w, h, facade);
    let windows = '';
    for (let wy = y0 - h + 300; wy < y0 - 900; wy += 900) {
      for (let wx = x + 300; wx < x + w - 500; wx += 800)
        windows += `M${num(wx)} ${num(wy)}h400v550h-400z`;
    }
    svg += shape(windows, shade(facade, -0.45));
    svg += rect(x, y0 - h, w, 150, shade(facade, -0.25));
    const shop = uniform(random, 0.35, 0.6) * w;
    const glass = hslToHex(
      uniform(random, 190, 220),
      uniform(random, 0.1, 0.3),
      uniform(random, 0.2, 0.4),
    );
    svg += rect(x + 250, y0 - 2300, shop, 2000, shade(facade, -0.3));
    svg += rect(x + 300, y0 - 2250, shop - 100, 1900, glass);
    const glare =
      `M${num(x + 300)} ${num(y0 - 1000)}l${num(shop * 0.4)} -1250` +
      `h${num(shop * 0.15)}l${num(-shop * 0.4)} 1250z`;
    svg += shape(glare, '#ffffff', { 'fill-opacity': 0.12 });
    svg += rect(x + shop + 500, y0 - 2100, 900, 2100, shade(facade, -0.35));
    x += w;
  }
  return svg + rect(-WIDTH / 2, y0 - 140, WIDTH, 140, shade(s.floor, 0.3));
}

/** A hedge (dark wall colour) or a wooden fence along the horizon, with sky above. */
function drawGarden(s: SceneSpec, random: Random, y0: number): string {
  const top = y0 - uniform(random, 700, 1500);
  let svg = rect(-WIDTH / 2, top, WIDTH, y0 - top, s.wall);
  if (luminance(s.wall) < 0.3) {
    let leaves = '';
    for (let i = 0; i < 90; i++) {
      const x = uniform(random, -WIDTH / 2, WIDTH / 2);
      leaves += `M${num(x)} ${num(uniform(random, top, y0))}h1`;
    }
    svg += stroke(leaves, shade(s.wall, 0.15), 220, ROUND);
    svg += stroke(across(top), s.wall, 200, { ...ROUND, 'stroke-dasharray': '1 260' });
    return svg;
  }
  let planks = '';
  for (let x = -WIDTH / 2; x < WIDTH / 2; x += 160 * s.texture) {
    planks += `M${num(x)} ${num(top)}V${num(y0)}`;
  }
  svg += stroke(planks, shade(s.wall, -0.3), 14);
  svg += stroke(across(top + 250) + across(y0 - 250), shade(s.wall, -0.2), 90);
  return svg;
}

function drawBackdrop(s: SceneSpec, random: Random): string {
  const y0 = -s.horizon;
  const height = y0 - TOP;
  let svg = '';
  if (s.sky) svg += rect(-WIDTH / 2, TOP, WIDTH, height, 'url(#scene-sky)');
  switch (s.kind) {
    case 'room': {
      svg += rect(-WIDTH / 2, TOP, WIDTH, height, s.wall);
      const skirting = pick(random, ['#f4f4f0', shade(s.wall, -0.25), '#8a6a48']);
      svg += rect(-WIDTH / 2, y0 - 110, WIDTH, 110, skirting);
      break;
    }
    case 'brick':
      svg += rect(-WIDTH / 2, TOP, WIDTH, height, 'url(#scene-brick)');
      break;
    case 'garage': {
      svg += rect(-WIDTH / 2, TOP, WIDTH, height, s.wall);
      let d = '';
      const blockH = 200 * s.texture;
      const blockW = 400 * s.texture;
      for (let y = y0 - blockH, row = 0; y > TOP; y -= blockH, row++) {
        d += across(y);
        for (let x = -WIDTH / 2 + (row % 2) * blockW * 0.5; x < WIDTH / 2; x += blockW) {
          d += `M${num(x)} ${num(y)}v${num(blockH)}`;
        }
      }
      svg += stroke(d, shade(s.wall, -0.15), 14);
      break;
    }
    case 'garden':
      svg += drawGarden(s, random, y0);
      break;
    case 'street':
      svg += drawStreet(s, random, y0);
      break;
    case 'park': {
      const band = y0 - 1000 * s.texture * uniform(random, 0.35, 0.7);
      let crowns = '';
      for (let x = -WIDTH / 2; x < WIDTH / 2; x += 700) {
        crowns += `M${num(x)} ${num(band + uniform(random, -300, 300))}h1`;
      }
      svg += rect(-WIDTH / 2, band, WIDTH, y0 - band, s.wall);
      svg += stroke(crowns, s.wall, 900, ROUND);
      break;
    }
  }
  return svg;
}

/** A vertical or slanted two-stop linear gradient (`x1` … `y2` in the box's 0–1 units). */
function gradient(id: string, box: Attributes, from: Attributes, to: Attributes): string {
  const stops = element('stop', { offset: 0, ...from }) + element('stop', { offset: 1, ...to });
  return element('linearGradient', { id, ...box }, stops);
}

/**
 * Draws a scene as SVG in world millimetres: `defs` (gradients and patterns, ids `scene-*`) and
 * `svg` (elements). The same spec always gives the same drawing.
 */
export function drawScene(s: SceneSpec): { defs: string; svg: string } {
  const random = createRandom(s.detailSeed);
  let defs = '';
  if (s.sky) {
    const box = { x1: 0, y1: 0, x2: 0, y2: 1 };
    defs += gradient('scene-sky', box, { 'stop-color': s.sky[0] }, { 'stop-color': s.sky[1] });
  }
  if (s.kind === 'brick') {
    const w = 230 * s.texture;
    const h = 76 * s.texture;
    const mortar =
      `M0 0H${num(w)}M0 ${num(h)}H${num(w)}` +
      `M${num(w / 2)} 0V${num(h)}M0 ${num(h)}V${num(2 * h)}`;
    const tile =
      rect(0, 0, w, 2 * h, s.wall) +
      rect(w * 0.05, h * 0.1, w * 0.4, h * 0.8, shade(s.wall, 0.08)) +
      rect(w * 0.55, h * 1.1, w * 0.4, h * 0.8, shade(s.wall, -0.08)) +
      stroke(mortar, shade(s.wall, 0.45), h * 0.16);
    const pattern = { id: 'scene-brick', patternUnits: 'userSpaceOnUse', width: w, height: 2 * h };
    defs += element('pattern', pattern, tile);
  }
  const dark = s.lightSide > 0 ? 0 : 1;
  defs += gradient(
    'scene-light',
    { x1: dark, y1: 0, x2: 1 - dark, y2: 0.3 },
    { 'stop-color': '#000', 'stop-opacity': 0 },
    { 'stop-color': '#000', 'stop-opacity': 0.1 + Math.abs(s.lightSide) * 0.2 },
  );

  let svg = drawBackdrop(s, random);
  const wallObjects = s.objects.filter((o) => o.lift >= s.horizon);
  const floorObjects = s.objects.filter((o) => o.lift < s.horizon).sort((a, b) => b.lift - a.lift);
  for (const o of wallObjects) svg += drawObject(o);
  svg += drawFloor(s, random);
  for (const o of floorObjects) {
    // Farther objects (base higher up the floor) look smaller.
    const k = 1 - (0.4 * o.lift) / s.horizon;
    const transform =
      `translate(${num(o.x)} ${num(-o.lift)}) scale(${num(k)}) ` +
      `translate(${num(-o.x)} ${num(o.lift)})`;
    svg += element('g', { transform }, drawObject(o));
  }
  svg += rect(-WIDTH / 2, TOP, WIDTH, BOTTOM - TOP, 'url(#scene-light)');
  return { defs, svg };
}
