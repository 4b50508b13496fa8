/**
 * Recognising a file's format from its first bytes (its "magic number"), without decoding it.
 * Used only to explain a failed decode: a BMP that sharp cannot read is an unsupported format,
 * an HTML error page saved as `.jpg` is not an image at all, a JPEG without its end marker was
 * cut short.
 */

/** A file format recognised from its signature, and whether this build of sharp decodes it. */
export interface SniffedFormat {
  /** Short display name, e.g. "JPEG", "BMP", "HEIC". */
  name: string;
  /** True when the prebuilt sharp (libvips without ImageMagick) can decode the format. */
  supported: boolean;
}

function startsWith(bytes: Uint8Array, signature: readonly number[], offset = 0): boolean {
  if (bytes.length < offset + signature.length) return false;
  for (let i = 0; i < signature.length; i++) {
    if (bytes[offset + i] !== signature[i]) return false;
  }
  return true;
}

function ascii(text: string): number[] {
  const codes: number[] = [];
  for (let i = 0; i < text.length; i++) codes.push(text.charCodeAt(i));
  return codes;
}

/** The brand of an ISO base media file (`....ftypBRND`), the container of HEIC and AVIF. */
function isoBrand(bytes: Uint8Array): string | undefined {
  if (!startsWith(bytes, ascii('ftyp'), 4) || bytes.length < 12) return undefined;
  return String.fromCharCode(bytes[8], bytes[9], bytes[10], bytes[11]);
}

/**
 * The image format whose signature starts `bytes`, or undefined when none matches. Covers the
 * formats sharp reads (JPEG, PNG, WebP, GIF, TIFF, AVIF, SVG) and common ones it does not (BMP,
 * ICO, HEIC, PSD, JPEG 2000, JPEG XL, PDF).
 */
export function sniffFormat(bytes: Uint8Array): SniffedFormat | undefined {
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return { name: 'JPEG', supported: true };
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47])) return { name: 'PNG', supported: true };
  if (startsWith(bytes, ascii('GIF8'))) return { name: 'GIF', supported: true };
  if (startsWith(bytes, ascii('RIFF')) && startsWith(bytes, ascii('WEBP'), 8)) {
    return { name: 'WebP', supported: true };
  }
  if (startsWith(bytes, [0x49, 0x49, 0x2a, 0x00]) || startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2a])) {
    return { name: 'TIFF', supported: true };
  }
  const brand = isoBrand(bytes);
  if (brand === 'avif' || brand === 'avis') return { name: 'AVIF', supported: true };
  if (brand !== undefined && /^(heic|heix|hevc|hevx|heim|heis|mif1|msf1)$/.test(brand)) {
    return { name: 'HEIC', supported: false };
  }
  if (brand === 'jp2 ' || startsWith(bytes, [0xff, 0x4f, 0xff, 0x51])) {
    return { name: 'JPEG 2000', supported: false };
  }
  if (startsWith(bytes, [0x00, 0x00, 0x00, 0x0c, 0x6a, 0x50, 0x20, 0x20])) {
    return { name: 'JPEG 2000', supported: false };
  }
  if (startsWith(bytes, [0xff, 0x0a]) || startsWith(bytes, [0, 0, 0, 0x0c, 0x4a, 0x58, 0x4c])) {
    return { name: 'JPEG XL', supported: false };
  }
  if (startsWith(bytes, ascii('BM')) && bytes.length >= 26)
    return { name: 'BMP', supported: false };
  if (startsWith(bytes, [0x00, 0x00, 0x01, 0x00])) return { name: 'ICO', supported: false };
  if (startsWith(bytes, [0x00, 0x00, 0x02, 0x00])) return { name: 'CUR', supported: false };
  if (startsWith(bytes, ascii('8BPS'))) return { name: 'PSD', supported: false };
  if (startsWith(bytes, ascii('%PDF'))) return { name: 'PDF', supported: false };
  return undefined;
}

/**
 * False when the file is certainly cut short: a JPEG without its end-of-image marker (FF D9), a
 * PNG without its IEND chunk, a GIF without its trailer byte, a WebP shorter than its RIFF header
 * says. Tolerates up to 4 KiB of trailing
 * bytes after the marker (some cameras and editors append padding). True for other formats.
 */
export function hasEndMarker(format: SniffedFormat | undefined, bytes: Uint8Array): boolean {
  if (format === undefined) return true;
  const tail = bytes.subarray(Math.max(0, bytes.length - 4096));
  if (format.name === 'JPEG') {
    for (let i = tail.length - 2; i >= 0; i--) {
      if (tail[i] === 0xff && tail[i + 1] === 0xd9) return true;
    }
    return false;
  }
  if (format.name === 'PNG') {
    const iend = ascii('IEND');
    for (let i = tail.length - 4; i >= 0; i--) {
      if (startsWith(tail, iend, i)) return true;
    }
    return false;
  }
  if (format.name === 'GIF') return tail.includes(0x3b);
  if (format.name === 'WebP' && bytes.length >= 8) {
    const declared = bytes[4] | (bytes[5] << 8) | (bytes[6] << 16) | (bytes[7] * 2 ** 24);
    return bytes.length >= declared + 8;
  }
  return true;
}

/**
 * When the first 256 bytes hold no control characters other than tab and line ends (text, as in
 * an HTML error page or a saved URL; every binary image format has some in its header), returns
 * the start of that text on one line, at most 40 characters; otherwise undefined.
 */
export function textPreview(bytes: Uint8Array): string | undefined {
  const head = bytes.subarray(0, 256);
  if (head.length === 0) return undefined;
  for (const byte of head) {
    const control = byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d;
    if (control || byte === 0x7f) return undefined;
  }
  const text = new TextDecoder('utf-8', { fatal: false }).decode(head);
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 40 ? `${line.slice(0, 40)}...` : line;
}
