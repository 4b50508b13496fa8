/**
 * Thumbnails for the report's gallery: each photo is read with sharp, turned upright (EXIF
 * orientation), shrunk to fit a square of `size` pixels and encoded as a base64 JPEG data URI,
 * so the report file carries its images with it. A photo that cannot be read becomes a failure
 * record with the reason instead of an exception; the page then shows a grey placeholder.
 */
import sharp from 'sharp';

/** A thumbnail made from a photo, or the reason it could not be made. */
export type Thumbnail =
  { ok: true; dataUri: string; width: number; height: number } | { ok: false; reason: string };

/** How thumbnails are made. */
export interface ThumbnailOptions {
  /** Longest side in pixels. Default 160. */
  size?: number;
  /** JPEG quality, 1–100. Default 70. */
  quality?: number;
  /** Photos decoded at the same time. Default 4. */
  concurrency?: number;
}

/** Makes one thumbnail; never throws for a missing, unreadable or corrupt photo. */
export async function makeThumbnail(
  path: string,
  options: ThumbnailOptions = {},
): Promise<Thumbnail> {
  const size = options.size ?? 160;
  try {
    const { data, info } = await sharp(path)
      .rotate()
      .resize({ width: size, height: size, fit: 'inside', withoutEnlargement: true })
      .flatten({ background: '#ffffff' })
      .jpeg({ quality: options.quality ?? 70 })
      .toBuffer({ resolveWithObject: true });
    return {
      ok: true,
      dataUri: `data:image/jpeg;base64,${data.toString('base64')}`,
      width: info.width,
      height: info.height,
    };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * Makes the thumbnails of many photos, each distinct path once, a few at a time. Returns a map
 * from path to thumbnail; `onDone` is called after each photo (for a progress bar).
 */
export async function makeThumbnails(
  paths: Iterable<string>,
  options: ThumbnailOptions = {},
  onDone?: () => void,
): Promise<Map<string, Thumbnail>> {
  const unique = [...new Set(paths)];
  const results = new Map<string, Thumbnail>();
  let next = 0;
  const worker = async () => {
    while (next < unique.length) {
      const path = unique[next++];
      results.set(path, await makeThumbnail(path, options));
      onDone?.();
    }
  };
  const workers = Math.max(1, Math.min(options.concurrency ?? 4, unique.length));
  await Promise.all(Array.from({ length: workers }, worker));
  return results;
}
