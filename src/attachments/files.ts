import { fileKey } from '../conversation/attachments';

/** R2 deletes at most this many keys a call, and lists as many. */
const DELETE_BATCH = 1000;

/**
 * Deletes the bytes of a conversation's files from R2: unsent uploads by the sweep, an erased
 * guest's files (docs/privacy.md). Deleting a key that is gone is no error, so a retry is safe.
 */
export async function deleteFiles(bucket: R2Bucket, conversationId: string, ids: readonly string[]): Promise<void> {
  for (let i = 0; i < ids.length; i += DELETE_BATCH) await bucket.delete(ids.slice(i, i + DELETE_BATCH).map((id) => fileKey(conversationId, id)));
}

/**
 * Deletes every file of a conversation from R2 (all under its prefix, see fileKey), sent or
 * not, a page at a time: retention (docs/privacy.md "Retention"). Safe to run again: a second
 * run finds nothing. Answers how many it deleted.
 */
export async function deleteConversationFiles(bucket: R2Bucket, conversationId: string): Promise<number> {
  const prefix = fileKey(conversationId, '');
  let deleted = 0;
  for (;;) {
    // Always the first page: what was listed before is gone.
    const listed = await bucket.list({ prefix, limit: DELETE_BATCH });
    if (listed.objects.length === 0) return deleted;
    await bucket.delete(listed.objects.map((o) => o.key));
    deleted += listed.objects.length;
    if (!listed.truncated) return deleted;
  }
}
