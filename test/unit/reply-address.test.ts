import { describe, expect, it } from 'vitest';
import { looksLikeReplyAddress, replyAddress, replyDomain, verifyReplyAddress } from '../../src/continuity/reply-address';

const env = { REPLY_SECRET: 'unit-test-reply-secret', REPLY_DOMAIN: 'Reply.Doorbell.Example', EMAIL_FROM: 'Doorbell <meetings@doorbell.example>' };
const conversationId = 'cv_3f2a1b0c9d8e7f60514233241506f79a';

describe('signed reply addresses (C12)', () => {
  it('names the conversation and the recipient, and verifies back to them', async () => {
    const address = await replyAddress(env, { conversationId, handle: 3 });
    expect(address).toMatch(/^reply\+3f2a1b0c9d8e7f60514233241506f79a\.3\.[a-z2-7]{16}@reply\.doorbell\.example$/);
    expect(await verifyReplyAddress(env, address)).toEqual({ conversationId, handle: 3 });
    expect(looksLikeReplyAddress(address)).toBe(true);
    expect(looksLikeReplyAddress('meetings@doorbell.example')).toBe(false);
  });

  it('fits the 64-character limit of a local part even for the largest handle', async () => {
    const address = await replyAddress(env, { conversationId, handle: 99_999_999 });
    expect(address.split('@')[0]!.length).toBeLessThanOrEqual(64);
    expect(await verifyReplyAddress(env, address)).toEqual({ conversationId, handle: 99_999_999 });
  });

  it('survives a mail server that changes the case of the address', async () => {
    const address = await replyAddress(env, { conversationId, handle: 12 });
    expect(await verifyReplyAddress(env, address.toUpperCase())).toEqual({ conversationId, handle: 12 });
  });

  it('refuses any change to the conversation, the recipient or the signature, and another key', async () => {
    const address = await replyAddress(env, { conversationId, handle: 4 });
    const [local, domain] = address.split('@') as [string, string];
    const flip = (text: string, at: number) => text.slice(0, at) + (text[at] === '2' ? '3' : '2') + text.slice(at + 1);
    expect(await verifyReplyAddress(env, `${flip(local, 6)}@${domain}`)).toBeNull();
    expect(await verifyReplyAddress(env, address.replace('.4.', '.5.'))).toBeNull();
    expect(await verifyReplyAddress(env, `${flip(local, local.length - 1)}@${domain}`)).toBeNull();
    expect(await verifyReplyAddress({ ...env, REPLY_SECRET: 'another-secret' }, address)).toBeNull();
    expect(await verifyReplyAddress(env, 'reply+nonsense@reply.doorbell.example')).toBeNull();
    expect(await verifyReplyAddress(env, `${local}x@${domain}`)).toBeNull();
  });

  it('uses the domain of EMAIL_FROM when REPLY_DOMAIN is empty, and will not sign without a secret', async () => {
    expect(replyDomain({ ...env, REPLY_DOMAIN: '' })).toBe('doorbell.example');
    await expect(replyAddress({ ...env, REPLY_SECRET: '' }, { conversationId, handle: 1 })).rejects.toThrow(/REPLY_SECRET/);
  });
});
