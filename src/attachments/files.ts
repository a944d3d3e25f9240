import { fileKey } from '../conversation/attachments';

/** R2 deletes at most this many keys a call. */
const DELETE_BATCH = 1000;

/**
 * Deletes the bytes of a conversation's files from R2: unsent uploads by the sweep, an erased
 * guest's files (docs/privacy.md). Deleting a key that is gone is no error, so a retry is safe.
 */
export async function deleteFiles(bucket: R2Bucket, conversationId: string, ids: readonly string[]): Promise<void> {
  for (let i = 0; i < ids.length; i += DELETE_BATCH) await bucket.delete(ids.slice(i, i + DELETE_BATCH).map((id) => fileKey(conversationId, id)));
}
