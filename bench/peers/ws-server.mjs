// Reference peer: a plain Node `ws` broadcast server, the transport floor. Each text frame is
// forwarded as is to every other socket of the same room (the URL path). Nothing is parsed,
// stored or checked. Usage: node bench/peers/ws-server.mjs <port>; prints "listening <port>".
import { WebSocketServer } from 'ws';

const rooms = new Map();
const server = new WebSocketServer({ host: '127.0.0.1', port: Number(process.argv[2] ?? 0), perMessageDeflate: false });

server.on('connection', (socket, request) => {
  const room = rooms.get(request.url) ?? new Set();
  rooms.set(request.url, room.add(socket));
  socket.on('message', (data, isBinary) => {
    for (const other of room) if (other !== socket && other.readyState === other.OPEN) other.send(data, { binary: isBinary });
  });
  socket.on('close', () => room.delete(socket));
});
server.on('listening', () => console.log(`listening ${server.address().port}`));
