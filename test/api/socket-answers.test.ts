import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { asAgent, call, clientId, guestWrites, newGuest } from '../helpers';
import { TestSocket } from '../socket';

async function guestSocket() {
  const guest = await newGuest('Ann Lee');
  const { body } = await guestWrites(guest, 'alice', 'first');
  const id = body.conversation.id as string;
  const socket = await TestSocket.open(`/api/conversations/${id}/socket`, guest.token);
  await socket.next((f) => f.type === 'welcome');
  return { guest, id, socket };
}

/** Sends `frame` and returns the first ack or error that follows. */
async function answerTo(socket: TestSocket, frame: unknown): Promise<any> {
  const mark = socket.frames.length;
  socket.send(frame);
  return socket.next((f) => f.type === 'ack' || f.type === 'error', mark);
}

describe('every send frame is answered with its clientId (docs/protocol.md)', () => {
  it('an invalid send gets its error with the clientId it carried, when that clientId is of valid shape', async () => {
    const { socket } = await guestSocket();
    const cid = clientId();
    for (const frame of [
      { type: 'send', clientId: cid, text: '   ' },
      { type: 'send', clientId: cid, text: 'x'.repeat(4001) },
      { type: 'send', clientId: cid },
      { type: 'send', clientId: cid, text: 'hi', admin: true },
    ]) {
      const error = await answerTo(socket, frame);
      expect([error.type, error.code, error.clientId]).toEqual(['error', 'invalid_frame', cid]);
    }
    // A clientId that is itself invalid cannot name anything.
    const bad = await answerTo(socket, { type: 'send', clientId: 'not valid!', text: 'hi' });
    expect([bad.code, 'clientId' in bad]).toEqual(['invalid_frame', false]);
    socket.close();
  });

  it('a send whose handling fails gets an internal error with its clientId, and can be resent once the fault is gone', async () => {
    const { guest, id, socket } = await guestSocket();
    // After a departure, a guest message reads the directory to bring agents back (C6): with
    // the directory's agents table gone, that read fails inside the message's handling.
    expect((await call('POST', `/api/conversations/${id}/leave`, { headers: await asAgent('alice') })).status).toBe(200);
    const cid = clientId();
    await env.DB.exec('ALTER TABLE agents RENAME TO agents_away');
    let error: any;
    try {
      error = await answerTo(socket, { type: 'send', clientId: cid, text: 'anyone there?' });
    } finally {
      await env.DB.exec('ALTER TABLE agents_away RENAME TO agents');
    }
    expect([error.type, error.code, error.clientId]).toEqual(['error', 'internal', cid]);
    expect(error.message).not.toMatch(/agents|SQL/);
    expect(socket.closed).toBeNull();
    const history = await call('GET', `/api/conversations/${id}/messages`, { headers: guest.headers });
    expect(history.body.entries.map((e: any) => e.text)).not.toContain('anyone there?');

    const ack = await answerTo(socket, { type: 'send', clientId: cid, text: 'anyone there?' });
    expect([ack.type, ack.clientId, ack.duplicate]).toEqual(['ack', cid, false]);
    socket.close();
  });
});
