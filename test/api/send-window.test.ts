import { describe, expect, it } from 'vitest';
import { SEND_WINDOW } from '../../src/actor/sockets';
import { agentToken, call, guestWrites, newGuest } from '../helpers';
import { TestSocket } from '../socket';

const socketPath = (id: string, since?: number) => `/api/conversations/${id}/socket${since === undefined ? '' : `?since=${since}`}`;
// 3 UTF-8 bytes a character: an entry frame of about 12 KB, so 90 of them fill the window.
const long = (n: number) => `${n} ${'€'.repeat(3990)}`;

async function conversation() {
  const guest = await newGuest('Wendy Window');
  const { body } = await guestWrites(guest, 'alice', 'first');
  return { guest, id: body.conversation.id as string };
}

/** Messages of ~12 KB from the guest over HTTP, `total` of them, in parallel batches. */
async function write(guest: { headers: Record<string, string> }, id: string, from: number, total: number) {
  for (let n = from; n < from + total; n += 20) {
    await Promise.all(
      Array.from({ length: Math.min(20, from + total - n) }, (_, k) =>
        call('POST', `/api/conversations/${id}/messages`, { headers: guest.headers, body: { clientId: `w-${n + k}`, text: long(n + k) } }).then((r) => expect(r.status).toBe(200)),
      ),
    );
  }
}

describe('the send window (issue 12 item 7)', () => {
  it('closes with 4008 a socket whose client answers no mark, before 1 MiB is unread; a client that answers keeps receiving', async () => {
    const { guest, id } = await conversation();
    const reader = await TestSocket.open(socketPath(id), await agentToken('alice'));
    const idle = await TestSocket.open(socketPath(id), guest.token);
    idle.answersMarks = false;
    await reader.next((f) => f.type === 'welcome');
    await idle.next((f) => f.type === 'welcome');

    await write(guest, id, 0, 150); // about 1.8 MiB of entries to every socket
    const closed = await idle.waitClosed(10_000);
    expect(closed).toEqual({ code: 4008, reason: 'not reading' });
    expect(idle.bytes).toBeLessThanOrEqual(SEND_WINDOW.unreadBytes);
    expect(idle.bytes).toBeGreaterThan(SEND_WINDOW.unreadBytes - 8 * 1024);
    // A mark after every 64 KiB or a little more (the frame that crossed it).
    expect(idle.frames.filter((f) => f.type === 'mark').length).toBeGreaterThanOrEqual(Math.floor(SEND_WINDOW.unreadBytes / (SEND_WINDOW.markEvery + 13_000)));

    // The reader got every message and is still open.
    await reader.next(() => reader.entries().length === 150, 0, 10_000);
    expect(reader.closed).toBeNull();
    expect(reader.bytes).toBeGreaterThan(1.7 * 1024 * 1024);
    reader.send({ type: 'ping' });
    await reader.next((f) => f.type === 'pong');
    reader.close();
  });

  it('a made-up mark answer moves nothing: only a token read off the socket counts', async () => {
    const { guest, id } = await conversation();
    const ann = await TestSocket.open(socketPath(id), guest.token);
    ann.answersMarks = false;
    await ann.next((f) => f.type === 'welcome');
    // Forged answers (a guessed token) are ignored: the socket is closed as if none came.
    for (let n = 0; n < 20; n++) ann.send({ type: 'received', mark: `forged-${n}` });
    await write(guest, id, 0, 100);
    expect((await ann.waitClosed(10_000)).code).toBe(4008);
    expect(ann.bytes).toBeLessThanOrEqual(SEND_WINDOW.unreadBytes);
  });

  it('a replay larger than the window is cut by 4008 and continued by reconnecting from the last entry received', async () => {
    const { guest, id } = await conversation();
    await write(guest, id, 0, 120);
    const token = await agentToken('alice');
    const seen: number[] = [];
    let since = 0;
    let connections = 0;
    for (;;) {
      connections++;
      const socket = await TestSocket.open(socketPath(id, since), token);
      const caughtUp = await socket.next((f) => f.type === 'caught_up', 0, 10_000).catch(() => null);
      for (const e of socket.entries()) seen.push(e.seq);
      if (caughtUp) {
        socket.close();
        break;
      }
      expect(socket.closed?.code).toBe(4008);
      since = seen.at(-1)!;
      expect(connections).toBeLessThan(4);
    }
    expect(connections).toBe(2);
    expect(seen).toEqual(Array.from({ length: 122 }, (_, i) => i + 1));
  });
});
