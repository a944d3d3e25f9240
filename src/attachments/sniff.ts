/**
 * What a file is, from its own bytes (docs/attachments.md "Limits and types"): the client's
 * Content-Type and the file name are claims, checked against what the bytes say. Pure: a
 * prefix of the file in, a verdict out. Bottom layer: imports nothing.
 */

/** How much of a file is read before deciding: enough for a JPEG's frame header behind most EXIF blocks. */
export const SNIFF_BYTES = 64 * 1024;

export interface Family {
  /** The type served when the name has no extension of the family's. */
  readonly type: string;
  /** Extensions a name may end in, each with the type it serves as. */
  readonly extensions: Readonly<Record<string, string>>;
  /** Shown in the browser (Content-Disposition: inline); everything else downloads. */
  readonly inline: boolean;
}

const image = (type: string, ...extensions: string[]): Family => ({ type, extensions: Object.fromEntries(extensions.map((e) => [e, type])), inline: true });

const FAMILIES = {
  png: image('image/png', 'png'),
  jpeg: image('image/jpeg', 'jpg', 'jpeg'),
  gif: image('image/gif', 'gif'),
  webp: image('image/webp', 'webp'),
  pdf: { type: 'application/pdf', extensions: { pdf: 'application/pdf' }, inline: false },
  zip: {
    type: 'application/zip',
    extensions: {
      zip: 'application/zip',
      docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
      xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
      odt: 'application/vnd.oasis.opendocument.text',
      ods: 'application/vnd.oasis.opendocument.spreadsheet',
      odp: 'application/vnd.oasis.opendocument.presentation',
    },
    inline: false,
  },
  text: { type: 'text/plain', extensions: { txt: 'text/plain', log: 'text/plain', csv: 'text/csv', md: 'text/markdown' }, inline: false },
} as const satisfies Record<string, Family>;

export type FamilyName = keyof typeof FAMILIES;

/** Types served inline: images a browser renders without running anything. */
export const INLINE_TYPES: ReadonlySet<string> = new Set(Object.values(FAMILIES).filter((f) => f.inline).map((f) => f.type));

export type Sniffed =
  | { ok: true; type: string; inline: boolean; width?: number; height?: number }
  | { ok: false; reason: 'not_allowed' | 'mismatch'; message: string };

const startsWith = (bytes: Uint8Array, signature: readonly number[], at = 0): boolean =>
  bytes.length >= at + signature.length && signature.every((b, i) => bytes[at + i] === b);
const ascii = (text: string): number[] => [...text].map((c) => c.charCodeAt(0));

const u16be = (b: Uint8Array, at: number) => (b[at]! << 8) | b[at + 1]!;
const u16le = (b: Uint8Array, at: number) => b[at]! | (b[at + 1]! << 8);
const u24le = (b: Uint8Array, at: number) => b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16);
const u32be = (b: Uint8Array, at: number) => ((b[at]! << 24) >>> 0) + ((b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!);

type Size = { width: number; height: number } | null;

function pngSize(b: Uint8Array): Size {
  return b.length >= 24 && startsWith(b, ascii('IHDR'), 12) ? { width: u32be(b, 16), height: u32be(b, 20) } : null;
}

const gifSize = (b: Uint8Array): Size => (b.length >= 10 ? { width: u16le(b, 6), height: u16le(b, 8) } : null);

function webpSize(b: Uint8Array): Size {
  if (b.length < 30) return null;
  if (startsWith(b, ascii('VP8X'), 12)) return { width: u24le(b, 24) + 1, height: u24le(b, 27) + 1 };
  if (startsWith(b, ascii('VP8 '), 12) && startsWith(b, [0x9d, 0x01, 0x2a], 23)) return { width: u16le(b, 26) & 0x3fff, height: u16le(b, 28) & 0x3fff };
  if (startsWith(b, ascii('VP8L'), 12) && b[20] === 0x2f) {
    const bits = b[21]! | (b[22]! << 8) | (b[23]! << 16) | (b[24]! << 24);
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  return null;
}

/** A JPEG's size is in its first start-of-frame segment, found by walking the segments. */
function jpegSize(b: Uint8Array): Size {
  let at = 2;
  while (at + 9 < b.length) {
    if (b[at] !== 0xff) return null;
    const marker = b[at + 1]!;
    if (marker === 0xff) {
      at += 1;
      continue;
    }
    // SOF0–SOF15 except DHT (C4), JPG (C8) and DAC (CC).
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) return { width: u16be(b, at + 7), height: u16be(b, at + 5) };
    at += 2 + u16be(b, at + 2);
  }
  return null;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/**
 * Text is UTF-8 without control characters but tab, LF, FF and CR; one that opens with `<` is
 * markup (HTML, SVG, XML) and refused: a browser or a viewer could take it for a page.
 * `complete`: the prefix is the whole file; otherwise a character cut at its end is fine.
 */
function isPlainText(b: Uint8Array, complete: boolean): boolean {
  let text: string;
  try {
    text = utf8.decode(b, { stream: !complete });
  } catch {
    return false;
  }
  if (/[\u0000-\u0008\u000b\u000e-\u001f\u007f]/.test(text)) return false;
  return !text.replace(/^\ufeff/, '').trimStart().startsWith('<');
}

function familyOf(b: Uint8Array, complete: boolean): { family: FamilyName; size: Size } | null {
  if (startsWith(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return { family: 'png', size: pngSize(b) };
  if (startsWith(b, [0xff, 0xd8, 0xff])) return { family: 'jpeg', size: jpegSize(b) };
  if (startsWith(b, ascii('GIF87a')) || startsWith(b, ascii('GIF89a'))) return { family: 'gif', size: gifSize(b) };
  if (startsWith(b, ascii('RIFF')) && startsWith(b, ascii('WEBP'), 8)) return { family: 'webp', size: webpSize(b) };
  if (startsWith(b, ascii('%PDF-'))) return { family: 'pdf', size: null };
  if (startsWith(b, [0x50, 0x4b, 0x03, 0x04]) || startsWith(b, [0x50, 0x4b, 0x05, 0x06])) return { family: 'zip', size: null };
  if (b.length > 0 && isPlainText(b, complete)) return { family: 'text', size: null };
  return null;
}

/** The extension of a file name, lowercased; '' for none (`README`, `.profile`). */
export const extensionOf = (name: string): string => {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
};

/** The media type a Content-Type header claims, without parameters; null when it claims nothing. */
const claimOf = (contentType: string | null): string | null => {
  const type = contentType?.split(';')[0]!.trim().toLowerCase() ?? '';
  return type === '' || type === 'application/octet-stream' ? null : type;
};

/** Every type some family serves as, with its family: a claim of one of them names that family. */
const KNOWN_TYPES: ReadonlyMap<string, FamilyName> = new Map(
  (Object.entries(FAMILIES) as Array<[FamilyName, Family]>).flatMap(([name, f]) => Object.values(f.extensions).map((t) => [t, name] as const)),
);
/** Claims of what a browser would run or render as a page: never what an accepted file is. */
const MARKUP = /^(text\/html|application\/xhtml\+xml|image\/svg\+xml|text\/xml|application\/xml|text\/javascript|application\/javascript)$/;

/**
 * What the file is. `prefix`: its first bytes (SNIFF_BYTES, or all of a shorter file, then
 * `complete`); `name`: the name it will be shown under; `contentType`: the client's claim.
 * A name must end in one of its family's extensions, or in none. A claimed type must not be
 * markup, an image other than the file, or another family's type; claims Doorbell does not
 * know (`application/x-zip-compressed`) say nothing, and `application/octet-stream` neither.
 */
export function sniff(prefix: Uint8Array, name: string, contentType: string | null, complete: boolean): Sniffed {
  const found = familyOf(prefix, complete);
  if (!found) {
    return { ok: false, reason: 'not_allowed', message: 'This type of file is not accepted: images (PNG, JPEG, GIF, WebP), PDF, zip and Office documents, and plain text are.' };
  }
  const family: Family = FAMILIES[found.family];
  const extension = extensionOf(name);
  if (extension !== '' && !(extension in family.extensions)) {
    return { ok: false, reason: 'mismatch', message: `The file is named ".${extension}" but its content is ${family.type}.` };
  }
  const type = extension === '' ? family.type : family.extensions[extension]!;
  const claim = claimOf(contentType);
  const claimed = claim === null ? found.family : KNOWN_TYPES.get(claim);
  if (claim !== null && (MARKUP.test(claim) || (claimed !== undefined && claimed !== found.family) || (claimed === undefined && claim.startsWith('image/')))) {
    return { ok: false, reason: 'mismatch', message: `The file is sent as ${claim} but its content is ${family.type}.` };
  }
  return { ok: true, type, inline: family.inline, ...(found.size && found.size.width > 0 && found.size.height > 0 ? found.size : {}) };
}
