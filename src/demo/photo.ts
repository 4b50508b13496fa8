/**
 * How a seller photographs a bike: the shot list of one ad (`planPhotos`: whole views from both
 * sides, three-quarter views, close-ups of parts), the SVG of one shot (`photoSvg`: scene, shadow
 * and bike under a camera transform) and its rendering to JPEG with the shot's light, blur, noise
 * and quality (`renderPhoto`, sharp/librsvg at the output size).
 */
import sharp, { type Sharp } from 'sharp';
import { createRandom, type Random } from '../util/rng.js';
import { drawBike, type BikeSpec, type PartName } from './bike.js';
import { chance, pick, uniform } from './random.js';
import { drawScene, type SceneSpec } from './scene.js';
import { element } from './svg.js';

/** whole side view, three-quarter-ish view (horizontal squash), or close-up of one part. */
export type PhotoKind = 'side' | 'three-quarter' | 'close-up';

/** One shot: what the camera sees and how the picture comes out. */
export interface PhotoPlan {
  kind: PhotoKind;
  /** The side of the bike facing the camera; the non-drive side shows the bike facing left. */
  side: 'drive' | 'non-drive';
  /** The part a close-up aims at. */
  part?: PartName;
  /** Horizontal scale of the bike: 1 in a side view, 0.55–0.85 in a three-quarter view. */
  squash: number;
  /** Vertical skew in degrees, a hint of perspective (±6 in three-quarter views). */
  skew: number;
  /**
   * Whole views: bike length over image width (0.7–0.95).
   * Close-ups: image height over the part's size (0.85–1.3).
   */
  fill: number;
  /** Offset of the subject from the image centre, fractions of width and height. */
  offsetX: number;
  offsetY: number;
  /** Camera roll in degrees. */
  roll: number;
  /** Horizontal shift of the scene behind the bike in millimetres (another stretch of wall). */
  pan: number;
  /** Rotation of the wheels' spoke pattern, degrees. */
  wheelTurn: number;
  /** Brightness multiplier, 0.78–1.18. */
  brightness: number;
  /** Contrast around mid-grey, 0.85–1.15. */
  contrast: number;
  /** Saturation multiplier, 0.85–1.15. */
  saturation: number;
  /** White balance: −1 cool (blue) to 1 warm (orange). */
  temperature: number;
  /** Gaussian blur of the whole photo in pixels (0 = sharp); camera shake or missed focus. */
  blur: number;
  /** Gaussian blur of the background in pixels (depth of field in close-ups). */
  backgroundBlur: number;
  /** Darkening of the corners, 0–0.35. */
  vignette: number;
  /** Sensor noise amplitude in grey levels, 2–7. */
  noise: number;
  /** Seed of the noise pattern. */
  noiseSeed: number;
  /** JPEG quality, 60–95. */
  quality: number;
}

const CLOSE_UPS: readonly PartName[] = [
  'rear-wheel',
  'decal',
  'handlebar',
  'saddle',
  'drivetrain',
  'front-wheel',
];

type Shot = 'side' | 'side-other' | 'three-quarter' | PartName;

/** Light, blur, noise and quality: everything that varies from shot to shot. */
function drawExposure(random: Random, scene: SceneSpec, closeUp: boolean) {
  return {
    brightness: uniform(random, 0.78, 1.18),
    contrast: uniform(random, 0.85, 1.15),
    saturation: uniform(random, 0.85, 1.15),
    temperature: Math.max(-1, Math.min(1, scene.warmth * 0.6 + uniform(random, -0.3, 0.3))),
    blur: chance(random, 0.25) ? uniform(random, 0.4, 1.0) : 0,
    backgroundBlur: closeUp ? uniform(random, 1.5, 4) : 0,
    vignette: uniform(random, 0, 0.35),
    noise: uniform(random, 2, 7),
    noiseSeed: Math.floor(random() * 4294967296),
    quality: 60 + Math.floor(random() * 36),
  };
}

/**
 * The shot list of one ad: `count` photos, the first a whole side view (as sellers do), the rest
 * a shuffled mix of the other side, three-quarter views and close-ups of the rear wheel, decal,
 * handlebar, saddle, drivetrain and front wheel, each with its own framing and light.
 */
export function planPhotos(random: Random, count: number, scene: SceneSpec): PhotoPlan[] {
  type Side = PhotoPlan['side'];
  const firstSide: Side = chance(random, 0.65) ? 'drive' : 'non-drive';
  const otherSide: Side = firstSide === 'drive' ? 'non-drive' : 'drive';
  const bag: Shot[] = [];
  const refill = () => {
    const shots: Shot[] = ['side-other', 'three-quarter', 'three-quarter', 'side', ...CLOSE_UPS];
    for (let i = shots.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [shots[i], shots[j]] = [shots[j], shots[i]];
    }
    bag.push(...shots);
  };
  const shots: Shot[] = ['side'];
  while (shots.length < count) {
    if (bag.length === 0) refill();
    shots.push(bag.shift() as Shot);
  }

  return shots.map((shot, index): PhotoPlan => {
    const wheelTurn = uniform(random, 0, 360);
    if (shot === 'side' || shot === 'side-other' || shot === 'three-quarter') {
      const side =
        shot === 'side'
          ? index === 0
            ? firstSide
            : pick(random, [firstSide, otherSide])
          : shot === 'side-other'
            ? otherSide
            : pick(random, ['drive', 'non-drive'] as const);
      const quarter = shot === 'three-quarter';
      const far = side === firstSide ? 0 : 2600;
      return {
        kind: quarter ? 'three-quarter' : 'side',
        side,
        squash: quarter ? uniform(random, 0.55, 0.85) : uniform(random, 0.95, 1),
        skew: quarter ? uniform(random, -6, 6) : uniform(random, -1.5, 1.5),
        fill: uniform(random, 0.72, 0.95),
        offsetX: uniform(random, -0.06, 0.06),
        offsetY: uniform(random, -0.05, 0.05),
        roll: uniform(random, -3.5, 3.5),
        pan:
          far +
          (quarter
            ? pick(random, [-1, 1]) * uniform(random, 900, 1600)
            : uniform(random, -400, 400)),
        wheelTurn,
        ...drawExposure(random, scene, false),
      };
    }
    const side =
      shot === 'drivetrain'
        ? chance(random, 0.75)
          ? 'drive'
          : 'non-drive'
        : pick(random, ['drive', 'non-drive'] as const);
    return {
      kind: 'close-up',
      side,
      part: shot,
      squash: uniform(random, 0.8, 1),
      skew: uniform(random, -3, 3),
      fill: uniform(random, 0.85, 1.3),
      offsetX: uniform(random, -0.12, 0.12),
      offsetY: uniform(random, -0.1, 0.1),
      roll: uniform(random, -10, 10),
      pan: (side === firstSide ? 0 : 2600) + uniform(random, -600, 600),
      wheelTurn,
      ...drawExposure(random, scene, true),
    };
  });
}

const f = (v: number): string => String(Math.round(v * 1000) / 1000);

/**
 * The SVG documents of one shot. Whole views are one document (`scene` holds scene and bike).
 * Close-ups have a blurred background: `scene` is drawn at `sceneWidth` × `sceneHeight` (a
 * fraction of the output size) and enlarged, which blurs it cheaply, and `bike` is drawn on top
 * at the full size with a transparent background.
 */
export interface PhotoLayers {
  scene: string;
  sceneWidth: number;
  sceneHeight: number;
  bike?: string;
}

function svgDocument(
  width: number,
  height: number,
  view: { width: number; height: number },
  defs: string,
  body: string,
): string {
  const root = {
    xmlns: 'http://www.w3.org/2000/svg',
    width,
    height,
    viewBox: `0 0 ${view.width} ${view.height}`,
  };
  return element('svg', root, element('defs', {}, defs) + body);
}

/**
 * A black radial gradient of radius `r` (fraction of the box) whose opacity goes from `inner` at
 * offset `start` to `outer` at the rim: a soft shadow or a vignette.
 */
function blackRadial(id: string, r: number, start: number, inner: number, outer: number): string {
  const stops =
    element('stop', { offset: start, 'stop-color': '#000', 'stop-opacity': inner }) +
    element('stop', { offset: 1, 'stop-color': '#000', 'stop-opacity': outer });
  return element('radialGradient', { id, cx: 0.5, cy: 0.5, r }, stops);
}

/** The SVG layers of one shot whose output is `width` × `height` pixels. */
export function photoLayers(
  bike: BikeSpec,
  scene: SceneSpec,
  plan: PhotoPlan,
  width: number,
  height: number,
): PhotoLayers {
  const drawing = drawBike(bike, plan.side, plan.wheelTurn);
  const background = drawScene(scene);
  const box = drawing.box;
  const boxWidth = box.maxX - box.minX;
  const boxHeight = box.maxY - box.minY;
  const wholeScale = Math.min((0.85 * width) / boxWidth, (0.92 * height) / boxHeight);

  let scale: number;
  let sceneScale: number;
  let anchor: { x: number; y: number };
  if (plan.kind === 'close-up' && plan.part) {
    const part = drawing.parts[plan.part];
    scale = (height * plan.fill) / part.size;
    sceneScale = wholeScale + (scale - wholeScale) * 0.45;
    anchor = part.centre;
  } else {
    scale = Math.min((plan.fill * width) / (boxWidth * plan.squash), (0.94 * height) / boxHeight);
    sceneScale = scale;
    anchor = { x: (box.minX + box.maxX) / 2, y: (box.minY + box.maxY) / 2 };
  }
  const cx = width / 2 + plan.offsetX * width;
  const cy = height / 2 + plan.offsetY * height;
  const camera = `translate(${f(cx)} ${f(cy)}) rotate(${f(plan.roll)})`;
  const sceneTransform =
    `${camera} scale(${f(sceneScale)}) ` +
    `translate(${f(plan.pan - anchor.x)} ${f(box.maxY - anchor.y)})`;
  const bikeTransform =
    `${camera} skewY(${f(plan.skew)}) scale(${f(scale * plan.squash)} ${f(scale)}) ` +
    `translate(${f(-anchor.x)} ${f(-anchor.y)})`;

  const sceneBody =
    element('rect', { width, height, fill: '#808080' }) +
    element('g', { transform: sceneTransform }, background.svg);
  let bikeDefs = drawing.defs + blackRadial('photo-shadow', 0.5, 0, 0.45, 0);
  const shadow = element('ellipse', {
    cx: (box.minX + box.maxX) / 2,
    cy: box.maxY,
    rx: boxWidth * 0.55,
    ry: 70,
    fill: 'url(#photo-shadow)',
  });
  let bikeBody = element('g', { transform: bikeTransform }, shadow + drawing.svg);
  if (plan.vignette > 0.02) {
    bikeDefs += blackRadial('photo-vignette', 0.75, 0.5, 0, plan.vignette);
    bikeBody += element('rect', { width, height, fill: 'url(#photo-vignette)' });
  }

  const full = { width, height };
  if (plan.backgroundBlur > 1) {
    const sceneWidth = Math.max(8, Math.round(width / plan.backgroundBlur));
    const sceneHeight = Math.max(8, Math.round(height / plan.backgroundBlur));
    return {
      scene: svgDocument(sceneWidth, sceneHeight, full, background.defs, sceneBody),
      sceneWidth,
      sceneHeight,
      bike: svgDocument(width, height, full, bikeDefs, bikeBody),
    };
  }
  return {
    scene: svgDocument(width, height, full, background.defs + bikeDefs, sceneBody + bikeBody),
    sceneWidth: width,
    sceneHeight: height,
  };
}

/**
 * The shot's colour as one affine map per pixel, out = M·in + offset on RGB in 0–255: saturation
 * (mix with luma), contrast around mid-grey, brightness, then white-balance gains.
 */
export function colourTransform(plan: PhotoPlan): { matrix: number[][]; offset: number[] } {
  const luma = [0.299, 0.587, 0.114];
  const s = plan.saturation;
  const gain = [
    1 + 0.1 * plan.temperature,
    1 + 0.015 * plan.temperature,
    1 - 0.1 * plan.temperature,
  ];
  const matrix = gain.map((g, row) =>
    luma.map(
      (w, col) => plan.brightness * plan.contrast * g * ((1 - s) * w + (row === col ? s : 0)),
    ),
  );
  const offset = gain.map((g) => plan.brightness * g * 128 * (1 - plan.contrast));
  return { matrix, offset };
}

/**
 * Applies the shot's colour map (`colourTransform`) and adds grey sensor noise (`noise`, seeded by
 * `noiseSeed`) in place to 3-channel pixels; results are rounded and clamped to 0–255.
 */
export function developPixels(pixels: Uint8Array, plan: PhotoPlan): void {
  const { matrix: m, offset: o } = colourTransform(plan);
  const out = new Uint8ClampedArray(pixels.buffer, pixels.byteOffset, pixels.length);
  const random = createRandom(plan.noiseSeed);
  const amplitude = plan.noise * 2;
  for (let i = 0; i < pixels.length; i += 3) {
    const r = pixels[i];
    const g = pixels[i + 1];
    const b = pixels[i + 2];
    const n = (random() + random() - 1) * amplitude;
    out[i] = m[0][0] * r + m[0][1] * g + m[0][2] * b + o[0] + n;
    out[i + 1] = m[1][0] * r + m[1][1] * g + m[1][2] * b + o[1] + n;
    out[i + 2] = m[2][0] * r + m[2][1] * g + m[2][2] * b + o[2] + n;
  }
}

/**
 * Renders one shot to JPEG bytes: the SVG layers at the output size (librsvg via sharp), the
 * blur, the colour map and sensor noise, then JPEG compression at the plan's quality. The same
 * inputs always give the same bytes.
 */
export async function renderPhoto(
  bike: BikeSpec,
  scene: SceneSpec,
  plan: PhotoPlan,
  width: number,
  height: number,
): Promise<Buffer> {
  const layers = photoLayers(bike, scene, plan, width, height);
  let image: Sharp;
  if (layers.bike) {
    const small = await sharp(Buffer.from(layers.scene)).removeAlpha().raw().toBuffer();
    image = sharp(small, {
      raw: { width: layers.sceneWidth, height: layers.sceneHeight, channels: 3 },
    })
      .resize(width, height, { kernel: 'cubic' })
      .composite([{ input: Buffer.from(layers.bike) }]);
  } else {
    image = sharp(Buffer.from(layers.scene));
  }
  if (plan.blur > 0) image = image.blur(plan.blur);
  const pixels = await image.removeAlpha().raw().toBuffer();
  developPixels(pixels, plan);
  return sharp(pixels, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: plan.quality })
    .toBuffer();
}
