// Bun's uWebSockets broadcast: every subscriber joins one topic and the
// publisher's messages go out with server.publish() (encoded once by uWS).
// Subscribers connect to "/", the publisher to "/pub". Heartbeat: Bun pings
// an idle socket shortly before idleTimeout (the bench's HEARTBEAT_SECS;
// Bun's default is 120) and closes it if nothing comes back.
const port = Number(process.env.PORT || 18081);
const server = Bun.serve({
  hostname: "127.0.0.1",
  port,
  fetch(req, server) {
    const url = new URL(req.url);
    if (server.upgrade(req, { data: { publisher: url.pathname === "/pub" } })) return;
    return new Response("websocket only", { status: 400 });
  },
  websocket: {
    idleTimeout: Number(process.env.HEARTBEAT_SECS || 120),
    open(ws) {
      if (!ws.data.publisher) ws.subscribe("room");
    },
    message(ws, message) {
      if (ws.data.publisher) server.publish("room", message);
    },
  },
});
console.log(`bun publish server on ${server.hostname}:${server.port}`);
