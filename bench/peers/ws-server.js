// Node ws, the naive loop: every message from the publisher ("/pub") is sent
// to each subscriber in turn. bufferutil is installed, as in production.
// Heartbeat: ws's documented idiom, every HEARTBEAT_SECS ping everyone and
// terminate whoever did not answer the previous ping.
const { WebSocketServer } = require("ws");
const port = Number(process.env.PORT || 18082);
const subscribers = new Set();
const wss = new WebSocketServer({ host: "127.0.0.1", port, perMessageDeflate: false });
wss.on("connection", (ws, req) => {
  if (req.url === "/pub") {
    ws.on("message", (data, isBinary) => {
      for (const client of subscribers) client.send(data, { binary: isBinary });
    });
    return;
  }
  subscribers.add(ws);
  ws.isAlive = true;
  ws.on("pong", () => (ws.isAlive = true));
  ws.on("close", () => subscribers.delete(ws));
  ws.on("error", () => subscribers.delete(ws));
});
const heartbeat = setInterval(() => {
  for (const ws of subscribers) {
    if (!ws.isAlive) {
      ws.terminate();
      continue;
    }
    ws.isAlive = false;
    ws.ping();
  }
}, Number(process.env.HEARTBEAT_SECS || 30) * 1000);
wss.on("close", () => clearInterval(heartbeat));
wss.on("listening", () => console.log(`node ws server on 127.0.0.1:${port}`));
