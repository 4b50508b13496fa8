/**
 * Procedural bicycles for the demo data: a parameter set per ad (`randomBike`, `similarBike`), its
 * frame geometry (`bikeGeometry`) and its SVG drawing seen from either side (`drawBike`).
 *
 * Coordinates are millimetres in SVG orientation (x forward, y down) with the bottom bracket at
 * the origin; the drawing faces right. Seen from the non-drive side the caller mirrors it; the
 * drive-side parts (chainring, chain, cassette, derailleur) are then drawn behind the frame and
 * the parts that live on the left (disc rotors, callipers, kickstand) in front of it.
 */
import type { Random } from '../util/rng.js';
import { COLOUR_FAMILIES, drawColour, hslToHex, luminance, mix, shade } from './colour.js';
import { chance, pick, uniform, weightedPick } from './random.js';
import {
  circle,
  element,
  escapeXml,
  num,
  pt,
  rect,
  ROUND,
  seg,
  shape,
  stroke,
  type Attributes,
  type Point,
} from './svg.js';

export type { Point } from './svg.js';

/** The five kinds of bicycle the generator draws. */
export type BikeType = 'road' | 'hardtail' | 'full-suspension' | 'city' | 'bmx';

/** All bike types, in a fixed order. */
export const BIKE_TYPES: readonly BikeType[] = [
  'road',
  'hardtail',
  'full-suspension',
  'city',
  'bmx',
];

/** Frame and wheel geometry. Lengths in millimetres, angles in degrees from the horizontal. */
export interface Geometry {
  /** Rim bead-seat radius: 311 for 700c/29", 292 for 27.5", 279 for 26", 203 for 20". */
  beadRadius: number;
  /** Tyre section height (≈ tyre width): 25–32 road, 35–50 city, 55–65 MTB and BMX. */
  tyre: number;
  /** Chainstay length, bottom bracket to rear axle. */
  chainstay: number;
  /** Rear and front axle height above the bottom bracket (negative on a BMX: BB rise). */
  bbDrop: number;
  /** Seat tube angle. */
  seatAngle: number;
  /** Seat tube length, bottom bracket to the top of the seat tube. */
  seatTube: number;
  /** Head tube angle. */
  headAngle: number;
  /** Head tube length. */
  headTube: number;
  /** Fork length along the steering axis, axle to crown. */
  forkLength: number;
  /** Fork rake (offset of the front axle ahead of the steering axis). */
  forkRake: number;
  /** Front centre: horizontal distance from the bottom bracket to the front axle. */
  frontCentre: number;
  /** Saddle height, bottom bracket to the saddle rails along the seat tube. */
  saddleHeight: number;
  /** Headset spacers under the stem. */
  spacers: number;
  /** Stem length. */
  stem: number;
  /** Stem angle above the horizontal. */
  stemAngle: number;
  /** How far below the top of the seat tube the top tube joins it (sloping top tubes). */
  topTubeDrop: number;
}

/** Paint, tube sizes and frame details. */
export interface FrameSpec {
  /** Main frame colour, `#rrggbb`. */
  colour: string;
  /** Second colour used by two-tone paint, fades, decals and small parts. */
  accent: string;
  /** solid; two-tone (stays and fork in the accent colour); fade (down tube fades to accent). */
  paint: 'solid' | 'two-tone' | 'fade';
  /** Highlight strength, 0.1 (matte) to 0.6 (gloss). */
  gloss: number;
  /** Multiplies the type's tube diameters: 0.75 thin steel to 1.3 fat aluminium. */
  tubeScale: number;
  /** City bikes only: a low swooping tube instead of a top tube. */
  stepThrough: boolean;
}

/** Brand decals on the frame. */
export interface DecalSpec {
  /** Brand-like word written along the down tube. */
  brand: string;
  /** Model name written small on the top tube. */
  model: string;
  /** Font family (one of the fonts every Debian image has). */
  font: string;
  /** Slanted text. */
  italic: boolean;
  /** Extra space between letters, in em. */
  letterSpacing: number;
  /** Text colour. */
  colour: string;
  /** text only; panel (text on an accent band); bands (stripes across the tube); pinstripe. */
  style: 'text' | 'panel' | 'bands' | 'pinstripe';
  /** Colour of the panel, bands or pinstripe. */
  stripeColour: string;
  /** Centre of the brand text along the down tube, 0 (bottom bracket) to 1 (head tube). */
  position: number;
  /** Text height relative to the down tube diameter, 0.5–0.8. */
  size: number;
  /** Head badge shape on the front of the head tube. */
  badge: 'circle' | 'shield' | 'none';
  /** Head badge colour. */
  badgeColour: string;
}

/** Rims, spokes and tyres (the same on both wheels). */
export interface WheelSpec {
  /** Rim profile height: 18–25 box rims, 35–60 deep rims. */
  rimDepth: number;
  rimColour: string;
  /** wire spokes, or five moulded blades (BMX mag wheels). */
  spokeStyle: 'wire' | 'mag';
  /** Spoke count per wheel: 20–36 (48 on some BMX). */
  spokes: number;
  /** Crossings per spoke: 0 (radial) to 3. */
  cross: number;
  spokeColour: string;
  hubColour: string;
  tyreColour: string;
  /** slick, file tread (fine dashes) or knobby (MTB/BMX knobs). */
  tread: 'slick' | 'file' | 'knobby';
  /** Sidewall: black, tan (gum wall) or a reflective stripe. */
  sidewall: 'black' | 'tan' | 'reflective';
  /** Deep rims and tyres carry a brand print drawn as light dashes. */
  rimPrint: boolean;
  tyrePrint: boolean;
}

/** Saddle and seat post. */
export interface SaddleSpec {
  shape: 'race' | 'comfort' | 'bmx';
  colour: string;
  /** Saddle length, 230–290. */
  length: number;
  /** Nose-up tilt in degrees, -4 to 4. */
  tilt: number;
  postColour: string;
}

/** Handlebar, stem and controls. */
export interface CockpitSpec {
  bar: 'drop' | 'flat' | 'riser' | 'swept' | 'bmx';
  barColour: string;
  /** Bar tape or grip colour. */
  gripColour: string;
  stemColour: string;
}

/** Chainring, cranks, pedals, rear cogs. */
export interface DrivetrainSpec {
  /** Teeth on the largest chainring (radius = 12.7 mm × teeth / 2π). */
  chainring: number;
  /** Chainrings: 1 (1×, city, BMX) or 2 (road double). */
  rings: 1 | 2;
  /** Teeth on the smallest and largest rear cog (equal for single speed). */
  cogs: readonly [number, number];
  /** A rear derailleur (geared bikes) or not (single speed, hub gears). */
  derailleur: boolean;
  /** Crank arm length, 165–175 (BMX 165–180). */
  crankLength: number;
  /** Angle of the drive-side crank arm in degrees (0 = forward, 90 = down). */
  crankAngle: number;
  crankColour: string;
  ringColour: string;
  pedal: 'platform' | 'clipless' | 'cage';
  pedalColour: string;
  /** City bikes: a guard over the chain. */
  chainGuard: boolean;
  guardColour: string;
}

/** Front fork and, on full-suspension bikes, the rear shock. */
export interface SuspensionSpec {
  fork: 'rigid' | 'suspension';
  /** Fork travel for suspension forks, 80–170. */
  travel: number;
  /** Colour of the fork blades or the suspension fork's lowers. */
  forkColour: string;
  /** Stanchion colour (gold, black or silver). */
  stanchionColour: string;
  /** Rear shock, full-suspension only. */
  shock?: {
    /** air (plain body) or coil (a visible spring). */
    kind: 'air' | 'coil';
    bodyColour: string;
    springColour: string;
    /** Where the shock's front eye mounts. */
    mount: 'top-tube' | 'down-tube';
    /** Eye-to-eye length, 165–230. */
    length: number;
    /** Rocker pivot height along the seat tube, 0.55–0.85 of the seat tube. */
    rockerHeight: number;
    rockerColour: string;
  };
}

/** Optional accessories; `undefined` means the bike has none. */
export interface AccessorySpec {
  bottleCage?: { on: 'down-tube' | 'seat-tube'; colour: string; bottle?: string };
  frontLight?: { colour: string };
  rearLight?: { colour: string };
  basket?: { kind: 'wire' | 'wicker'; colour: string };
  kickstand?: { colour: string };
  fenders?: { colour: string };
  rack?: { colour: string };
  bell?: { colour: string };
}

/** Everything needed to draw one bicycle. */
export interface BikeSpec {
  type: BikeType;
  /** Colour family name of the frame (see COLOUR_FAMILIES); similar models share it. */
  colourFamily: string;
  geometry: Geometry;
  frame: FrameSpec;
  decal: DecalSpec;
  wheels: WheelSpec;
  saddle: SaddleSpec;
  cockpit: CockpitSpec;
  drivetrain: DrivetrainSpec;
  suspension: SuspensionSpec;
  brakes: 'rim' | 'disc';
  accessories: AccessorySpec;
}

/** Key points of a bike, derived from its geometry (in the drive-side drawing's coordinates). */
export interface BikeGeometryPoints {
  bb: Point;
  rearAxle: Point;
  frontAxle: Point;
  /** Unit vector down the steering axis (towards the ground). */
  steer: Point;
  /** Unit vector perpendicular to the steering axis, pointing forward. */
  steerNormal: Point;
  headTop: Point;
  headBottom: Point;
  seatTop: Point;
  /** Where the top tube meets the seat tube. */
  topTubeSeat: Point;
  /** Where the top tube and down tube meet the head tube. */
  topTubeHead: Point;
  downTubeHead: Point;
  /** Saddle rails (top of the seat post). */
  saddle: Point;
  steererTop: Point;
  /** Handlebar clamp (end of the stem). */
  barClamp: Point;
  /** Outer tyre radius. */
  tyreRadius: number;
  /** y of the ground under the tyres. */
  groundY: number;
}

/** A part a photo can zoom onto: its centre and the size of the region around it (mm). */
export interface BikePart {
  centre: Point;
  size: number;
}

/** The parts close-up photos aim at. */
export type PartName =
  'rear-wheel' | 'front-wheel' | 'decal' | 'handlebar' | 'saddle' | 'drivetrain';

/** A drawn bike: SVG elements, bounding box and close-up targets, all in millimetres. */
export interface BikeDrawing {
  /** SVG elements (no outer `<svg>`), to be placed under a transform. */
  svg: string;
  /** SVG `<defs>` content the elements refer to (gradients); ids start with `bike-`. */
  defs: string;
  /** Bounding box of the whole bike including tyres and accessories. */
  box: { minX: number; minY: number; maxX: number; maxY: number };
  /** Close-up targets. */
  parts: Record<PartName, BikePart>;
}

const BRAND_HEADS = [
  'vel',
  'kor',
  'tra',
  'zan',
  'mor',
  'bri',
  'cal',
  'dro',
  'fen',
  'gal',
  'hal',
  'jun',
  'kel',
  'lum',
  'nor',
  'orb',
  'pax',
  'qui',
  'ros',
  'sol',
  'tal',
  'vor',
  'wyn',
  'xen',
  'yar',
  'zef',
  'ast',
  'ber',
  'cor',
  'dav',
  'esk',
  'fal',
  'gri',
  'hex',
  'ion',
  'lin',
  'mar',
  'rak',
  'sen',
  'tor',
  'ul',
  'vik',
];
const BRAND_MIDDLES = ['o', 'a', 'i', 'e', 'ar', 'en', 'or', 'is', '', '', ''];
const BRAND_TAILS = [
  'x',
  'na',
  'ro',
  'ta',
  'ce',
  'ra',
  'lo',
  'on',
  'ix',
  'ek',
  'us',
  'ia',
  'ti',
  'va',
  'do',
  'ko',
  'ne',
  'm',
  'k',
  'z',
  'tt',
  'sa',
];
const MODEL_WORDS: Record<BikeType, readonly string[]> = {
  road: ['SL', 'Comp', 'Pro', 'Race', 'Sport', 'Elite', 'Aero', 'Endurance', 'RS', 'Disc', 'Tour'],
  hardtail: ['Trail', 'XC', 'Comp', 'Expert', 'Sport', 'Ridge', 'Summit', 'Apex', 'HT', 'Rock'],
  'full-suspension': ['Trail', 'Enduro', 'FS', 'Flow', 'Edge', 'Summit', 'Ridge', 'AM', 'Stage'],
  city: ['Urban', 'City', 'Classic', 'Tour', 'Lady', 'Metro', 'Comfort', 'Step', 'Deluxe'],
  bmx: ['Street', 'Park', 'Pro', 'Jr', 'Dirt', 'Flat', 'Race', 'Freestyle', 'Cruiser'],
};
const FONTS = [
  'DejaVu Sans',
  'DejaVu Sans Condensed',
  'DejaVu Serif',
  'Liberation Sans',
  'Liberation Sans Narrow',
  'DejaVu Sans Mono',
];

/** A brand-like word such as "Velora" or "KORTIX". */
function drawBrand(random: Random): string {
  const word = pick(random, BRAND_HEADS) + pick(random, BRAND_MIDDLES) + pick(random, BRAND_TAILS);
  const style = weightedPick(random, [
    ['upper', 0.55],
    ['title', 0.3],
    ['lower', 0.15],
  ] as const);
  if (style === 'upper') return word.toUpperCase();
  if (style === 'title') return word[0].toUpperCase() + word.slice(1);
  return word;
}

function drawModel(random: Random, type: BikeType): string {
  const word = pick(random, MODEL_WORDS[type]);
  const number =
    type === 'full-suspension' || type === 'hardtail'
      ? pick(random, ['', ' 1', ' 2', ' 3', ' 5', ' 7', ' 9', ' 120', ' 130', ' 140', ' 29'])
      : pick(random, ['', ' 1', ' 2', ' 3', ' 4', ' 5', ' 6', ' 7', ' 8', ' 9', ' X', ' 20']);
  return word + number;
}

function drawGeometry(random: Random, type: BikeType, beadRadius?: number): Geometry {
  const u = (low: number, high: number) => uniform(random, low, high);
  switch (type) {
    case 'road':
      return {
        beadRadius: 311,
        tyre: u(24, 33),
        chainstay: u(405, 425),
        bbDrop: u(66, 76),
        seatAngle: u(72.5, 74.5),
        seatTube: u(490, 580),
        headAngle: u(71.5, 73.5),
        headTube: u(115, 195),
        forkLength: u(365, 378),
        forkRake: u(43, 50),
        frontCentre: u(570, 610),
        saddleHeight: u(690, 760),
        spacers: u(8, 40),
        stem: u(90, 125),
        stemAngle: u(-6, 8),
        topTubeDrop: u(0, 70),
      };
    case 'hardtail':
    case 'full-suspension': {
      const bead =
        beadRadius ??
        weightedPick(random, [
          [311, 0.55],
          [292, 0.35],
          [279, 0.1],
        ] as const);
      const full = type === 'full-suspension';
      return {
        beadRadius: bead,
        tyre: u(54, 66),
        chainstay: u(425, 450),
        bbDrop: u(40, 62),
        seatAngle: u(73, 76),
        seatTube: u(390, 480),
        headAngle: full ? u(63.5, 67) : u(65.5, 69.5),
        headTube: u(95, 135),
        forkLength: (full ? u(545, 575) : u(515, 550)) - (311 - bead),
        forkRake: u(40, 51),
        frontCentre: full ? u(760, 830) : u(700, 780),
        saddleHeight: u(690, 750),
        spacers: u(10, 35),
        stem: u(35, 80),
        stemAngle: u(0, 12),
        topTubeDrop: u(40, 140),
      };
    }
    case 'city':
      return {
        beadRadius: beadRadius ?? pick(random, [311, 311, 279]),
        tyre: u(34, 50),
        chainstay: u(440, 475),
        bbDrop: u(58, 72),
        seatAngle: u(69.5, 72),
        seatTube: u(450, 540),
        headAngle: u(68, 71),
        headTube: u(170, 235),
        forkLength: u(385, 410),
        forkRake: u(45, 56),
        frontCentre: u(620, 670),
        saddleHeight: u(640, 720),
        spacers: u(30, 80),
        stem: u(55, 100),
        stemAngle: u(22, 45),
        topTubeDrop: u(0, 40),
      };
    case 'bmx':
      return {
        beadRadius: 203,
        tyre: u(50, 62),
        chainstay: u(335, 365),
        bbDrop: -u(22, 36),
        seatAngle: u(69, 71.5),
        seatTube: u(185, 230),
        headAngle: u(74, 75.5),
        headTube: u(110, 125),
        forkLength: u(312, 326),
        forkRake: u(24, 32),
        frontCentre: u(500, 540),
        saddleHeight: u(290, 370),
        spacers: u(10, 35),
        stem: u(42, 56),
        stemAngle: u(8, 22),
        topTubeDrop: u(0, 15),
      };
  }
}

/** Tube diameters in millimetres for a type, before `tubeScale`. */
function tubeSizes(type: BikeType) {
  switch (type) {
    case 'road':
      return { top: 32, down: 44, seat: 32, chainstay: 18, seatstay: 15, head: 46 };
    case 'hardtail':
    case 'full-suspension':
      return { top: 40, down: 54, seat: 35, chainstay: 24, seatstay: 19, head: 56 };
    case 'city':
      return { top: 34, down: 42, seat: 32, chainstay: 18, seatstay: 16, head: 44 };
    case 'bmx':
      return { top: 36, down: 42, seat: 32, chainstay: 20, seatstay: 18, head: 48 };
  }
}

const add = (a: Point, b: Point): Point => ({ x: a.x + b.x, y: a.y + b.y });
const sub = (a: Point, b: Point): Point => ({ x: a.x - b.x, y: a.y - b.y });
const mul = (a: Point, k: number): Point => ({ x: a.x * k, y: a.y * k });
const lerp = (a: Point, b: Point, t: number): Point => ({
  x: a.x + (b.x - a.x) * t,
  y: a.y + (b.y - a.y) * t,
});
const length = (a: Point): number => Math.hypot(a.x, a.y);
const unit = (a: Point): Point => mul(a, 1 / length(a));
const polar = (radius: number, degrees: number): Point => ({
  x: radius * Math.cos((degrees * Math.PI) / 180),
  y: radius * Math.sin((degrees * Math.PI) / 180),
});

/** Distance from point p to the segment a–b. */
export function distanceToSegment(p: Point, a: Point, b: Point): number {
  const ab = sub(b, a);
  const t = Math.max(
    0,
    Math.min(1, ((p.x - a.x) * ab.x + (p.y - a.y) * ab.y) / (ab.x ** 2 + ab.y ** 2)),
  );
  return length(sub(p, add(a, mul(ab, t))));
}

/** Derives the key points (axles, head tube, seat tube, saddle, bar clamp) from a geometry. */
export function bikeGeometry(g: Geometry): BikeGeometryPoints {
  const rad = Math.PI / 180;
  const bb = { x: 0, y: 0 };
  const rearAxle = { x: -Math.sqrt(g.chainstay ** 2 - g.bbDrop ** 2), y: -g.bbDrop };
  const frontAxle = { x: g.frontCentre, y: -g.bbDrop };
  const steer = { x: Math.cos(g.headAngle * rad), y: Math.sin(g.headAngle * rad) };
  const steerNormal = { x: steer.y, y: -steer.x };
  const headBottom = sub(sub(frontAxle, mul(steerNormal, g.forkRake)), mul(steer, g.forkLength));
  const headTop = sub(headBottom, mul(steer, g.headTube));
  const seatDir = { x: -Math.cos(g.seatAngle * rad), y: -Math.sin(g.seatAngle * rad) };
  const seatTop = mul(seatDir, g.seatTube);
  const topTubeSeat = mul(seatDir, g.seatTube - g.topTubeDrop - 15);
  const topTubeHead = add(headTop, mul(steer, 22));
  const downTubeHead = sub(headBottom, mul(steer, 22));
  const saddle = mul(seatDir, g.saddleHeight);
  const steererTop = sub(headTop, mul(steer, g.spacers));
  const barClamp = add(steererTop, polar(g.stem, -g.stemAngle));
  const tyreRadius = g.beadRadius + g.tyre;
  return {
    bb,
    rearAxle,
    frontAxle,
    steer,
    steerNormal,
    headTop,
    headBottom,
    seatTop,
    topTubeSeat,
    topTubeHead,
    downTubeHead,
    saddle,
    steererTop,
    barClamp,
    tyreRadius,
    groundY: -g.bbDrop + tyreRadius,
  };
}

/**
 * Lengthens the front centre and chainstays until the tyres clear the down tube and seat tube by
 * `gap` millimetres (some random geometries would otherwise put a wheel through the frame).
 */
function fitClearances(g: Geometry, downTube: number, seatTube: number, gap = 18): Geometry {
  const fitted = { ...g };
  for (let i = 0; i < 100; i++) {
    const p = bikeGeometry(fitted);
    const front = distanceToSegment(p.frontAxle, p.bb, p.downTubeHead);
    if (front >= p.tyreRadius + downTube / 2 + gap) break;
    fitted.frontCentre += 5;
  }
  for (let i = 0; i < 100; i++) {
    const p = bikeGeometry(fitted);
    const rear = distanceToSegment(p.rearAxle, p.bb, p.seatTop);
    if (rear >= p.tyreRadius + seatTube / 2 + gap) break;
    fitted.chainstay += 5;
  }
  return fitted;
}

/** A dark neutral colour for tyres, grips and small parts. */
function darkNeutral(random: Random): string {
  return hslToHex(uniform(random, 0, 360), uniform(random, 0, 0.08), uniform(random, 0.08, 0.17));
}

/** Polished or anodised silver. */
function silver(random: Random): string {
  return hslToHex(uniform(random, 200, 230), uniform(random, 0, 0.08), uniform(random, 0.62, 0.8));
}

/** A saturated colour that differs clearly from `avoid` in hue. */
function contrastingColour(random: Random, avoid: string): string {
  for (let i = 0; i < 8; i++) {
    const colour = hslToHex(
      uniform(random, 0, 360),
      uniform(random, 0.6, 0.95),
      uniform(random, 0.4, 0.6),
    );
    if (Math.abs(luminance(colour) - luminance(avoid)) > 0.2) return colour;
  }
  return luminance(avoid) > 0.5 ? '#1b1b1b' : '#f2f2f2';
}

/** Draws a colour family name with the marketplace-like shares of COLOUR_FAMILIES. */
function drawFamily(random: Random): string {
  return weightedPick(
    random,
    COLOUR_FAMILIES.map((family) => [family.name, family.share] as const),
  );
}

/**
 * Draws a random bicycle. `type` and `colourFamily` fix those choices (used by `similarBike`);
 * everything else comes from `random`.
 */
export function randomBike(
  random: Random,
  fixed: { type?: BikeType; colourFamily?: string; beadRadius?: number } = {},
): BikeSpec {
  const type =
    fixed.type ??
    weightedPick(random, [
      ['road', 0.24],
      ['hardtail', 0.22],
      ['full-suspension', 0.2],
      ['city', 0.22],
      ['bmx', 0.12],
    ] as const);
  const colourFamily = fixed.colourFamily ?? drawFamily(random);
  const colour = drawColour(random, colourFamily);
  const accent = chance(random, 0.3)
    ? pick(random, ['#111111', '#f4f4f4', silver(random)])
    : contrastingColour(random, colour);
  const mtb = type === 'hardtail' || type === 'full-suspension';

  const frame: FrameSpec = {
    colour,
    accent,
    paint: weightedPick(random, [
      ['solid', 0.6],
      ['two-tone', 0.22],
      ['fade', 0.18],
    ] as const),
    gloss: uniform(random, 0.1, 0.6),
    tubeScale:
      type === 'city' || type === 'road' ? uniform(random, 0.75, 1.25) : uniform(random, 0.9, 1.3),
    stepThrough: type === 'city' && chance(random, 0.55),
  };
  const tubes = tubeSizes(type);
  const geometry = fitClearances(
    drawGeometry(random, type, fixed.beadRadius),
    tubes.down * frame.tubeScale,
    tubes.seat * frame.tubeScale,
  );

  const light = luminance(colour) > 0.55;
  const decalColour = chance(random, 0.35)
    ? accent
    : light
      ? pick(random, ['#151515', '#2a2a2a'])
      : '#f5f5f5';
  const decal: DecalSpec = {
    brand: drawBrand(random),
    model: drawModel(random, type),
    font: pick(random, FONTS),
    italic: chance(random, 0.35),
    letterSpacing: pick(random, [0, 0, 0.05, 0.12, 0.2]),
    colour: decalColour,
    style: weightedPick(random, [
      ['text', 0.4],
      ['panel', 0.2],
      ['bands', 0.2],
      ['pinstripe', 0.2],
    ] as const),
    stripeColour: chance(random, 0.5) ? accent : contrastingColour(random, colour),
    position: uniform(random, 0.38, 0.62),
    size: uniform(random, 0.5, 0.78),
    badge: pick(random, ['circle', 'shield', 'none'] as const),
    badgeColour: pick(random, [accent, silver(random), '#c9a13b']),
  };

  const deep = type === 'road' && chance(random, 0.45);
  const wheels: WheelSpec = {
    rimDepth: deep ? uniform(random, 35, 62) : uniform(random, 16, 26),
    rimColour: chance(random, 0.6)
      ? darkNeutral(random)
      : chance(random, 0.6)
        ? silver(random)
        : accent,
    spokeStyle: type === 'bmx' && chance(random, 0.3) ? 'mag' : 'wire',
    spokes:
      type === 'bmx'
        ? pick(random, [36, 36, 48])
        : deep
          ? pick(random, [18, 20, 24])
          : pick(random, [24, 28, 32, 32, 36]),
    cross: deep ? pick(random, [0, 2]) : pick(random, [2, 3, 3]),
    spokeColour: chance(random, 0.6) ? '#2b2b2b' : silver(random),
    hubColour: chance(random, 0.6)
      ? darkNeutral(random)
      : chance(random, 0.7)
        ? silver(random)
        : accent,
    tyreColour: chance(random, 0.9)
      ? darkNeutral(random)
      : pick(random, ['#6b4a2f', '#8a8a8a', '#3b4f7a', '#ffffff']),
    tread:
      mtb || type === 'bmx'
        ? chance(random, 0.85)
          ? 'knobby'
          : 'file'
        : chance(random, 0.4)
          ? 'file'
          : 'slick',
    sidewall: weightedPick(random, [
      ['black', 0.6],
      ['tan', type === 'city' || type === 'road' ? 0.25 : 0.15],
      ['reflective', type === 'city' ? 0.3 : 0.03],
    ] as const),
    rimPrint: deep && chance(random, 0.7),
    tyrePrint: chance(random, 0.6),
  };

  const saddle: SaddleSpec = {
    shape:
      type === 'bmx'
        ? 'bmx'
        : type === 'city'
          ? chance(random, 0.8)
            ? 'comfort'
            : 'race'
          : 'race',
    colour: chance(random, 0.6)
      ? darkNeutral(random)
      : pick(random, ['#f2f2f2', '#7a4b2a', '#a0522d', accent]),
    length: type === 'bmx' ? uniform(random, 220, 245) : uniform(random, 245, 290),
    tilt: uniform(random, -4, 4),
    postColour: chance(random, 0.55) ? darkNeutral(random) : silver(random),
  };

  const cockpit: CockpitSpec = {
    bar:
      type === 'road'
        ? 'drop'
        : type === 'bmx'
          ? 'bmx'
          : type === 'city'
            ? chance(random, 0.7)
              ? 'swept'
              : 'riser'
            : pick(random, ['flat', 'riser'] as const),
    barColour: chance(random, 0.6)
      ? darkNeutral(random)
      : chance(random, 0.7)
        ? silver(random)
        : accent,
    gripColour: chance(random, 0.55)
      ? darkNeutral(random)
      : pick(random, ['#f1f1f1', '#7a4b2a', '#a67c52', accent, contrastingColour(random, colour)]),
    stemColour: chance(random, 0.6)
      ? darkNeutral(random)
      : chance(random, 0.6)
        ? silver(random)
        : colour,
  };

  const single = type === 'bmx' || (type === 'city' && chance(random, 0.6));
  const drivetrain: DrivetrainSpec = {
    chainring:
      type === 'road'
        ? pick(random, [50, 52, 53, 46])
        : type === 'bmx'
          ? pick(random, [25, 28, 30])
          : type === 'city'
            ? pick(random, [38, 42, 44, 46])
            : pick(random, [30, 32, 34]),
    rings: type === 'road' ? 2 : 1,
    cogs:
      type === 'bmx'
        ? [9, 9]
        : single
          ? [18, 18]
          : type === 'road'
            ? [11, pick(random, [28, 30, 32, 34])]
            : type === 'city'
              ? [11, 32]
              : [10, pick(random, [42, 46, 50, 52])],
    derailleur: !single,
    crankLength: type === 'bmx' ? uniform(random, 165, 180) : uniform(random, 165, 175),
    crankAngle: uniform(random, 0, 360),
    crankColour: chance(random, 0.55)
      ? darkNeutral(random)
      : chance(random, 0.75)
        ? silver(random)
        : accent,
    ringColour: chance(random, 0.5) ? darkNeutral(random) : silver(random),
    pedal:
      type === 'road'
        ? chance(random, 0.8)
          ? 'clipless'
          : 'cage'
        : type === 'city'
          ? chance(random, 0.6)
            ? 'cage'
            : 'platform'
          : 'platform',
    pedalColour: chance(random, 0.7)
      ? darkNeutral(random)
      : chance(random, 0.5)
        ? silver(random)
        : contrastingColour(random, colour),
    chainGuard: type === 'city' && chance(random, 0.7),
    guardColour: chance(random, 0.5)
      ? darkNeutral(random)
      : chance(random, 0.5)
        ? silver(random)
        : colour,
  };

  const suspension: SuspensionSpec = {
    fork: mtb ? 'suspension' : 'rigid',
    travel: type === 'full-suspension' ? uniform(random, 120, 170) : uniform(random, 80, 130),
    forkColour: mtb
      ? pick(random, ['#151515', '#1e1e1e', '#f0f0f0', '#8a8f94', accent])
      : chance(random, 0.7)
        ? colour
        : chance(random, 0.5)
          ? darkNeutral(random)
          : accent,
    stanchionColour: pick(random, ['#c9a13b', '#d4a74a', '#1a1a1a', '#b8bcc0', '#2a2a2a']),
  };
  if (type === 'full-suspension') {
    suspension.shock = {
      kind: chance(random, 0.3) ? 'coil' : 'air',
      bodyColour: pick(random, ['#1a1a1a', '#2a2a2a', '#b8bcc0', '#3a3a3a']),
      springColour: pick(random, ['#e0661b', '#d9c021', '#c42020', '#151515', '#3070c0']),
      mount: chance(random, 0.5) ? 'top-tube' : 'down-tube',
      length: uniform(random, 170, 225),
      rockerHeight: uniform(random, 0.58, 0.82),
      rockerColour: chance(random, 0.5)
        ? colour
        : chance(random, 0.5)
          ? darkNeutral(random)
          : accent,
    };
  }

  const brakes: 'rim' | 'disc' = mtb
    ? 'disc'
    : type === 'road'
      ? chance(random, 0.55)
        ? 'disc'
        : 'rim'
      : type === 'city'
        ? chance(random, 0.3)
          ? 'disc'
          : 'rim'
        : 'rim';

  const accessories: AccessorySpec = {};
  const accessoryColour = () => (chance(random, 0.6) ? darkNeutral(random) : silver(random));
  const shockOnDownTube = suspension.shock?.mount === 'down-tube';
  if (type !== 'bmx' && !shockOnDownTube && chance(random, type === 'city' ? 0.2 : 0.5)) {
    accessories.bottleCage = {
      on: type === 'full-suspension' || chance(random, 0.5) ? 'down-tube' : 'seat-tube',
      colour: chance(random, 0.7) ? accessoryColour() : accent,
      bottle: chance(random, 0.6)
        ? hslToHex(uniform(random, 0, 360), uniform(random, 0, 0.8), uniform(random, 0.3, 0.9))
        : undefined,
    };
  }
  if (chance(random, type === 'city' ? 0.8 : type === 'bmx' ? 0.05 : 0.25)) {
    accessories.frontLight = { colour: accessoryColour() };
  }
  if (chance(random, type === 'city' ? 0.6 : type === 'bmx' ? 0.05 : 0.3)) {
    accessories.rearLight = { colour: pick(random, ['#1a1a1a', '#d8d8d8', '#b01818']) };
  }
  if (type === 'city' && chance(random, 0.45)) {
    accessories.basket = chance(random, 0.5)
      ? { kind: 'wire', colour: accessoryColour() }
      : {
          kind: 'wicker',
          colour: hslToHex(
            uniform(random, 25, 40),
            uniform(random, 0.35, 0.55),
            uniform(random, 0.35, 0.55),
          ),
        };
  }
  if (
    chance(
      random,
      type === 'city' ? 0.85 : type === 'hardtail' ? 0.2 : type === 'road' ? 0.05 : 0.02,
    )
  ) {
    accessories.kickstand = { colour: accessoryColour() };
  }
  if (
    type === 'city'
      ? chance(random, 0.9)
      : type === 'road' || type === 'hardtail'
        ? chance(random, 0.12)
        : false
  ) {
    accessories.fenders = {
      colour: chance(random, 0.5)
        ? colour
        : chance(random, 0.6)
          ? darkNeutral(random)
          : silver(random),
    };
  }
  if (
    type === 'city'
      ? chance(random, 0.7)
      : type === 'hardtail' || type === 'road'
        ? chance(random, 0.08)
        : false
  ) {
    accessories.rack = { colour: accessoryColour() };
  }
  if (type === 'city' && chance(random, 0.5)) {
    accessories.bell = { colour: pick(random, [silver(random), accent, '#1a1a1a']) };
  }

  return {
    type,
    colourFamily,
    geometry,
    frame,
    decal,
    wheels,
    saddle,
    cockpit,
    drivetrain,
    suspension,
    brakes,
    accessories,
  };
}

/**
 * A "similar model" of `base`: the same type and colour family (often the same brand and paint
 * style) in another size, with other decals' details, wheels, saddle, cockpit and accessories.
 * Such pairs are the hard negatives of a marketplace: two ads that are not the same bike.
 */
export function similarBike(random: Random, base: BikeSpec): BikeSpec {
  const bike = randomBike(random, {
    type: base.type,
    colourFamily: base.colourFamily,
    beadRadius: base.geometry.beadRadius,
  });
  if (chance(random, 0.6)) {
    bike.decal.brand = base.decal.brand;
    bike.decal.font = base.decal.font;
    bike.decal.italic = base.decal.italic;
  }
  if (chance(random, 0.5)) bike.frame.paint = base.frame.paint;
  if (chance(random, 0.5)) bike.frame.colour = mix(base.frame.colour, bike.frame.colour, 0.3);
  if (base.type === 'city') bike.frame.stepThrough = base.frame.stepThrough;
  return bike;
}

/** A straight tube with a highlight stripe along its upper side (`gloss` is its opacity). */
function tube(
  a: Point,
  b: Point,
  diameter: number,
  colour: string,
  gloss: number,
  cap = 'round',
): string {
  const base = stroke(seg(a, b), colour, diameter, { 'stroke-linecap': cap });
  if (gloss <= 0) return base;
  const shift = { x: -0.12 * diameter, y: -0.2 * diameter };
  const highlight = stroke(
    seg(add(a, shift), add(b, shift)),
    shade(colour, 0.55),
    diameter * 0.22,
    {
      'stroke-opacity': gloss,
      ...ROUND,
    },
  );
  return base + highlight;
}

/** A curved tube (quadratic Bézier through control point c) with a highlight. */
function curvedTube(
  a: Point,
  c: Point,
  b: Point,
  diameter: number,
  colour: string,
  gloss: number,
): string {
  const shift = { x: -0.12 * diameter, y: -0.2 * diameter };
  const d = (s: Point) => `M${pt(add(a, s))}Q${pt(add(c, s))} ${pt(add(b, s))}`;
  return (
    stroke(d({ x: 0, y: 0 }), colour, diameter, ROUND) +
    stroke(d(shift), shade(colour, 0.55), diameter * 0.22, { 'stroke-opacity': gloss, ...ROUND })
  );
}

/** Dash pattern that prints a short "word" twice around a circle of radius r. */
function printDashes(r: number, word: number): string {
  const circumference = 2 * Math.PI * r;
  const letters = [0.09, 0.05, 0.12, 0.05, 0.1, 0.05, 0.08, 0.05, 0.14, 0.05, 0.1].map(
    (x) => x * word,
  );
  const used = letters.reduce((s, x) => s + x, 0);
  return [...letters, circumference / 2 - used].map(num).join(' ');
}

/** A ring (circle outline) of radius r and width w. */
function ring(c: Point, r: number, colour: string, w: number, extra: Attributes = {}): string {
  return circle(c, r, { fill: 'none', stroke: colour, 'stroke-width': w, ...extra });
}

function drawWheel(c: Point, w: WheelSpec, g: Geometry, rotation: number): string {
  const bead = g.beadRadius;
  const outer = bead + g.tyre;
  let svg = ring(c, bead + g.tyre / 2, w.tyreColour, g.tyre);
  if (w.tread === 'knobby') {
    svg += ring(c, outer + 1.5, w.tyreColour, 7, { 'stroke-dasharray': '7 6' });
    svg += ring(c, outer - 6, shade(w.tyreColour, 0.12), 4, { 'stroke-dasharray': '5 8' });
  } else if (w.tread === 'file') {
    svg += ring(c, outer - 3, shade(w.tyreColour, 0.15), 3, { 'stroke-dasharray': '2 3' });
  }
  if (w.sidewall === 'tan') {
    svg += ring(c, bead + g.tyre * 0.3, '#b48a58', g.tyre * 0.5);
  } else if (w.sidewall === 'reflective') {
    svg += ring(c, bead + g.tyre * 0.45, '#c9c9c9', 4);
  }
  if (w.tyrePrint) {
    const r = bead + g.tyre * 0.55;
    svg += ring(c, r, '#e8e8e8', g.tyre * 0.28, {
      'stroke-dasharray': printDashes(r, 260),
      'stroke-dashoffset': rotation * 3,
    });
  }
  const rimR = bead - w.rimDepth / 2;
  svg += ring(c, rimR, w.rimColour, w.rimDepth);
  svg += ring(c, bead - 2, shade(w.rimColour, 0.3), 3);
  if (w.rimPrint) {
    svg += ring(c, rimR, '#f0f0f0', w.rimDepth * 0.4, {
      'stroke-dasharray': printDashes(rimR, 300),
      'stroke-dashoffset': rotation * 5,
    });
  }
  const inner = bead - w.rimDepth;
  if (w.spokeStyle === 'mag') {
    let d = '';
    for (let i = 0; i < 5; i++) {
      const a = rotation + i * 72;
      d += seg(add(c, polar(30, a)), add(c, polar(inner + 2, a)));
    }
    svg += stroke(d, w.hubColour, 34, ROUND);
  } else {
    const flange = 24;
    const step = 360 / w.spokes;
    const offset = (w.cross * 720) / w.spokes;
    let d = '';
    for (let i = 0; i < w.spokes; i++) {
      const a = rotation + i * step;
      const rimAngle = a + (i % 2 === 0 ? offset : -offset) * 0.5;
      d += seg(add(c, polar(flange, a)), add(c, polar(inner, rimAngle)));
    }
    svg += stroke(d, w.spokeColour, 2.2);
  }
  svg += circle(c, 26, { fill: w.hubColour });
  svg += circle(c, 9, { fill: shade(w.hubColour, -0.4) });
  return svg;
}

function drawRotor(c: Point, r: number, spider: string): string {
  return (
    ring(c, r - 7, '#b5b9bd', 14) +
    ring(c, r - 7, '#6d7175', 6, { 'stroke-dasharray': '5 7' }) +
    ring(c, r * 0.55, spider, 10, { 'stroke-dasharray': '14 18' })
  );
}

function drawCalliper(at: Point, angle: number, colour: string): string {
  return rect(-26, -16, 52, 32, colour, {
    rx: 10,
    transform: `translate(${pt(at)}) rotate(${num(angle)})`,
  });
}

function drawPedal(at: Point, spec: DrivetrainSpec, far: boolean): string {
  const colour = far ? shade(spec.pedalColour, -0.35) : spec.pedalColour;
  if (spec.pedal === 'clipless') return rect(at.x - 38, at.y - 9, 76, 18, colour, { rx: 8 });
  let svg = rect(at.x - 50, at.y - 12, 100, 24, colour, { rx: 5 });
  if (spec.pedal === 'cage' && !far) {
    svg += rect(at.x - 14, at.y - 7, 28, 14, '#e08a1a');
  } else if (!far) {
    const pins = `M${num(at.x - 44)} ${num(at.y - 14)}h88`;
    svg += stroke(pins, shade(colour, 0.35), 5, { 'stroke-dasharray': '4 9' });
  }
  return svg;
}

function drawCrank(
  p: BikeGeometryPoints,
  spec: DrivetrainSpec,
  angle: number,
  far: boolean,
): string {
  const end = polar(spec.crankLength, angle);
  const colour = far ? shade(spec.crankColour, -0.35) : spec.crankColour;
  return (
    stroke(seg(p.bb, end), colour, far ? 22 : 27, ROUND) + drawPedal(add(p.bb, end), spec, far)
  );
}

function cogRadius(teeth: number): number {
  return (12.7 * teeth) / (2 * Math.PI);
}

function drawDrivetrain(p: BikeGeometryPoints, spec: DrivetrainSpec, far: boolean): string {
  const dim = (c: string) => (far ? shade(c, -0.35) : c);
  const chainring = cogRadius(spec.chainring);
  const small = cogRadius(spec.cogs[0]);
  const big = cogRadius(spec.cogs[1]);
  const rear = p.rearAxle;
  let svg = '';

  if (big > small) {
    for (let i = 0; i < 7; i++) {
      const r = big - ((big - small) * i) / 6;
      svg += circle(rear, r, { fill: dim(i % 2 === 0 ? '#9ca1a6' : '#6f7478') });
    }
  } else {
    svg += circle(rear, small + 2, { fill: dim('#8d9296') });
  }
  svg += circle(rear, 14, { fill: dim('#333333') });

  const top = { x: 0, y: -chainring };
  const cogTop = { x: rear.x, y: rear.y - (big + small) / 2 };
  let lower: string;
  if (spec.derailleur) {
    const upper = add(rear, { x: 14, y: 62 });
    const bottom = add(rear, { x: 2, y: 118 });
    const cog = { x: rear.x + small, y: rear.y + small };
    lower = `M0 ${num(chainring)}L${pt(bottom)}L${pt(upper)}L${pt(cog)}`;
    const body = seg(add(rear, { x: 6, y: 8 }), add(rear, { x: 28, y: 48 }));
    svg += stroke(body, dim('#2b2b2b'), 20, ROUND);
    svg += stroke(seg(upper, bottom), dim('#3a3a3a'), 26, ROUND);
    svg +=
      circle(upper, 12, { fill: dim('#111111') }) + circle(bottom, 12, { fill: dim('#111111') });
  } else {
    lower = `M0 ${num(chainring)}L${pt({ x: rear.x, y: rear.y + small })}`;
  }
  const chain = `M${pt(top)}L${pt(cogTop)}${lower}`;
  svg += stroke(chain, dim('#4a4a4a'), 8);
  svg += stroke(chain, dim('#8a8a8a'), 4, { 'stroke-dasharray': '4 3' });

  const ringColour = dim(spec.ringColour);
  svg += ring(p.bb, chainring + 2, dim('#2d2d2d'), 6, { 'stroke-dasharray': '3 3.5' });
  svg += ring(p.bb, chainring - 6, ringColour, 14);
  if (spec.rings === 2) svg += ring(p.bb, cogRadius(34) - 5, shade(ringColour, -0.2), 10);
  let spider = '';
  for (let i = 0; i < 5; i++) {
    spider += seg(p.bb, polar(chainring - 10, spec.crankAngle + 36 + i * 72));
  }
  svg += stroke(spider, dim(spec.crankColour), 14, ROUND);

  if (spec.chainGuard && !far) {
    const r = chainring + 18;
    const guard =
      `M${pt({ x: r, y: -8 })}A${num(r)} ${num(r)} 0 0 0 ${pt({ x: -20, y: -chainring - 16 })}` +
      `L${pt({ x: rear.x + big + 10, y: cogTop.y - 16 })}`;
    svg += stroke(guard, dim(spec.guardColour), 30, { 'stroke-linejoin': 'round' });
  }
  return svg;
}

/** Saddle outlines around the rails' centre, nose towards +x; `b` is the back, `n` the nose. */
function saddleOutline(kind: SaddleSpec['shape'], b: number, n: number): string {
  const x = (v: number) => num(v);
  if (kind === 'comfort') {
    return (
      `M${x(b)} -10Q${x(b)} -62 ${x(b + 70)} -58Q${x(n - 60)} -44 ${x(n)} -26` +
      `Q${x(n + 6)} -8 ${x(n - 20)} 2Q0 10 ${x(b + 20)} 12Q${x(b - 4)} 8 ${x(b)} -10Z`
    );
  }
  if (kind === 'bmx') {
    return (
      `M${x(b)} -6Q${x(b)} -40 ${x(b + 40)} -40L${x(n - 30)} -32Q${x(n)} -28 ${x(n)} -10` +
      `L${x(n - 10)} 4L${x(b + 10)} 6Z`
    );
  }
  return (
    `M${x(b)} -14Q${x(b + 4)} -40 ${x(b + 50)} -38Q${x(n - 80)} -30 ${x(n)} -22` +
    `Q${x(n + 8)} -12 ${x(n - 12)} -8Q${x(b + 60)} 0 ${x(b + 10)} 2Q${x(b - 6)} 0 ${x(b)} -14Z`
  );
}

function drawSaddle(s: SaddleSpec, at: Point): string {
  const back = -0.45 * s.length;
  const nose = 0.55 * s.length;
  let svg = stroke(`M${num(back + 40)} 2L${num(nose - 40)} 2`, '#777777', 8);
  if (s.shape === 'comfort') {
    svg += stroke(`M${num(back + 20)} 8l-6 14l12 6l-12 6l12 6l-12 6`, '#555555', 5);
  }
  svg += shape(saddleOutline(s.shape, back, nose), s.colour);
  const shine = `M${num(back + 30)} -34Q${num(nose - 80)} -28 ${num(nose - 10)} -20`;
  svg += stroke(shine, shade(s.colour, 0.35), 5, { 'stroke-opacity': 0.6 });
  return element('g', { transform: `translate(${pt(at)}) rotate(${num(-s.tilt)})` }, svg);
}

/** Brake lever and grip shapes per bar type; returns the SVG and the cockpit's top and front. */
function drawCockpit(
  p: BikeGeometryPoints,
  c: CockpitSpec,
  spec: BikeSpec,
): { svg: string; top: number; front: number } {
  const clamp = p.barClamp;
  const steerer = seg(add(p.headTop, mul(p.steer, 10)), p.steererTop);
  let svg = stroke(steerer, shade(c.stemColour, -0.2), 36, ROUND);
  svg += stroke(seg(p.steererTop, clamp), c.stemColour, 34, ROUND);
  let top = clamp.y - 20;
  let front = clamp.x + 20;
  const at = (dx: number, dy: number) => add(clamp, { x: dx, y: dy });
  const lever = '#2a2a2a';
  switch (c.bar) {
    case 'drop': {
      const bar =
        `M${pt(clamp)}L${pt(at(70, -4))}` +
        `C${pt(at(115, -2))} ${pt(at(125, 60))} ${pt(at(100, 100))}` +
        `C${pt(at(85, 125))} ${pt(at(40, 128))} ${pt(at(20, 122))}`;
      svg += stroke(bar, c.gripColour, 27, ROUND);
      const hood =
        `M${pt(at(62, -8))}Q${pt(at(80, -36))} ${pt(at(100, -30))}L${pt(at(108, 10))}` +
        `Q${pt(at(95, 30))} ${pt(at(78, 18))}Z`;
      svg += shape(hood, '#1d1d1d');
      svg += stroke(`M${pt(at(104, 12))}Q${pt(at(118, 70))} ${pt(at(96, 118))}`, lever, 10, ROUND);
      top = clamp.y - 36;
      front = clamp.x + 128;
      break;
    }
    case 'flat':
    case 'riser': {
      const rise = c.bar === 'riser' ? 30 : 8;
      const grip = at(-35, -rise);
      svg += stroke(`M${pt(clamp)}Q${pt(at(-10, -rise))} ${pt(grip)}`, c.barColour, 24, ROUND);
      svg += stroke(seg(grip, add(grip, { x: -28, y: 4 })), c.gripColour, 36, ROUND);
      svg += stroke(seg(add(grip, { x: 8, y: -6 }), add(grip, { x: 95, y: 22 })), lever, 9, ROUND);
      svg += circle(add(grip, { x: 14, y: 16 }), 14, { fill: '#262626' });
      top = grip.y - 22;
      front = grip.x + 100;
      break;
    }
    case 'swept': {
      const grip = at(-150, -70);
      const bar = `M${pt(clamp)}C${pt(at(40, -60))} ${pt(at(-60, -80))} ${pt(grip)}`;
      svg += stroke(bar, c.barColour, 22, ROUND);
      svg += stroke(
        seg(add(grip, { x: 30, y: -2 }), add(grip, { x: -85, y: 10 })),
        c.gripColour,
        34,
        ROUND,
      );
      svg += stroke(
        seg(add(grip, { x: 40, y: 0 }), add(grip, { x: 110, y: 30 })),
        '#3a3a3a',
        8,
        ROUND,
      );
      if (spec.accessories.bell) {
        svg += circle(add(grip, { x: 55, y: -22 }), 22, { fill: spec.accessories.bell.colour });
      }
      top = grip.y - 30;
      break;
    }
    case 'bmx': {
      const upright = at(-45, -215);
      svg += stroke(seg(clamp, upright), c.barColour, 24, ROUND);
      svg += circle(lerp(clamp, upright, 0.55), 16, { fill: c.barColour });
      svg += stroke(seg(upright, add(upright, { x: -70, y: 6 })), c.gripColour, 36, ROUND);
      svg += stroke(
        seg(add(upright, { x: 6, y: 4 }), add(upright, { x: 80, y: 30 })),
        lever,
        9,
        ROUND,
      );
      top = upright.y - 25;
      break;
    }
  }
  const cable =
    `M${pt(at(0, 10))}C${pt(at(160, 40))} ${pt(add(p.headBottom, { x: 120, y: 20 }))} ` +
    pt(lerp(p.downTubeHead, p.bb, 0.12));
  svg += stroke(cable, '#1c1c1c', 6);
  return { svg, top, front };
}

function drawFork(p: BikeGeometryPoints, spec: BikeSpec, gloss: number): string {
  const s = spec.suspension;
  const g = spec.geometry;
  const crown = add(p.headBottom, mul(p.steerNormal, g.forkRake));
  const twoTone = spec.frame.paint === 'two-tone' && s.fork === 'rigid';
  const colour = twoTone ? spec.frame.accent : s.forkColour;
  if (s.fork === 'suspension') {
    const stanchion = s.travel + 40;
    let svg = stroke(seg(sub(p.headBottom, mul(p.steer, 6)), crown), s.forkColour, 46, ROUND);
    svg += tube(crown, add(crown, mul(p.steer, stanchion)), 34, s.stanchionColour, 0.5, 'butt');
    const lowerTop = add(crown, mul(p.steer, stanchion - 25));
    svg += tube(lowerTop, add(p.frontAxle, mul(p.steer, 22)), 48, s.forkColour, 0.35);
    const arch = add(lowerTop, mul(p.steerNormal, 30));
    const archPath =
      `M${pt(sub(arch, mul(p.steer, -10)))}Q${pt(add(arch, mul(p.steerNormal, 28)))} ` +
      pt(add(arch, mul(p.steer, 70)));
    svg += stroke(archPath, s.forkColour, 22, ROUND);
    const label = add(lowerTop, mul(p.steer, 120));
    const labelColour = luminance(s.forkColour) > 0.5 ? '#222222' : '#eeeeee';
    svg += stroke(seg(label, add(label, mul(p.steer, 70))), labelColour, 12);
    svg += circle(p.frontAxle, 22, { fill: s.forkColour });
    return svg;
  }
  if (spec.type === 'bmx') {
    let svg = stroke(seg(sub(p.headBottom, mul(p.steer, 4)), crown), colour, 40, ROUND);
    svg += tube(crown, p.frontAxle, 30, colour, gloss);
    const pegs = seg(add(p.frontAxle, { x: -55, y: 0 }), add(p.frontAxle, { x: 55, y: 0 }));
    svg += stroke(pegs, '#9ca1a6', 34, ROUND);
    return svg;
  }
  const start = add(p.headBottom, mul(p.steer, 25));
  const control = add(p.headBottom, mul(p.steer, g.forkLength * 0.75));
  const crownRace = seg(sub(p.headBottom, mul(p.steer, 4)), add(p.headBottom, mul(p.steer, 40)));
  let svg = stroke(crownRace, colour, 42, ROUND);
  svg += curvedTube(start, control, p.frontAxle, 28, colour, gloss);
  svg += circle(p.frontAxle, 16, { fill: colour });
  return svg;
}

/** Where the shock's two eyes are, and the rocker's three points (full-suspension frames). */
function shockPoints(p: BikeGeometryPoints, spec: BikeSpec) {
  const shock = spec.suspension.shock;
  if (!shock) return undefined;
  const seatDir = unit(p.seatTop);
  const pivot = mul(seatDir, spec.geometry.seatTube * shock.rockerHeight);
  const rear = add(pivot, { x: -72, y: 18 });
  const onTop = shock.mount === 'top-tube';
  const front = add(pivot, { x: 62, y: onTop ? -24 : 36 });
  const from = onTop ? p.topTubeSeat : p.bb;
  const to = onTop ? p.topTubeHead : p.downTubeHead;
  const tubeDir = unit(sub(to, from));
  const normal = onTop ? { x: -tubeDir.y, y: tubeDir.x } : { x: tubeDir.y, y: -tubeDir.x };
  const sizes = tubeSizes(spec.type);
  const tubeDiameter = (onTop ? sizes.top : sizes.down) * spec.frame.tubeScale;
  let best = from;
  let bestError = Infinity;
  for (let i = 5; i <= 90; i++) {
    const candidate = add(lerp(from, to, i / 100), mul(normal, tubeDiameter / 2 + 18));
    const error = Math.abs(length(sub(candidate, front)) - shock.length);
    if (error < bestError) {
      bestError = error;
      best = candidate;
    }
  }
  return { pivot, rear, front, mount: best };
}

function drawShock(points: NonNullable<ReturnType<typeof shockPoints>>, spec: BikeSpec): string {
  const shock = spec.suspension.shock;
  if (!shock) return '';
  const { front, mount } = points;
  const body = lerp(mount, front, 0.55);
  let svg = stroke(seg(front, body), '#c8ccd0', 24, ROUND);
  svg += stroke(seg(mount, body), shock.bodyColour, 52, ROUND);
  if (shock.kind === 'coil') {
    const axis = unit(sub(front, mount));
    const normal = { x: -axis.y, y: axis.x };
    let d = `M${pt(lerp(mount, front, 0.12))}`;
    for (let i = 1; i <= 11; i++) {
      const along = lerp(mount, front, 0.12 + (0.72 * i) / 11);
      d += `L${pt(add(along, mul(normal, i % 2 === 0 ? 32 : -32)))}`;
    }
    svg += stroke(d, shock.springColour, 9, { 'stroke-linejoin': 'round' });
  } else {
    svg += stroke(seg(lerp(mount, body, 0.3), lerp(mount, body, 0.7)), shock.springColour, 14);
  }
  svg += circle(mount, 11, { fill: '#333333' }) + circle(front, 11, { fill: '#333333' });
  return svg;
}

/** Brand on the down tube, model on the top tube, stripes and head badge. */
function drawDecals(
  p: BikeGeometryPoints,
  spec: BikeSpec,
  mirrored: boolean,
  diameters: ReturnType<typeof tubeSizes>,
): { svg: string; centre: Point; size: number } {
  const d = spec.decal;
  const down = sub(p.downTubeHead, p.bb);
  const dir = unit(down);
  const normal = { x: -dir.y, y: dir.x };
  const angle = (Math.atan2(dir.y, dir.x) * 180) / Math.PI;
  const dt = diameters.down * spec.frame.tubeScale;
  const centre = lerp(p.bb, p.downTubeHead, d.position);
  const fontSize = dt * d.size;
  const textLength = fontSize * (0.68 + d.letterSpacing) * d.brand.length;
  const along = (t: number) => lerp(p.bb, p.downTubeHead, t);
  let svg = '';

  if (d.style === 'panel') {
    const half = Math.min(length(down) * 0.45, textLength / 2 + fontSize);
    const panel = seg(sub(centre, mul(dir, half)), add(centre, mul(dir, half)));
    svg += stroke(panel, d.stripeColour, dt * 0.92);
  } else if (d.style === 'bands') {
    for (let i = 0; i < 3; i++) {
      const at = along(Math.min(0.95, d.position + 0.28 + i * 0.045));
      const band = seg(add(at, mul(normal, dt / 2)), sub(at, mul(normal, dt / 2)));
      svg += stroke(band, i === 1 ? d.colour : d.stripeColour, dt * 0.28);
    }
  } else if (d.style === 'pinstripe') {
    svg += stroke(seg(along(0.12), along(0.92)), d.stripeColour, dt * 0.12, {
      transform: `translate(0 ${num(dt * 0.3)})`,
    });
    if (!spec.frame.stepThrough) {
      const top = seg(
        lerp(p.topTubeSeat, p.topTubeHead, 0.1),
        lerp(p.topTubeSeat, p.topTubeHead, 0.9),
      );
      svg += stroke(top, d.stripeColour, dt * 0.1);
    }
  }

  const textColour =
    d.style === 'panel' && d.colour === d.stripeColour ? spec.frame.colour : d.colour;
  const text = (content: string, at: Point, rotation: number, size: number, colour: string) =>
    element(
      'text',
      {
        transform: `translate(${pt(at)}) rotate(${num(rotation)})${mirrored ? ' scale(-1 1)' : ''}`,
        x: 0,
        y: size * 0.36,
        'font-family': d.font,
        'font-weight': 'bold',
        'font-size': size,
        'font-style': d.italic ? 'italic' : undefined,
        'letter-spacing': d.letterSpacing > 0 ? d.letterSpacing * size : undefined,
        'text-anchor': 'middle',
        fill: colour,
      },
      escapeXml(content),
    );
  svg += text(d.brand, centre, angle, fontSize, textColour);

  if (!spec.frame.stepThrough) {
    const ttDir = unit(sub(p.topTubeHead, p.topTubeSeat));
    const ttAngle = (Math.atan2(ttDir.y, ttDir.x) * 180) / Math.PI;
    const ttSize = diameters.top * spec.frame.tubeScale * 0.48;
    svg += text(d.model, lerp(p.topTubeSeat, p.topTubeHead, 0.3), ttAngle, ttSize, d.colour);
  }
  if (d.badge !== 'none') {
    const inset = diameters.head * spec.frame.tubeScale * 0.32;
    const headMid = add(lerp(p.headTop, p.headBottom, 0.45), mul(p.steerNormal, inset));
    svg +=
      d.badge === 'circle'
        ? circle(headMid, 17, {
            fill: d.badgeColour,
            stroke: shade(d.badgeColour, -0.3),
            'stroke-width': 3,
          })
        : shape('M-14 -20h28v18q0 16 -14 24q-14 -8 -14 -24z', d.badgeColour, {
            transform: `translate(${pt(headMid)}) rotate(${num(90 - spec.geometry.headAngle)})`,
          });
  }
  return { svg, centre, size: Math.max(320, textLength * 1.5) };
}

/** A fender: an arc of radius r around c, clockwise on screen from `from` over `span` degrees. */
function drawFender(c: Point, r: number, from: number, span: number, colour: string): string {
  const a = add(c, polar(r, from));
  const b = add(c, polar(r, from + span));
  const arc = `M${pt(a)}A${num(r)} ${num(r)} 0 ${span > 180 ? 1 : 0} 1 ${pt(b)}`;
  return (
    stroke(arc, colour, 14, ROUND) +
    stroke(arc, shade(colour, 0.4), 4, { 'stroke-opacity': 0.5, transform: 'translate(-2 -4)' })
  );
}

function drawRack(p: BikeGeometryPoints, acc: AccessorySpec): { svg: string; rear: number } {
  if (!acc.rack) return { svg: '', rear: Infinity };
  const y = p.rearAxle.y - p.tyreRadius - 40;
  const start = { x: lerp(p.topTubeSeat, p.bb, 0.1).x - 40, y };
  const end = { x: p.rearAxle.x - p.tyreRadius * 0.55, y };
  const d =
    seg(start, end) +
    seg({ x: start.x, y: y + 22 }, { x: end.x, y: y + 22 }) +
    seg(end, add(p.rearAxle, { x: -8, y: 0 })) +
    seg(lerp(start, end, 0.5), add(p.rearAxle, { x: 4, y: -6 })) +
    seg(start, lerp(p.topTubeSeat, p.rearAxle, 0.25));
  let svg = stroke(d, acc.rack.colour, 11, ROUND);
  if (acc.rearLight) svg += rect(end.x - 30, y - 10, 30, 26, '#c01818', { rx: 5 });
  return { svg, rear: end.x - 30 };
}

function drawBasket(
  p: BikeGeometryPoints,
  basket: NonNullable<AccessorySpec['basket']>,
): { svg: string; top: number; front: number } {
  const left = p.headTop.x + 55;
  const top = p.headTop.y - 60;
  const bottom = Math.min(p.headTop.y + 170, p.frontAxle.y - p.tyreRadius - 40);
  const width = 320;
  const height = bottom - top;
  const struts =
    seg({ x: left + 40, y: bottom }, add(p.frontAxle, { x: 10, y: -5 })) +
    seg({ x: left + width - 40, y: bottom }, add(p.frontAxle, { x: 20, y: -5 }));
  let svg = stroke(struts, '#555555', 8);
  if (basket.kind === 'wicker') {
    svg += rect(left, top, width, height, basket.colour, { rx: 18 });
    let d = '';
    for (let y = top + 18; y < bottom - 6; y += 18)
      d += `M${num(left + 6)} ${num(y)}h${width - 12}`;
    svg += stroke(d, shade(basket.colour, -0.25), 5);
    svg += rect(left - 6, top - 6, width + 12, 18, shade(basket.colour, 0.15), { rx: 9 });
  } else {
    let d = `M${num(left)} ${num(top)}h${width}v${num(height)}h-${width}z`;
    for (let x = left + 32; x < left + width; x += 32) d += `M${num(x)} ${num(top)}V${num(bottom)}`;
    for (let y = top + 40; y < bottom; y += 40) d += `M${num(left)} ${num(y)}h${width}`;
    svg += stroke(d, basket.colour, 6);
  }
  return { svg, top: top - 10, front: left + width + 10 };
}

function kickstand(p: BikeGeometryPoints, colour: string): string {
  const top = lerp(p.bb, p.rearAxle, 0.3);
  const foot = { x: top.x - 150, y: p.groundY - 4 };
  return stroke(seg(top, foot), colour, 16, ROUND);
}

function bottleCage(
  p: BikeGeometryPoints,
  spec: BikeSpec,
  cage: NonNullable<AccessorySpec['bottleCage']>,
  sizes: ReturnType<typeof tubeSizes>,
): string {
  const onDown = cage.on === 'down-tube';
  const to = onDown ? p.downTubeHead : p.seatTop;
  const dir = unit(sub(to, p.bb));
  const normal = onDown ? { x: dir.y, y: -dir.x } : { x: -dir.y, y: dir.x };
  const diameter = (onDown ? sizes.down : sizes.seat) * spec.frame.tubeScale;
  const centre = add(lerp(p.bb, to, onDown ? 0.3 : 0.5), mul(normal, diameter / 2 + 40));
  const angle = (Math.atan2(dir.y, dir.x) * 180) / Math.PI;
  let svg = '';
  if (cage.bottle) {
    svg += rect(-105, -36, 200, 72, cage.bottle, { rx: 22 });
    svg += rect(95, -16, 28, 32, shade(cage.bottle, -0.4), { rx: 6 });
  }
  svg += stroke('M-90 -38L60 -38M-90 38L60 38M-95 -38L-95 38', cage.colour, 9, ROUND);
  return element('g', { transform: `translate(${pt(centre)}) rotate(${num(angle)})` }, svg);
}

/**
 * Draws the bike as SVG elements in millimetres. `side` is the side the camera sees: 'drive'
 * (chain side, bike facing right) or 'non-drive' (the drawing is mirrored so the bike faces left,
 * decals stay readable, and the chain side is drawn behind the frame). `wheelTurn` rotates the
 * wheels' spoke pattern and prints (degrees), so that two photos of a bike are not pixel twins.
 */
export function drawBike(spec: BikeSpec, side: 'drive' | 'non-drive', wheelTurn = 0): BikeDrawing {
  const g = spec.geometry;
  const p = bikeGeometry(g);
  const fr = spec.frame;
  const sizes = tubeSizes(spec.type);
  const k = fr.tubeScale;
  const acc = spec.accessories;
  const mirrored = side === 'non-drive';
  const stays = fr.paint === 'two-tone' ? fr.accent : fr.colour;
  const dim = (c: string) => shade(c, -0.35);
  const rotorRadius = spec.type === 'road' || spec.type === 'city' ? 80 : 90;
  const rotors = (spider: string) =>
    drawRotor(p.rearAxle, rotorRadius, spider) + drawRotor(p.frontAxle, rotorRadius, spider);
  let svg = '';
  let defs = '';

  // Behind the frame: whatever lives on the far side.
  if (mirrored) {
    svg += drawDrivetrain(p, spec.drivetrain, true);
    svg += drawCrank(p, spec.drivetrain, spec.drivetrain.crankAngle, true);
  } else {
    svg += drawCrank(p, spec.drivetrain, spec.drivetrain.crankAngle + 180, true);
    if (acc.kickstand) svg += kickstand(p, dim(acc.kickstand.colour));
  }
  if (spec.brakes === 'disc' && !mirrored) svg += rotors('#555555');

  svg += drawWheel(p.rearAxle, spec.wheels, g, wheelTurn);
  svg += drawWheel(p.frontAxle, spec.wheels, g, wheelTurn * 1.3 + 17);
  if (spec.brakes === 'disc' && mirrored) svg += rotors(spec.wheels.hubColour);

  let minY = Math.min(p.saddle.y - 70, p.headTop.y - 60);
  let minX = p.rearAxle.x - p.tyreRadius;
  let maxX = p.frontAxle.x + p.tyreRadius;
  if (acc.fenders) {
    const r = p.tyreRadius + 14;
    svg += drawFender(p.rearAxle, r, 186, 236, acc.fenders.colour);
    svg += drawFender(p.frontAxle, r, 150, 222, acc.fenders.colour);
    minX = Math.min(minX, p.rearAxle.x - r - 10);
  }
  const rack = drawRack(p, acc);
  svg += rack.svg;
  minX = Math.min(minX, rack.rear);

  // The frame.
  const shockAt = shockPoints(p, spec);
  const mainPivot = { x: -40, y: -62 };
  const chainstay = sizes.chainstay * k * (shockAt ? 1.3 : 1);
  svg += tube(shockAt ? mainPivot : p.bb, p.rearAxle, chainstay, stays, fr.gloss);
  const seatstayTop = shockAt ? shockAt.rear : lerp(p.topTubeSeat, p.bb, 0.04);
  svg += tube(seatstayTop, p.rearAxle, sizes.seatstay * k, stays, fr.gloss);
  svg += circle(p.rearAxle, 16, { fill: stays });
  if (spec.brakes === 'rim') {
    const reach = (p.tyreRadius + 12) / length(sub(seatstayTop, p.rearAxle));
    svg += drawCalliper(lerp(p.rearAxle, seatstayTop, reach), 0, '#8e9398');
  }

  svg += drawFork(p, spec, fr.gloss);
  if (spec.brakes === 'rim') {
    const at = sub(p.frontAxle, mul(p.steer, p.tyreRadius + 14));
    svg += drawCalliper(at, 90 - g.headAngle, '#8e9398');
  }

  const seatDiameter = sizes.seat * k;
  const collar = sub(p.seatTop, mul(unit(p.seatTop), 14));
  svg += tube(p.bb, p.seatTop, seatDiameter, fr.colour, fr.gloss, 'butt');
  svg += tube(collar, p.seatTop, seatDiameter + 10, shade(fr.colour, -0.15), 0, 'butt');
  const post = Math.min(31, seatDiameter * 0.85);
  svg += tube(p.seatTop, p.saddle, post, spec.saddle.postColour, 0.4, 'butt');
  if (acc.rearLight && !acc.rack) {
    const at = lerp(p.seatTop, p.saddle, 0.35);
    svg += rect(at.x - 34, at.y - 28, 24, 56, acc.rearLight.colour, { rx: 8 });
    svg += rect(at.x - 36, at.y - 18, 8, 36, '#d01c1c', { rx: 3 });
  }

  const downDiameter = sizes.down * k;
  let downPaint = fr.colour;
  if (fr.paint === 'fade') {
    const stops =
      element('stop', { offset: 0.25, 'stop-color': fr.colour }) +
      element('stop', { offset: 0.9, 'stop-color': fr.accent });
    const gradient = {
      id: 'bike-fade',
      gradientUnits: 'userSpaceOnUse',
      x1: p.bb.x,
      y1: p.bb.y,
      x2: p.downTubeHead.x,
      y2: p.downTubeHead.y,
    };
    defs += element('linearGradient', gradient, stops);
    downPaint = 'url(#bike-fade)';
  }
  svg += stroke(seg(p.bb, p.downTubeHead), downPaint, downDiameter, ROUND);
  const shine = { x: -0.12 * downDiameter, y: -0.2 * downDiameter };
  svg += stroke(
    seg(shine, add(p.downTubeHead, shine)),
    shade(fr.colour, 0.55),
    downDiameter * 0.22,
    {
      'stroke-opacity': fr.gloss,
      ...ROUND,
    },
  );

  if (fr.stepThrough) {
    const from = lerp(p.topTubeHead, p.downTubeHead, 0.35);
    const to = mul(unit(p.seatTop), g.seatTube * 0.3);
    const control = { x: (from.x + to.x) * 0.45, y: to.y + 20 };
    svg += curvedTube(from, control, to, sizes.top * k, fr.colour, fr.gloss);
  } else {
    svg += tube(p.topTubeSeat, p.topTubeHead, sizes.top * k, fr.colour, fr.gloss);
  }
  const headPaint = fr.paint === 'two-tone' ? fr.accent : fr.colour;
  svg += tube(p.headTop, p.headBottom, sizes.head * k, headPaint, fr.gloss, 'butt');
  svg += circle(p.bb, 26, { fill: shade(fr.colour, -0.2) });

  if (shockAt && spec.suspension.shock) {
    svg += drawShock(shockAt, spec);
    const rocker = spec.suspension.shock.rockerColour;
    svg += element('path', {
      d: `M${pt(shockAt.rear)}L${pt(shockAt.pivot)}L${pt(shockAt.front)}Z`,
      fill: rocker,
      stroke: rocker,
      'stroke-width': 34,
      'stroke-linejoin': 'round',
    });
    svg += circle(shockAt.pivot, 8, { fill: '#222222' });
    svg += circle(mainPivot, 18, { fill: shade(fr.colour, -0.25) });
    svg += circle(mainPivot, 8, { fill: '#222222' });
  }

  const decals = drawDecals(p, spec, mirrored, sizes);
  svg += decals.svg;
  if (acc.bottleCage) svg += bottleCage(p, spec, acc.bottleCage, sizes);

  svg += drawSaddle(spec.saddle, p.saddle);
  const cockpit = drawCockpit(p, spec.cockpit, spec);
  svg += cockpit.svg;
  minY = Math.min(minY, cockpit.top);
  maxX = Math.max(maxX, cockpit.front);

  if (acc.frontLight) {
    const at = add(p.barClamp, { x: 36, y: 24 });
    svg += rect(at.x - 10, at.y - 18, 52, 36, acc.frontLight.colour, { rx: 10 });
    svg += rect(at.x + 36, at.y - 16, 10, 32, '#fff6d5', { rx: 4 });
  }
  if (acc.basket) {
    const basket = drawBasket(p, acc.basket);
    svg += basket.svg;
    minY = Math.min(minY, basket.top);
    maxX = Math.max(maxX, basket.front);
  }

  // In front of the frame: whatever lives on the near side.
  if (mirrored) {
    if (spec.brakes === 'disc') {
      svg += drawCalliper(add(p.rearAxle, polar(rotorRadius - 6, -40)), -40, '#2a2a2a');
      svg += drawCalliper(add(p.frontAxle, polar(rotorRadius - 6, 235)), 55, '#2a2a2a');
    }
    if (acc.kickstand) svg += kickstand(p, acc.kickstand.colour);
    svg += drawCrank(p, spec.drivetrain, spec.drivetrain.crankAngle + 180, false);
  } else {
    svg += drawDrivetrain(p, spec.drivetrain, false);
    svg += drawCrank(p, spec.drivetrain, spec.drivetrain.crankAngle, false);
    if (spec.type === 'bmx') {
      const pegs = seg(add(p.rearAxle, { x: -50, y: 0 }), add(p.rearAxle, { x: 50, y: 0 }));
      svg += stroke(pegs, '#a4a9ae', 34, ROUND);
    }
  }

  const barCentre =
    spec.cockpit.bar === 'bmx'
      ? add(p.barClamp, { x: -30, y: -100 })
      : add(p.barClamp, { x: 10, y: 10 });
  const parts: Record<PartName, BikePart> = {
    'rear-wheel': { centre: p.rearAxle, size: p.tyreRadius * 2.3 },
    'front-wheel': { centre: p.frontAxle, size: p.tyreRadius * 2.3 },
    decal: { centre: decals.centre, size: decals.size },
    handlebar: { centre: barCentre, size: 520 },
    saddle: { centre: add(p.saddle, { x: 0, y: 40 }), size: 480 },
    drivetrain: { centre: { x: p.rearAxle.x * 0.45, y: 10 }, size: 760 },
  };
  if (!mirrored) return { svg, defs, box: { minX, minY, maxX, maxY: p.groundY }, parts };
  for (const part of Object.values(parts)) part.centre = { x: -part.centre.x, y: part.centre.y };
  return {
    svg: element('g', { transform: 'scale(-1 1)' }, svg),
    defs,
    box: { minX: -maxX, maxX: -minX, minY, maxY: p.groundY },
    parts,
  };
}
