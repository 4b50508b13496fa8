/**
 * Renders a training run's report.html: one self-contained page (inline CSS, inline SVG charts,
 * thumbnails as base64 JPEG data URIs, no scripts, a Content-Security-Policy that forbids
 * fetching anything) that can be mailed or archived. Sections: summary, training charts,
 * prediction gallery, grouping threshold (when the run grouped photos), configuration, timings.
 */
import { writeFileAtomic } from '../util/fs.js';
import { info, warn } from '../util/log.js';
import { Progress } from '../util/progress.js';
import { renderCurves } from './curves.js';
import { galleryPaths, renderGallery, selectGallery } from './gallery.js';
import { renderGrouping } from './grouping.js';
import { escapeHtml, formatCount } from './html.js';
import { reportCss } from './style.js';
import { renderSummary } from './summary.js';
import { renderConfig, renderTimings } from './tables.js';
import { makeThumbnails } from './thumbnail.js';
import type { RenderOptions, RunReport } from './types.js';
import { validateReport, validateRenderOptions } from './validate.js';

/** Default number of gallery queries shown (the worst by AP). */
export const defaultMaxQueries = 40;
/** Default number of matches shown per gallery query. */
export const defaultMaxMatches = 8;
/** Default longest thumbnail side, pixels. */
export const defaultThumbnailSize = 160;

const contentSecurityPolicy = "default-src 'none'; img-src data:; style-src 'unsafe-inline'";

/**
 * Renders the report as one HTML document (a string). Validates `report` first (a SamebikeError
 * names the first bad field), then reads and shrinks the gallery's photos; a photo that cannot be
 * read is shown as a grey box with its file name and counted in one warning.
 *
 * @example
 * const html = await renderReport(report, { maxQueries: 20 });
 */
export async function renderReport(
  report: RunReport,
  options: RenderOptions = {},
): Promise<string> {
  validateReport(report);
  validateRenderOptions(options);
  const maxQueries = options.maxQueries ?? defaultMaxQueries;
  const maxMatches = options.maxMatches ?? report.gallery.maxMatches ?? defaultMaxMatches;
  const thumbnailSize = options.thumbnailSize ?? defaultThumbnailSize;

  const selection = selectGallery(report.gallery, maxQueries, maxMatches);
  const paths = [...new Set(galleryPaths(selection))];
  const progress = new Progress('report thumbnails', paths.length, 'img');
  const thumbnails = await makeThumbnails(
    paths,
    { size: thumbnailSize, quality: options.jpegQuality ?? 70 },
    () => progress.tick(),
  );
  const failed = paths.filter((p) => !thumbnails.get(p)?.ok);
  if (failed.length > 0) {
    const first = thumbnails.get(failed[0]);
    const reason = first && !first.ok ? first.reason : 'unknown';
    warn(
      `report: ${failed.length} of ${paths.length} gallery photos could not be read and show ` +
        `as grey boxes (first: ${failed[0]}: ${reason})`,
    );
  }

  const k = report.metrics.trained.k;
  const sections = [
    renderSummary(report),
    renderCurves(report),
    renderGallery(selection, k, thumbnails, thumbnailSize),
  ];
  const links: [string, string][] = [
    ['summary', 'Summary'],
    ['charts', 'Training'],
    ['gallery', 'Gallery'],
  ];
  if (report.grouping) {
    sections.push(renderGrouping(report.grouping));
    links.push(['grouping', 'Grouping']);
  }
  sections.push(renderConfig(report.config));
  links.push(['config', 'Configuration']);
  if (report.timings && Object.keys(report.timings).length > 0) {
    sections.push(renderTimings(report.timings));
    links.push(['timings', 'Timings']);
  }

  const title = escapeHtml(report.title);
  return (
    '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">' +
    `<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy}">` +
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    `<title>${title}</title><style>${reportCss}</style></head><body>` +
    `<header><h1>${title}</h1><span class="created">${escapeHtml(report.createdAt)}</span>` +
    '</header><nav>' +
    links.map(([id, name]) => `<a href="#${id}">${name}</a>`).join('') +
    '</nav>' +
    sections.join('\n') +
    `<footer>samebike report · ${formatCount(report.dataSummary.photos)} photos · ` +
    `${escapeHtml(report.createdAt)}</footer></body></html>\n`
  );
}

/**
 * Renders the report and writes it to `path` atomically (readers never see half a file), then
 * logs the file's size.
 */
export async function writeReport(
  path: string,
  report: RunReport,
  options: RenderOptions = {},
): Promise<void> {
  const html = await renderReport(report, options);
  writeFileAtomic(path, html);
  info(`wrote ${path} (${(Buffer.byteLength(html) / 1e6).toFixed(1)} MB)`);
}
