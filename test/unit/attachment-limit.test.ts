import { afterEach, describe, expect, it, vi } from 'vitest';
import { attachmentMaxBytes, DEFAULT_ATTACHMENT_MAX_BYTES } from '../../src/vars';

afterEach(() => vi.restoreAllMocks());

describe('ATTACHMENT_MAX_BYTES (src/vars.ts)', () => {
  it('is 10 MiB unless set; a number of bytes sets it', () => {
    expect(attachmentMaxBytes({})).toBe(10 * 1024 * 1024);
    expect(attachmentMaxBytes({ ATTACHMENT_MAX_BYTES: '' })).toBe(DEFAULT_ATTACHMENT_MAX_BYTES);
    expect(attachmentMaxBytes({ ATTACHMENT_MAX_BYTES: '2097152' })).toBe(2097152);
  });

  it('a value that is not a number of bytes is logged once and the default holds', () => {
    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    for (const value of ['10MB', '-1', '0', '1e9', ' 5']) expect(attachmentMaxBytes({ ATTACHMENT_MAX_BYTES: value }), value).toBe(DEFAULT_ATTACHMENT_MAX_BYTES);
    attachmentMaxBytes({ ATTACHMENT_MAX_BYTES: '10MB' });
    expect(log).toHaveBeenCalledTimes(5);
    expect(log).toHaveBeenCalledWith('ATTACHMENT_MAX_BYTES is "10MB" in wrangler.toml [vars]; set it to a number of bytes. Using 10485760.');
  });
});
