// Socket.IO v4: every client is in the default namespace; a "pub" event is
// broadcast to everyone else as a "note" event (socket.broadcast.emit).
// Heartbeat: a ping every pingInterval (the bench's HEARTBEAT_SECS).
const { createServer } = require("http");
const { Server } = require("socket.io");
const port = Number(process.env.PORT || 18083);
const http = createServer();
const io = new Server(http, {
  transports: ["websocket"],
  perMessageDeflate: false,
  pingInterval: Number(process.env.HEARTBEAT_SECS || 25) * 1000,
});
io.on("connection", (socket) => {
  socket.on("pub", (data) => socket.broadcast.emit("note", data));
});
http.listen(port, "127.0.0.1", () => console.log(`socket.io server on 127.0.0.1:${port}`));
