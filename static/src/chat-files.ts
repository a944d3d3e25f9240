// Files in the chat panel (docs/attachments.md): making photos smaller before they are sent,
// names unique within a message, and the words for sizes and types. The panel itself
// (chat-view.ts) draws them; the client (chat-client.ts) uploads them.
import type { Staged } from './chat-client';

/** Files one message may carry (the server's limit, docs/attachments.md). */
export const MAX_FILES = 10;
/** Types shown inline as pictures; everything else is a chip that downloads. */
export const inline = (type: string) => /^image\/(png|jpeg|gif|webp)$/.test(type);

const LONG_SIDE = 1600;

/**
 * A photo made at most 1600 px on its long side, in its own type. The server serves files as
 * they were sent, so a phone's 4000 px photo would otherwise reach every thumbnail at full
 * weight. GIFs keep their animation; whatever cannot be redrawn (or would not shrink) is sent as is.
 */
export async function shrink(file: File, name: string): Promise<Staged> {
  const as = { file, name };
  if (!/^image\/(png|jpeg|webp)$/.test(file.type)) return as;
  try {
    const bitmap = await createImageBitmap(file);
    const scale = LONG_SIDE / Math.max(bitmap.width, bitmap.height);
    if (scale >= 1) return as;
    const canvas = document.createElement('canvas');
    canvas.width = Math.round(bitmap.width * scale);
    canvas.height = Math.round(bitmap.height * scale);
    canvas.getContext('2d')!.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    const smaller = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, file.type, 0.85));
    // A browser that cannot write this type answers PNG, which the name would then belie.
    return smaller && smaller.type === file.type && smaller.size < file.size ? { file: smaller, name } : as;
  } catch {
    return as;
  }
}

/** `name`, or `name (2).ext`…: the server tells a message's files apart by name. */
export function uniqueName(name: string, taken: string[]): string {
  const dot = name.lastIndexOf('.');
  const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
  let candidate = name;
  for (let n = 2; taken.includes(candidate); n++) candidate = `${stem} (${n})${ext}`;
  return candidate;
}

export const sizeText = (bytes: number) =>
  bytes < 1024 ? `${bytes} B` : bytes < 1024 * 1024 ? `${Math.max(1, Math.round(bytes / 1024))} KB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/** The type as a person knows it: the name's extension (the server made it agree with the bytes). */
export const typeText = (name: string, type: string) => {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot + 1).toUpperCase() : type === 'text/plain' ? 'TXT' : type;
};
