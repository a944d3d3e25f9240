/** R2 lists at most this many keys at a time, and deletes as many in one call. */
const PAGE = 1000;

/**
 * Deletes every file of a conversation from R2 (all under `conversations/{id}/`, see
 * conversation/attachments.ts fileKey), sent or not, a page at a time. Safe to run again:
 * a second run finds nothing. Answers how many it deleted.
 */
export async function deleteConversationFiles(bucket: R2Bucket, conversationId: string): Promise<number> {
  const prefix = `conversations/${conversationId}/`;
  let deleted = 0;
  for (;;) {
    // Always the first page: what was listed before is gone.
    const listed = await bucket.list({ prefix, limit: PAGE });
    if (listed.objects.length === 0) return deleted;
    await bucket.delete(listed.objects.map((o) => o.key));
    deleted += listed.objects.length;
    if (!listed.truncated) return deleted;
  }
}
