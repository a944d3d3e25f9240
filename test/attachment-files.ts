/** Small real files of each accepted type (and some refused ones), built byte by byte for the attachment tests. */

const bytes = (...parts: Array<number[] | string>): Uint8Array =>
  new Uint8Array(parts.flatMap((p) => (typeof p === 'string' ? [...new TextEncoder().encode(p)] : p)));
const be32 = (n: number) => [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
const le16 = (n: number) => [n & 255, (n >>> 8) & 255];
const le24 = (n: number) => [n & 255, (n >>> 8) & 255, (n >>> 16) & 255];

/** A PNG's signature and IHDR chunk (what the sniffer reads), then some IDAT-looking bytes. */
export const png = (width = 640, height = 480): Uint8Array =>
  bytes([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], be32(13), 'IHDR', be32(width), be32(height), [8, 6, 0, 0, 0], be32(0), be32(0), 'IDAT', be32(0));

/** A JPEG with an APP0 segment before its baseline frame header. */
export const jpeg = (width = 800, height = 600): Uint8Array =>
  bytes([0xff, 0xd8, 0xff, 0xe0], [0, 16], 'JFIF', [0, 1, 1, 0, 0, 1, 0, 1, 0, 0], [0xff, 0xc0, 0, 17, 8], [(height >> 8) & 255, height & 255, (width >> 8) & 255, width & 255], [3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1], [0xff, 0xd9]);

export const gif = (width = 32, height = 16): Uint8Array => bytes('GIF89a', le16(width), le16(height), [0, 0, 0], [0x3b]);

export const webp = (width = 300, height = 200): Uint8Array => bytes('RIFF', [22, 0, 0, 0], 'WEBP', 'VP8X', [10, 0, 0, 0], [0, 0, 0, 0], le24(width - 1), le24(height - 1));

export const pdf = (): Uint8Array => bytes('%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');

/** An empty zip archive (just its end-of-central-directory record). */
export const zip = (): Uint8Array => bytes([0x50, 0x4b, 0x05, 0x06], new Array(18).fill(0));

export const text = (content = 'Order 1234: two boxes, delivered Tuesday.\n'): Uint8Array => bytes(content);

export const svg = (): Uint8Array => bytes('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(document.domain)"><script>alert(1)</script></svg>');

export const html = (): Uint8Array => bytes('\n  <!doctype html><html><body><script>fetch("/api/inbox")</script></body></html>');

/** The start of a Windows executable. */
export const exe = (): Uint8Array => bytes('MZ', [0x90, 0, 3, 0, 0, 0, 4, 0]);
