// Reference peer: a Socket.IO room broadcast, what a team would otherwise pick. A client
// joins the room named in its handshake query; each `msg` event is emitted to the rest of
// the room. Usage: node bench/peers/socketio-server.mjs <port>; prints "listening <port>".
import { createServer } from 'node:http';
import { Server } from 'socket.io';

const http = createServer();
const io = new Server(http, { transports: ['websocket'], perMessageDeflate: false, serveClient: false });

io.on('connection', (socket) => {
  const room = String(socket.handshake.query.room ?? 'default');
  socket.join(room);
  socket.on('msg', (data) => socket.to(room).emit('msg', data));
});
http.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => console.log(`listening ${http.address().port}`));
