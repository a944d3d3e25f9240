// Lean client sockets for load: no frame is kept, each text goes straight to a handler.
// The same wrapper serves Doorbell, the relay worker and the ws peer (WebSocket via `ws`)
// and the Socket.IO peer (socket.io-client, WebSocket transport only), so every target is
// driven by the same code path on the client side.
import { io } from 'socket.io-client';
import WebSocket from 'ws';

/** A WebSocket to `url`; `onText(text)` gets every message. Resolves once open. */
export function openWebSocket(url, onText) {
  const ws = new WebSocket(url, { perMessageDeflate: false, skipUTF8Validation: true, maxPayload: 1 << 24 });
  // Doorbell's marks are answered as its clients must (docs/protocol.md, "Reading and marks").
  ws.on('message', (data) => {
    const text = String(data);
    if (text.startsWith('{"type":"mark"')) ws.send(`{"type":"received","mark":${JSON.stringify(JSON.parse(text).mark)}}`);
    onText(text);
  });
  let closing = false;
  let dropped = null;
  ws.on('close', (code) => closing || (dropped = code));
  return new Promise((resolve, reject) => {
    ws.once('open', () =>
      resolve({
        send: (text) => ws.send(text),
        close: () => ((closing = true), ws.close()),
        /** The close code when the server (or the network) closed it first, else null. */
        get dropped() {
          return dropped;
        },
        /** Bytes queued in the client, not yet written to the kernel. */
        get buffered() {
          return ws.bufferedAmount;
        },
      }),
    );
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade to ${url.replace(/token=[^&]+/, 'token=…')} refused: ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

/** A Socket.IO client in `room` of the server at `base`; messages are `msg` events. */
export function openSocketIo(base, room, onText) {
  const socket = io(base, { transports: ['websocket'], query: { room }, reconnection: false, forceNew: true });
  socket.on('msg', onText);
  return new Promise((resolve, reject) => {
    let closing = false;
    let dropped = null;
    socket.on('disconnect', (reason) => closing || (dropped = reason));
    socket.once('connect', () =>
      resolve({
        send: (text) => socket.emit('msg', text),
        close: () => ((closing = true), socket.close()),
        get dropped() {
          return dropped;
        },
        buffered: 0,
      }),
    );
    socket.once('connect_error', reject);
  });
}
