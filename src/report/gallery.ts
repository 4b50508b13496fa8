/**
 * The report's prediction gallery: the worst queries first (lowest AP@k), each with its
 * thumbnail, label, AP and number of relevant photos, then its nearest gallery photos with their
 * similarity, framed green with "match" when they show the same ad and red with "no match"
 * otherwise. Thumbnails come in ready-made; a photo that could not be read shows as a grey box
 * with its file name.
 */
import { baseName, escapeHtml, formatCount, formatMetric } from './html.js';
import type { Thumbnail } from './thumbnail.js';
import type { Gallery, GalleryQuery } from './types.js';

/** What the gallery shows. */
export interface GallerySelection {
  /** Queries to show, worst AP first. */
  queries: GalleryQuery[];
  /** Matches shown per query. */
  maxMatches: number;
  /** Queries in the report before the limit. */
  total: number;
}

/**
 * Picks the queries to show: sorted by AP ascending (a query without a finite AP goes last,
 * ties keep their order), the first `maxQueries`, each cut to `maxMatches` matches.
 */
export function selectGallery(
  gallery: Gallery,
  maxQueries: number,
  maxMatches: number,
): GallerySelection {
  const key = (q: GalleryQuery) => (Number.isFinite(q.ap) ? q.ap : Infinity);
  const sorted = gallery.queries
    .map((query, index) => ({ query, index }))
    .sort((a, b) => key(a.query) - key(b.query) || a.index - b.index)
    .slice(0, maxQueries)
    .map(({ query }) => ({ ...query, matches: query.matches.slice(0, maxMatches) }));
  return { queries: sorted, maxMatches, total: gallery.queries.length };
}

/** Every photo path the selection shows, queries and matches, in page order. */
export function galleryPaths(selection: GallerySelection): string[] {
  return selection.queries.flatMap((q) => [q.image, ...q.matches.map((m) => m.image)]);
}

function image(path: string, thumbnails: Map<string, Thumbnail>): string {
  const thumbnail = thumbnails.get(path);
  if (thumbnail?.ok) {
    return (
      `<img src="${thumbnail.dataUri}" width="${thumbnail.width}" height="${thumbnail.height}"` +
      ` alt="${escapeHtml(baseName(path))}" title="${escapeHtml(path)}">`
    );
  }
  const reason = thumbnail && !thumbnail.ok ? thumbnail.reason : 'not read';
  return (
    `<div class="placeholder" title="${escapeHtml(`${path}: ${reason}`)}">` +
    `<b>image not readable</b><span class="file">${escapeHtml(baseName(path))}</span></div>`
  );
}

function apClass(ap: number): string {
  if (!Number.isFinite(ap)) return '';
  return ap < 0.5 ? 'ap-bad' : ap < 0.8 ? 'ap-mid' : 'ap-good';
}

function queryRow(query: GalleryQuery, k: number, thumbnails: Map<string, Thumbnail>): string {
  const label = escapeHtml(query.label);
  const head =
    `<figure class="thumb query"><div class="frame">${image(query.image, thumbnails)}</div>` +
    `<figcaption><span class="label" title="${label}">${label}</span>` +
    `AP@${k} <span class="ap ${apClass(query.ap)}">${formatMetric(query.ap)}</span> · ` +
    `<span class="relevant">${formatCount(query.relevant)}</span> relevant</figcaption></figure>`;
  const matches = query.matches
    .map((match, i) => {
      const kind = match.match ? 'match' : 'no-match';
      const matchLabel = escapeHtml(match.label);
      return (
        `<figure class="thumb ${kind}"><div class="frame">${image(match.image, thumbnails)}` +
        `</div><figcaption><span class="rank">${i + 1}.</span> ` +
        `<span class="sim" title="cosine similarity to the query">` +
        `${formatMetric(match.similarity)}</span> ` +
        `<span class="mark">${match.match ? '\u2713 match' : '\u2717 no match'}</span>` +
        `<span class="label" title="${matchLabel}">${matchLabel}</span></figcaption></figure>`
      );
    })
    .join('');
  return (
    `<div class="query-row" data-ap="${Number.isFinite(query.ap) ? query.ap : ''}">${head}` +
    `<div class="matches">${matches || '<p class="empty">no matches returned</p>'}</div></div>`
  );
}

/** Renders the gallery section from the selected queries and their thumbnails. */
export function renderGallery(
  selection: GallerySelection,
  k: number,
  thumbnails: Map<string, Thumbnail>,
  thumbnailSize: number,
): string {
  const shown = selection.queries.length;
  const which =
    shown === selection.total
      ? `All ${formatCount(shown)} queries`
      : `The ${formatCount(shown)} worst of ${formatCount(selection.total)} queries`;
  const intro =
    selection.total === 0
      ? 'The run recorded no gallery queries.'
      : `${which} by AP@${k}, worst first, each with its ${formatCount(selection.maxMatches)} ` +
        'nearest gallery photos and their cosine similarity. Green frame: the same ad as the ' +
        'query (match); red frame: another ad (no match).';
  const rows = selection.queries.map((q) => queryRow(q, k, thumbnails)).join('');
  return (
    `<section id="gallery" style="--thumb: ${thumbnailSize}px; ` +
    `--matches: ${selection.maxMatches}"><h2>Prediction gallery</h2>` +
    `<p class="note">${intro}</p>` +
    `<div class="gallery">${rows}</div></section>`
  );
}
