//! Test harness: a real server on 127.0.0.1:0 with a fresh SQLite file, and
//! real HTTP and websocket clients.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use backchannel::Config;
use backchannel::config::{DatabaseUrl, Secret};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// The admin token every test server is configured with.
pub const ADMIN: &str = "test-admin-token-0123456789";

/// How long a test waits for a message before failing.
pub const WAIT: Duration = Duration::from_secs(10);

/// Which store the tests run against: `BACKCHANNEL_TEST_BACKEND=postgres`
/// (with `BACKCHANNEL_TEST_POSTGRES_URL`) or SQLite (the default).
#[derive(Debug, Clone)]
pub enum Backend {
    /// A SQLite file in a temporary directory.
    Sqlite(PathBuf),
    /// A fresh schema in the PostgreSQL database at this URL.
    Postgres { url: String, schema: String },
}

impl Backend {
    /// A fresh, empty store of the configured kind.
    pub fn fresh(dir: &std::path::Path) -> Backend {
        match std::env::var("BACKCHANNEL_TEST_BACKEND").as_deref() {
            Ok("postgres") => {
                let url = std::env::var("BACKCHANNEL_TEST_POSTGRES_URL").expect(
                    "BACKCHANNEL_TEST_BACKEND=postgres needs BACKCHANNEL_TEST_POSTGRES_URL",
                );
                let schema = format!("bc_test_{}", uuid::Uuid::new_v4().simple());
                pg_exec(&url, &format!("CREATE SCHEMA {schema}"));
                Backend::Postgres { url, schema }
            }
            Ok("sqlite") | Err(_) => Backend::Sqlite(dir.join("backchannel.db")),
            Ok(other) => panic!("unknown BACKCHANNEL_TEST_BACKEND {other}"),
        }
    }

    /// Create this backend's schema (PostgreSQL; nothing to do for SQLite).
    pub fn create_schema(&self) {
        if let Backend::Postgres { url, schema } = self {
            pg_exec(url, &format!("CREATE SCHEMA {schema}"));
        }
    }

    /// The server's --database-url.
    pub fn database_url(&self) -> DatabaseUrl {
        self.url_string().parse().expect("database url")
    }

    /// The same, as the string a child process gets.
    pub fn url_string(&self) -> String {
        match self {
            Backend::Sqlite(path) => format!("sqlite://{}", path.display()),
            Backend::Postgres { url, schema } => {
                let sep = if url.contains('?') { '&' } else { '?' };
                format!("{url}{sep}options=-csearch_path%3D{schema}")
            }
        }
    }

    /// Run a statement straight against the store (not through the server).
    pub fn execute(&self, sql: &str) {
        match self {
            Backend::Sqlite(path) => {
                let db = rusqlite::Connection::open(path).unwrap();
                db.busy_timeout(Duration::from_secs(10)).unwrap();
                db.execute_batch(sql).unwrap();
            }
            Backend::Postgres { url, schema } => {
                pg_exec(url, &format!("SET search_path TO {schema}; {sql}"))
            }
        }
    }

    /// Run a query straight against the store (not through the server) and
    /// return its rows as strings.
    pub fn query(&self, sql: &str) -> Vec<Vec<String>> {
        match self {
            Backend::Sqlite(path) => {
                let db = rusqlite::Connection::open_with_flags(
                    path,
                    rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
                )
                .unwrap();
                let mut stmt = db.prepare(sql).unwrap();
                let n = stmt.column_count();
                stmt.query_map([], |r| {
                    (0..n)
                        .map(|i| {
                            Ok(match r.get_ref(i)? {
                                rusqlite::types::ValueRef::Integer(v) => v.to_string(),
                                rusqlite::types::ValueRef::Text(t) => {
                                    String::from_utf8_lossy(t).into_owned()
                                }
                                rusqlite::types::ValueRef::Null => String::new(),
                                other => format!("{other:?}"),
                            })
                        })
                        .collect::<rusqlite::Result<Vec<_>>>()
                })
                .unwrap()
                .map(|r| r.unwrap())
                .collect()
            }
            Backend::Postgres { url, schema } => {
                let (url, sql) = (url.clone(), format!("SET search_path TO {schema}; {sql}"));
                std::thread::spawn(move || {
                    let mut client = postgres::Client::connect(&url, postgres::NoTls)
                        .expect("connect to PostgreSQL");
                    let mut rows = Vec::new();
                    for message in client.simple_query(&sql).expect("query") {
                        if let postgres::SimpleQueryMessage::Row(row) = message {
                            rows.push(
                                (0..row.len())
                                    .map(|i| row.get(i).unwrap_or("").to_string())
                                    .collect(),
                            );
                        }
                    }
                    rows
                })
                .join()
                .expect("query thread")
            }
        }
    }
}

fn pg_exec(url: &str, sql: &str) {
    let (url, sql) = (url.to_string(), sql.to_string());
    std::thread::spawn(move || {
        let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap_or_else(|e| {
            panic!("BACKCHANNEL_TEST_POSTGRES_URL is set but PostgreSQL is unreachable: {e}")
        });
        client.batch_execute(&sql).expect("PostgreSQL setup");
    })
    .join()
    .expect("setup thread");
}

/// A running server that shuts down when dropped.
pub struct TestServer {
    pub addr: SocketAddr,
    pub http: reqwest::Client,
    pub backend: Backend,
    _dir: Option<tempfile::TempDir>,
    /// Whether dropping this server drops its PostgreSQL schema.
    owns_store: bool,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<anyhow::Result<()>>>,
}

impl TestServer {
    /// A server on a fresh database.
    pub async fn start() -> TestServer {
        Self::start_with(|_| {}).await
    }

    /// A server on a fresh database with a tweaked configuration.
    pub async fn start_with(tweak: impl FnOnce(&mut Config)) -> TestServer {
        let dir = tempfile::tempdir().expect("tempdir");
        let backend = Backend::fresh(dir.path());
        let mut server = Self::start_at(backend, tweak).await;
        server._dir = Some(dir);
        server
    }

    /// A server on the given store (which it will own).
    pub async fn start_at(backend: Backend, tweak: impl FnOnce(&mut Config)) -> TestServer {
        if std::env::var_os("BACKCHANNEL_TEST_LOG").is_some() {
            backchannel::telemetry::init(backchannel::config::LogFormat::Text, std::io::stderr);
        }
        let mut config = Config::for_store(backend.database_url());
        config.admin_token = Some(Secret::new(ADMIN));
        tweak(&mut config);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(backchannel::run(listener, config, async move {
            let _ = stopped.await;
        }));
        TestServer {
            addr,
            http: reqwest::Client::new(),
            backend,
            _dir: None,
            owns_store: true,
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// Stop the server and wait until it has shut down; keeps the database.
    pub async fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.expect("server task").expect("server result");
        }
    }

    /// A handle on a server running elsewhere (e.g. a child process) at `addr`;
    /// it neither stops that server nor owns the store.
    pub fn attach(addr: SocketAddr, backend: Backend) -> TestServer {
        TestServer {
            addr,
            http: reqwest::Client::new(),
            backend,
            _dir: None,
            owns_store: false,
            stop: None,
            task: None,
        }
    }

    /// Another node on the same store, configured by `tweak` (it does not own the store).
    pub async fn another_node(&self, tweak: impl FnOnce(&mut Config)) -> TestServer {
        let mut node = Self::start_at(self.backend.clone(), tweak).await;
        node.owns_store = false;
        node
    }

    /// Stop this server and start another on the same database.
    pub async fn restart(mut self) -> TestServer {
        self.stop().await;
        let dir = self._dir.take();
        let mut next = Self::start_at(self.backend.clone(), |_| {}).await;
        next.owns_store = self.owns_store;
        // The schema now belongs to `next`.
        self.owns_store = false;
        next._dir = dir;
        next
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub fn ws_url(&self) -> String {
        format!("ws://{}/ws", self.addr)
    }

    /// POST JSON with a bearer token; returns (status, body).
    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> (u16, Value) {
        let mut req = self.http.post(self.url(path)).json(&body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        Self::answer(req.send().await.expect("request")).await
    }

    /// Any method with an optional JSON body.
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut req = self.http.request(method, self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        Self::answer(req.send().await.expect("request")).await
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> (u16, Value) {
        self.call(reqwest::Method::GET, path, token, None).await
    }

    async fn answer(resp: reqwest::Response) -> (u16, Value) {
        let status = resp.status().as_u16();
        let text = resp.text().await.expect("body");
        let value = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        (status, value)
    }

    /// Create an event; returns (event id, organizer token).
    pub async fn event(&self) -> (String, String) {
        let (status, body) = self
            .post(
                "/api/v1/events",
                Some(ADMIN),
                json!({ "name": "Test Conf" }),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        (s(&body["id"]), s(&body["organizer_token"]))
    }

    /// Create an event and a session with `extra` fields; returns the session.
    pub async fn session(&self, extra: Value) -> Session {
        let (event_id, organizer) = self.event().await;
        let mut body = json!({ "title": "A talk", "speakers": [{ "name": "Ada" }] });
        if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
            for (k, v) in e {
                b.insert(k.clone(), v.clone());
            }
        }
        let (status, created) = self
            .post(
                &format!("/api/v1/events/{event_id}/sessions"),
                Some(&organizer),
                body,
            )
            .await;
        assert_eq!(status, 201, "{created}");
        Session {
            id: s(&created["id"]),
            event_id,
            organizer,
            speaker: s(&created["speaker_token"]),
            projector: s(&created["projector_token"]),
            code: s(&created["join_code"]),
        }
    }

    /// Join a session; returns the attendee token.
    pub async fn join(&self, code: &str, name: Option<&str>) -> String {
        let (status, body) = self
            .post(
                "/api/v1/join",
                None,
                json!({ "code": code, "display_name": name }),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        s(&body["attendee_token"])
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let (true, Backend::Postgres { url, schema }) = (self.owns_store, &self.backend) {
            // Best effort: the server may still hold connections for a moment.
            let (url, sql) = (
                url.clone(),
                format!("DROP SCHEMA IF EXISTS {schema} CASCADE"),
            );
            let _ = std::thread::spawn(move || {
                if let Ok(mut c) = postgres::Client::connect(&url, postgres::NoTls) {
                    let _ = c.batch_execute(&sql);
                }
            })
            .join();
        }
    }
}

/// A created session and its tokens.
#[derive(Debug, Clone)]
pub struct Session {
    pub id: String,
    pub event_id: String,
    pub organizer: String,
    pub speaker: String,
    pub projector: String,
    pub code: String,
}

pub fn s(v: &Value) -> String {
    v.as_str()
        .unwrap_or_else(|| panic!("expected a string, got {v}"))
        .to_string()
}

/// A websocket client speaking the protocol.
pub struct Client {
    pub ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    next_id: u64,
    /// Command ids must be unique per token, across connections.
    prefix: String,
}

impl Client {
    pub async fn connect(server: &TestServer) -> Client {
        let (ws, _) = tokio_tungstenite::connect_async(server.ws_url())
            .await
            .expect("ws connect");
        Self::from_ws(ws)
    }

    /// Connect with a small socket receive buffer (a client that is slow to read).
    pub async fn connect_with_recv_buffer(server: &TestServer, bytes: u32) -> Client {
        let socket = tokio::net::TcpSocket::new_v4().expect("socket");
        socket.set_recv_buffer_size(bytes).expect("SO_RCVBUF");
        let tcp = socket.connect(server.addr).await.expect("connect");
        let (ws, _) = tokio_tungstenite::client_async(server.ws_url(), MaybeTlsStream::Plain(tcp))
            .await
            .expect("ws handshake");
        Self::from_ws(ws)
    }

    fn from_ws(ws: WebSocketStream<MaybeTlsStream<TcpStream>>) -> Client {
        let prefix = format!(
            "{:x}",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        );
        Client {
            ws,
            next_id: 0,
            prefix,
        }
    }

    /// Connect and join; returns the client and the first answer (snapshot or resumed/not_recovered).
    pub async fn joined(
        server: &TestServer,
        token: &str,
        session_id: Option<&str>,
        since: Option<u64>,
    ) -> (Client, Value) {
        let mut c = Self::connect(server).await;
        c.send_json(
            json!({ "type": "join", "token": token, "session_id": session_id, "since": since }),
        )
        .await;
        let first = c.recv().await;
        (c, first)
    }

    pub async fn send_json(&mut self, v: Value) {
        self.ws
            .send(Message::text(v.to_string()))
            .await
            .expect("send");
    }

    pub async fn send_raw(&mut self, m: Message) {
        self.ws.send(m).await.expect("send");
    }

    /// Next text message as JSON, skipping pings and `counters` frames;
    /// panics on timeout or close.
    pub async fn recv(&mut self) -> Value {
        loop {
            let v = self.recv_any().await;
            if v["type"] != "counters" {
                return v;
            }
        }
    }

    /// Next text message of any type.
    pub async fn recv_any(&mut self) -> Value {
        match self.try_recv(WAIT).await {
            Some(v) => v,
            None => panic!("no message within {WAIT:?}"),
        }
    }

    /// Next text message within `wait`, or None on timeout.
    pub async fn try_recv(&mut self, wait: Duration) -> Option<Value> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let msg = tokio::time::timeout_at(deadline, self.ws.next())
                .await
                .ok()??;
            match msg.expect("ws error") {
                Message::Text(t) => return Some(serde_json::from_str(&t).expect("json")),
                Message::Close(frame) => panic!("closed: {frame:?}"),
                _ => continue,
            }
        }
    }

    /// Next text message within `wait`; None on timeout, close or a broken connection.
    pub async fn try_recv_any_until_closed(&mut self, wait: Duration) -> Option<Value> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            match tokio::time::timeout_at(deadline, self.ws.next())
                .await
                .ok()??
            {
                Ok(Message::Text(t)) => return Some(serde_json::from_str(&t).expect("json")),
                Ok(Message::Close(_)) | Err(_) => return None,
                Ok(_) => continue,
            }
        }
    }

    /// Next message of `type` (skipping others).
    pub async fn recv_type(&mut self, kind: &str) -> Value {
        loop {
            let v = self.recv_any().await;
            if v["type"] == kind {
                return v;
            }
        }
    }

    /// Next `event` of `kind`.
    pub async fn recv_event(&mut self, kind: &str) -> Value {
        loop {
            let v = self.recv_type("event").await;
            if v["kind"] == kind {
                return v;
            }
        }
    }

    /// Wait for the close frame; returns its code.
    pub async fn recv_close(&mut self) -> Option<u16> {
        self.recv_close_within(WAIT).await
    }

    /// Wait up to `wait` for the close frame; returns its code.
    pub async fn recv_close_within(&mut self, wait: Duration) -> Option<u16> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            match tokio::time::timeout_at(deadline, self.ws.next()).await {
                Err(_) => panic!("no close within {wait:?}"),
                Ok(None) => return None,
                Ok(Some(Err(_))) => return None,
                Ok(Some(Ok(Message::Close(frame)))) => return frame.map(|f| u16::from(f.code)),
                Ok(Some(Ok(_))) => continue,
            }
        }
    }

    /// Send a command with a fresh id; returns the id.
    pub async fn command(&mut self, action: &str, args: Value) -> String {
        self.next_id += 1;
        let id = format!("{}-{}", self.prefix, self.next_id);
        self.command_with_id(&id, action, args).await;
        id
    }

    pub async fn command_with_id(&mut self, id: &str, action: &str, args: Value) {
        self.send_json(json!({ "type": "command", "id": id, "action": action, "args": args }))
            .await;
    }

    /// Send a command and wait for its ack or error (skipping other messages).
    pub async fn call(&mut self, action: &str, args: Value) -> Value {
        let id = self.command(action, args).await;
        self.reply_to(&id).await
    }

    /// The ack or error answering `id`.
    pub async fn reply_to(&mut self, id: &str) -> Value {
        loop {
            let v = self.recv().await;
            if (v["type"] == "ack" || v["type"] == "error") && v["id"] == id {
                return v;
            }
        }
    }
}
