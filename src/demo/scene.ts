/**
 * The place where a seller photographs the bike: one scene per ad (a room, a brick wall, a garage,
 * a garden, a street, a park), with its wall or sky, its floor and a few objects, drawn as SVG in
 * world millimetres. World y = 0 is the ground the bike stands on (negative y is up); the bike
 * stands around x = 0. Photos of the other side of the bike look at another stretch of the scene.
 */
import { createRandom, type Random } from '../util/rng.js';
import { hslToHex, luminance, mix, shade } from './colour.js';
import { chance, pick, uniform, weightedPick } from './random.js';

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
const f = (v: number): string => String(Math.round(v * 10) / 10);

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

function rect(x: number, y: number, w: number, h: number, fill: string, extra = ''): string {
  return `<rect x="${f(x)}" y="${f(y)}" width="${f(w)}" height="${f(h)}" fill="${fill}"${extra}/>`;
}

function drawObject(o: SceneObject): string {
  const left = o.x - o.width / 2;
  const base = -o.lift;
  const top = base - o.height;
  switch (o.kind) {
    case 'window': {
      let svg = rect(left - 60, top - 60, o.width + 120, o.height + 120, o.colour);
      svg += rect(left, top, o.width, o.height, o.detail);
      svg += rect(left, top, o.width, o.height * 0.35, mix(o.detail, '#ffffff', 0.4));
      svg += `<path d="M${f(o.x)} ${f(top)}V${f(base)}M${f(left)} ${f(top + o.height * 0.45)}H${f(left + o.width)}" stroke="${o.colour}" stroke-width="50"/>`;
      return svg + rect(left - 90, base + 50, o.width + 180, 50, shade(o.colour, -0.1));
    }
    case 'door': {
      let svg = rect(left - 50, top - 50, o.width + 100, o.height + 50, shade(o.colour, 0.2));
      svg += rect(left, top, o.width, o.height, o.colour);
      svg += `<path d="M${f(left + 90)} ${f(top + 120)}h${f(o.width - 180)}v${f(o.height * 0.38)}h-${f(o.width - 180)}zM${f(left + 90)} ${f(top + o.height * 0.5)}h${f(o.width - 180)}v${f(o.height * 0.42)}h-${f(o.width - 180)}z" fill="none" stroke="${shade(o.colour, -0.15)}" stroke-width="22"/>`;
      return (
        svg +
        `<circle cx="${f(left + o.width - 90)}" cy="${f(top + o.height * 0.5)}" r="35" fill="${o.detail}"/>`
      );
    }
    case 'frame':
      return (
        rect(left, top, o.width, o.height, o.colour) +
        rect(left + 45, top + 45, o.width - 90, o.height - 90, '#f3f0e8') +
        rect(left + 110, top + 110, o.width - 220, o.height - 220, o.detail)
      );
    case 'radiator': {
      let d = '';
      for (let x = left + 40; x < left + o.width - 20; x += 80)
        d += `M${f(x)} ${f(top + 30)}V${f(base - 30)}`;
      return (
        rect(left, top, o.width, o.height, o.colour, ' rx="30"') +
        `<path d="${d}" stroke="${o.detail}" stroke-width="26"/>`
      );
    }
    case 'shelf': {
      let svg = `<path d="M${f(left)} ${f(base)}V${f(top)}M${f(left + o.width)} ${f(base)}V${f(top)}" stroke="${o.colour}" stroke-width="50"/>`;
      for (let i = 0; i < 4; i++) {
        const y = top + (o.height * i) / 3.2 + 40;
        svg += rect(left, y, o.width, 35, shade(o.colour, 0.1));
        svg += rect(left + 80 + i * 90, y - 260, 380, 260, shade(o.detail, i * 0.08 - 0.1));
        if (i % 2 === 0)
          svg += rect(left + 560 + i * 40, y - 180, 260, 180, shade(o.detail, 0.15), ' rx="20"');
      }
      return svg;
    }
    case 'building': {
      const svg = rect(left, top, o.width, o.height, o.colour);
      let d = '';
      for (let y = top + 300; y < base - 700; y += 900) {
        for (let x = left + 300; x < left + o.width - 500; x += 800)
          d += `M${f(x)} ${f(y)}h400v550h-400z`;
      }
      return (
        svg +
        `<path d="${d}" fill="${o.detail}"/>` +
        rect(left, top, o.width, 160, shade(o.colour, -0.2))
      );
    }
    case 'tree':
      return (
        rect(o.x - 110, base - o.height * 0.45, 220, o.height * 0.45, o.colour) +
        `<ellipse cx="${f(o.x)}" cy="${f(top + o.height * 0.32)}" rx="${f(o.width / 2)}" ry="${f(o.height * 0.35)}" fill="${o.detail}"/>` +
        `<ellipse cx="${f(o.x - o.width * 0.2)}" cy="${f(top + o.height * 0.25)}" rx="${f(o.width / 3)}" ry="${f(o.height * 0.22)}" fill="${shade(o.detail, 0.12)}"/>`
      );
    case 'bush':
      return (
        `<ellipse cx="${f(o.x)}" cy="${f(base - o.height / 2)}" rx="${f(o.width / 2)}" ry="${f(o.height / 2)}" fill="${o.detail}"/>` +
        `<ellipse cx="${f(o.x - o.width * 0.18)}" cy="${f(base - o.height * 0.62)}" rx="${f(o.width / 3.2)}" ry="${f(o.height / 3)}" fill="${shade(o.detail, 0.12)}"/>`
      );
    case 'box':
      return (
        rect(left, top, o.width, o.height, o.colour) +
        rect(left, top, o.width, o.height * 0.12, shade(o.colour, 0.15)) +
        rect(o.x - 40, top, 80, o.height * 0.5, o.detail)
      );
    case 'ball':
      return (
        `<circle cx="${f(o.x)}" cy="${f(base - o.width / 2)}" r="${f(o.width / 2)}" fill="${o.colour}"/>` +
        `<path d="M${f(o.x - o.width / 2)} ${f(base - o.width / 2)}Q${f(o.x)} ${f(base - o.width * 0.2)} ${f(o.x + o.width / 2)} ${f(base - o.width / 2)}" fill="none" stroke="${o.detail}" stroke-width="20"/>`
      );
    case 'plant': {
      const pot = o.width * 0.9;
      let svg = `<path d="M${f(o.x - o.width / 2)} ${f(base - pot)}h${f(o.width)}l-60 ${f(pot)}h${f(-o.width + 120)}z" fill="${o.colour}"/>`;
      for (let i = 0; i < 5; i++) {
        const cx = o.x + (i - 2) * o.width * 0.22;
        const cy = base - pot - (o.height - pot) * (0.35 + 0.15 * ((i * 7) % 3));
        svg += `<ellipse cx="${f(cx)}" cy="${f(cy)}" rx="${f(o.width * 0.32)}" ry="${f((o.height - pot) * 0.4)}" fill="${shade(o.detail, (i % 3) * 0.08)}"/>`;
      }
      return svg;
    }
    case 'bucket':
      return (
        `<path d="M${f(left)} ${f(top)}h${f(o.width)}l-40 ${f(o.height)}h${f(-o.width + 80)}z" fill="${o.colour}"/>` +
        `<path d="M${f(left)} ${f(top)}Q${f(o.x)} ${f(top - o.height * 0.7)} ${f(left + o.width)} ${f(top)}" fill="none" stroke="${o.detail}" stroke-width="12"/>`
      );
    case 'cone':
      return (
        `<path d="M${f(left)} ${f(base)}h${f(o.width)}l-${f(o.width * 0.38)} ${f(-o.height)}h${f(-o.width * 0.24)}z" fill="${o.colour}"/>` +
        rect(
          o.x - o.width * 0.28,
          base - o.height * 0.55,
          o.width * 0.56,
          o.height * 0.14,
          o.detail,
        ) +
        rect(left - 30, base - 40, o.width + 60, 40, shade(o.colour, -0.2))
      );
    case 'bin':
      return (
        rect(left, top + 60, o.width, o.height - 60, o.colour, ' rx="20"') +
        rect(left - 30, top, o.width + 60, 80, o.detail, ' rx="20"')
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
      let d = '';
      let y = y0;
      let gap = s.floorStyle === 'planks' ? 55 : 110;
      while (y < BOTTOM) {
        d += `M${-WIDTH / 2} ${f(y)}H${WIDTH / 2}`;
        y += gap;
        gap *= 1.45;
      }
      const spacing = s.floorStyle === 'planks' ? 1400 : 600;
      for (let x = -WIDTH / 2; x <= WIDTH / 2; x += spacing) {
        if (s.floorStyle === 'tiles') d += `M${f(x * 0.35)} ${f(y0)}L${f(x * 1.8)} ${BOTTOM}`;
      }
      svg += `<path d="${d}" stroke="${line}" stroke-width="${s.floorStyle === 'planks' ? 8 : 14}"/>`;
      if (s.floorStyle === 'planks') {
        let seams = '';
        for (let i = 0; i < 60; i++) {
          const x = uniform(random, -WIDTH / 2, WIDTH / 2);
          const yy = uniform(random, y0, BOTTOM);
          seams += `M${f(x)} ${f(yy)}v${f(40 + (yy - y0) * 0.2)}`;
        }
        svg += `<path d="${seams}" stroke="${line}" stroke-width="10"/>`;
      }
      break;
    }
    case 'grass': {
      for (let i = 0; i < 16; i++) {
        const y = y0 + ((BOTTOM - y0) * i) / 16 + 40;
        const colour = shade(s.floor, uniform(random, -0.25, 0.15));
        const width = 30 + i * 6;
        svg += `<path d="M${-WIDTH / 2} ${f(y)}H${WIDTH / 2}" stroke="${colour}" stroke-width="${f(width * 2)}" stroke-dasharray="${f(width * 0.4)} ${f(width * 0.7)} ${f(width * 0.25)} ${f(width * 1.1)}" stroke-dashoffset="${f(uniform(random, 0, 500))}"/>`;
      }
      break;
    }
    case 'paving': {
      let d = '';
      let y = y0;
      let gap = 70;
      while (y < BOTTOM) {
        d += `M${-WIDTH / 2} ${f(y)}H${WIDTH / 2}`;
        y += gap;
        gap *= 1.3;
      }
      for (let x = -WIDTH / 2; x <= WIDTH / 2; x += 450)
        d += `M${f(x * 0.4)} ${f(y0)}L${f(x * 2.2)} ${BOTTOM}`;
      svg += `<path d="${d}" stroke="${line}" stroke-width="12"/>`;
      break;
    }
    case 'concrete':
    case 'asphalt':
    case 'carpet': {
      for (let i = 0; i < 8; i++) {
        svg += `<ellipse cx="${f(uniform(random, -5000, 5000))}" cy="${f(uniform(random, y0 + 200, BOTTOM - 300))}" rx="${f(uniform(random, 200, 900))}" ry="${f(uniform(random, 60, 250))}" fill="${shade(s.floor, uniform(random, -0.12, 0.08))}" fill-opacity="0.6"/>`;
      }
      if (s.floorStyle === 'concrete') {
        svg += `<path d="M-${WIDTH / 2} ${f(y0 + 900)}H${WIDTH / 2}M-1500 ${f(y0)}L-2600 ${BOTTOM}M2500 ${f(y0)}L4600 ${BOTTOM}" stroke="${line}" stroke-width="14"/>`;
      }
      break;
    }
  }
  return svg;
}

function drawBackdrop(s: SceneSpec, random: Random): string {
  const y0 = -s.horizon;
  const height = y0 - TOP;
  let svg = '';
  if (s.sky) svg += rect(-WIDTH / 2, TOP, WIDTH, height, 'url(#scene-sky)');
  const u = 1000 * s.texture;
  switch (s.kind) {
    case 'room':
      svg += rect(-WIDTH / 2, TOP, WIDTH, height, s.wall);
      svg += rect(
        -WIDTH / 2,
        y0 - 110,
        WIDTH,
        110,
        pick(random, ['#f4f4f0', shade(s.wall, -0.25), '#8a6a48']),
      );
      break;
    case 'brick':
      svg += rect(-WIDTH / 2, TOP, WIDTH, height, 'url(#scene-brick)');
      break;
    case 'garage': {
      svg += rect(-WIDTH / 2, TOP, WIDTH, height, s.wall);
      let d = '';
      const blockH = 200 * s.texture;
      for (let y = y0 - blockH, row = 0; y > TOP; y -= blockH, row++) {
        d += `M${-WIDTH / 2} ${f(y)}H${WIDTH / 2}`;
        for (
          let x = -WIDTH / 2 + (row % 2) * 200 * s.texture;
          x < WIDTH / 2;
          x += 400 * s.texture
        ) {
          d += `M${f(x)} ${f(y)}v${f(blockH)}`;
        }
      }
      svg += `<path d="${d}" stroke="${shade(s.wall, -0.15)}" stroke-width="14"/>`;
      break;
    }
    case 'garden': {
      const top = y0 - uniform(random, 700, 1500);
      if (luminance(s.wall) < 0.3) {
        svg += rect(-WIDTH / 2, top, WIDTH, y0 - top, s.wall);
        let d = '';
        for (let i = 0; i < 90; i++) {
          d += `M${f(uniform(random, -WIDTH / 2, WIDTH / 2))} ${f(uniform(random, top, y0))}h1`;
        }
        svg += `<path d="${d}" stroke="${shade(s.wall, 0.15)}" stroke-width="220" stroke-linecap="round"/>`;
        svg += `<path d="M${-WIDTH / 2} ${f(top)}H${WIDTH / 2}" stroke="${s.wall}" stroke-width="200" stroke-linecap="round" stroke-dasharray="1 260"/>`;
      } else {
        svg += rect(-WIDTH / 2, top, WIDTH, y0 - top, s.wall);
        let d = '';
        for (let x = -WIDTH / 2; x < WIDTH / 2; x += 160 * s.texture)
          d += `M${f(x)} ${f(top)}V${f(y0)}`;
        svg += `<path d="${d}" stroke="${shade(s.wall, -0.3)}" stroke-width="14"/>`;
        svg += `<path d="M${-WIDTH / 2} ${f(top + 250)}H${WIDTH / 2}M${-WIDTH / 2} ${f(y0 - 250)}H${WIDTH / 2}" stroke="${shade(s.wall, -0.2)}" stroke-width="90"/>`;
      }
      break;
    }
    case 'street': {
      let x = -WIDTH / 2;
      while (x < WIDTH / 2) {
        const w = uniform(random, 2500, 5000);
        const h = uniform(random, 2500, 4500);
        const facade = shade(s.wall, uniform(random, -0.2, 0.2));
        svg += rect(x, y0 - h, w, h, facade);
        let windows = '';
        for (let wy = y0 - h + 300; wy < y0 - 900; wy += 900) {
          for (let wx = x + 300; wx < x + w - 500; wx += 800)
            windows += `M${f(wx)} ${f(wy)}h400v550h-400z`;
        }
        svg += `<path d="${windows}" fill="${shade(facade, -0.45)}"/>`;
        svg += rect(x, y0 - h, w, 150, shade(facade, -0.25));
        const shop = uniform(random, 0.35, 0.6) * w;
        const glass = hslToHex(
          uniform(random, 190, 220),
          uniform(random, 0.1, 0.3),
          uniform(random, 0.2, 0.4),
        );
        svg += rect(x + 250, y0 - 2300, shop, 2000, shade(facade, -0.3));
        svg += rect(x + 300, y0 - 2250, shop - 100, 1900, glass);
        svg += `<path d="M${f(x + 300)} ${f(y0 - 1000)}l${f(shop * 0.4)} -1250h${f(shop * 0.15)}l${f(-shop * 0.4)} 1250z" fill="#ffffff" fill-opacity="0.12"/>`;
        svg += rect(x + shop + 500, y0 - 2100, 900, 2100, shade(facade, -0.35));
        x += w;
      }
      svg += rect(-WIDTH / 2, y0 - 140, WIDTH, 140, shade(s.floor, 0.3));
      break;
    }
    case 'park': {
      const band = y0 - u * uniform(random, 0.35, 0.7);
      let d = '';
      for (let x = -WIDTH / 2; x < WIDTH / 2; x += 700)
        d += `M${f(x)} ${f(band + uniform(random, -300, 300))}h1`;
      svg += rect(-WIDTH / 2, band, WIDTH, y0 - band, s.wall);
      svg += `<path d="${d}" stroke="${s.wall}" stroke-width="900" stroke-linecap="round"/>`;
      break;
    }
  }
  return svg;
}

/**
 * Draws a scene as SVG in world millimetres: `defs` (gradients and patterns, ids `scene-*`) and
 * `svg` (elements). The same spec always gives the same drawing.
 */
export function drawScene(s: SceneSpec): { defs: string; svg: string } {
  const random = createRandom(s.detailSeed);
  let defs = '';
  if (s.sky) {
    defs += `<linearGradient id="scene-sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${s.sky[0]}"/><stop offset="1" stop-color="${s.sky[1]}"/></linearGradient>`;
  }
  if (s.kind === 'brick') {
    const w = 230 * s.texture;
    const h = 76 * s.texture;
    const mortar = shade(s.wall, 0.45);
    defs +=
      `<pattern id="scene-brick" patternUnits="userSpaceOnUse" width="${f(w)}" height="${f(2 * h)}">` +
      rect(0, 0, w, 2 * h, s.wall) +
      rect(w * 0.05, h * 0.1, w * 0.4, h * 0.8, shade(s.wall, 0.08)) +
      rect(w * 0.55, h * 1.1, w * 0.4, h * 0.8, shade(s.wall, -0.08)) +
      `<path d="M0 0H${f(w)}M0 ${f(h)}H${f(w)}M${f(w / 2)} 0V${f(h)}M0 ${f(h)}V${f(2 * h)}" stroke="${mortar}" stroke-width="${f(h * 0.16)}"/>` +
      '</pattern>';
  }
  const shadeSide = s.lightSide > 0 ? 0 : 1;
  defs += `<linearGradient id="scene-light" x1="${shadeSide}" y1="0" x2="${1 - shadeSide}" y2="0.3"><stop offset="0" stop-color="#000" stop-opacity="0"/><stop offset="1" stop-color="#000" stop-opacity="${f(0.1 + Math.abs(s.lightSide) * 0.2)}"/></linearGradient>`;

  let svg = drawBackdrop(s, random);
  const wallObjects = s.objects.filter((o) => o.lift >= s.horizon);
  const floorObjects = s.objects.filter((o) => o.lift < s.horizon).sort((a, b) => b.lift - a.lift);
  for (const o of wallObjects) svg += drawObject(o);
  svg += drawFloor(s, random);
  for (const o of floorObjects) {
    // Farther objects (base higher up the floor) look smaller.
    const k = 1 - (0.4 * o.lift) / s.horizon;
    svg += `<g transform="translate(${f(o.x)} ${f(-o.lift)}) scale(${f(k)}) translate(${f(-o.x)} ${f(o.lift)})">${drawObject(o)}</g>`;
  }
  svg += rect(-WIDTH / 2, TOP, WIDTH, BOTTOM - TOP, 'url(#scene-light)');
  return { defs, svg };
}
