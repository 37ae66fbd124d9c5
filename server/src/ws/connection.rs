//! One websocket connection: a single task and a single `select!` loop.
//!
//! The loop reads frames (with no buffer held while idle), answers pings,
//! runs `join` (subscribe, then snapshot or replay, then live), and runs
//! commands concurrently (at most [`MAX_IN_FLIGHT`]; reading pauses beyond
//! that, which is the backpressure). It also drains the outbox when the
//! socket was full, and closes with a meaningful code when asked to by the
//! hub (slow consumer, revoked token, heartbeat, shutdown).

use std::future::poll_fn;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt;
use futures_util::future::BoxFuture;
use futures_util::stream::FuturesUnordered;
use tokio::net::TcpStream;

use super::frame::{Decoder, Incoming, close, close_frame, pong_frame};
use super::protocol::{Envelope, ServerMessage};
use super::read::{ReadOutcome, read_available};
use crate::commands::snapshot::{self, Resume};
use crate::commands::{self, Ack, Command, admin};
use crate::domain::roles::{Actor, Role};
use crate::domain::time::now_ms;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::hub::conn::{ConnHandle, Drained, Member};
use crate::hub::frames;
use crate::server::ConnectionGuard;
use crate::state::AppState;

/// Commands one connection may have waiting for the store at once.
pub const MAX_IN_FLIGHT: usize = 16;
/// Messages an attendee, projector or not-yet-joined client may send in a burst…
const BUDGET_BURST: f64 = 40.0;
/// …and per second after that.
const BUDGET_PER_SEC: f64 = 20.0;
/// Staff (speakers, organizers) post notes and moderate fast: a far larger budget.
const STAFF_BUDGET_BURST: f64 = 2_000.0;
/// …per second.
const STAFF_BUDGET_PER_SEC: f64 = 1_000.0;
/// Malformed or refused messages before the connection is closed (rate-limited ones do not count).
const MAX_STRIKES: u32 = 100;

type InFlight = FuturesUnordered<BoxFuture<'static, (String, AppResult<Ack>)>>;

/// Why the loop ended.
struct Ending {
    code: u16,
    reason: &'static str,
    /// The peer already closed (or vanished): do not wait for its close frame.
    peer_gone: bool,
}

impl Ending {
    fn with(code: u16, reason: &'static str) -> Self {
        Ending {
            code,
            reason,
            peer_gone: false,
        }
    }
}

struct Connection {
    state: AppState,
    conn: Arc<ConnHandle>,
    decoder: Decoder,
    in_flight: Option<InFlight>,
    budget: f64,
    budget_at_ms: i64,
    strikes: u32,
}

/// Serve one upgraded connection until it closes.
pub async fn run(
    state: AppState,
    stream: TcpStream,
    leftover: Bytes,
    guard: Option<Arc<ConnectionGuard>>,
) {
    let _guard = guard;
    // hyper hands over its whole read buffer (8 KiB) even when nothing is
    // left in it, and an empty `Bytes` still owns that allocation: keep only
    // the bytes, or every idle connection carries the buffer for its life.
    let leftover = own_leftover(leftover);
    let _ = stream.set_nodelay(true);
    let hub = state.hub().clone();
    let conn = Arc::new(ConnHandle::new(
        hub.next_conn_id(),
        stream,
        state.config().outbound_queue_bytes,
        now_ms(),
    ));
    hub.register(conn.clone());
    let mut connection = Connection {
        state,
        conn: conn.clone(),
        decoder: Decoder::default(),
        in_flight: None,
        budget: BUDGET_BURST,
        budget_at_ms: now_ms(),
        strikes: 0,
    };
    let ending = match Box::pin(connection.consume(leftover)).await {
        Some(ending) => ending,
        None => connection.serve().await,
    };
    // Boxed, like the text path in `handle`: the closing handshake's timers
    // would otherwise be reserved in every open connection's task.
    Box::pin(connection.close(ending)).await;
    hub.unregister(&conn);
}

/// The bytes of `leftover` without the buffer behind them.
fn own_leftover(leftover: Bytes) -> Bytes {
    if leftover.is_empty() {
        Bytes::new()
    } else {
        Bytes::copy_from_slice(&leftover)
    }
}

impl Connection {
    /// Handle what hyper read past the handshake (a client may send its join
    /// right behind the upgrade request).
    async fn consume(&mut self, leftover: Bytes) -> Option<Ending> {
        if leftover.is_empty() {
            return None;
        }
        let mut out = Vec::new();
        if let Err(e) =
            self.decoder
                .feed(&leftover, self.state.config().max_message_bytes, &mut out)
        {
            return Some(Ending::with(e.close_code(), e.reason()));
        }
        for message in out {
            if let Some(end) = self.handle(message).await {
                return Some(end);
            }
        }
        None
    }

    /// The connection's life. Shutdown needs no branch here: the hub asks
    /// every connection to close (1001) through `wake`.
    async fn serve(&mut self) -> Ending {
        let conn = self.conn.clone();
        let socket = conn.socket();
        let mut blocked = false;
        // One waiter on `wake` for as long as nothing wakes it: a fresh
        // `notified()` in every pass would join and leave the `Notify`'s
        // waiter list (a lock each way) for every pong that is read.
        let mut wake = std::pin::pin!(conn.wake.notified());
        // Readiness through `poll_*_ready`, not `readable()`/`writable()`:
        // tokio keeps one reader and one writer waker in the socket itself,
        // so a wait holds no waiter of its own in this task's state (every
        // idle connection's memory) and joins no list when it parks.
        loop {
            let has_in_flight = self.in_flight.as_ref().is_some_and(|f| !f.is_empty());
            let can_read = self
                .in_flight
                .as_ref()
                .is_none_or(|f| f.len() < MAX_IN_FLIGHT);
            tokio::select! {
                biased;
                _ = wake.as_mut() => {
                    wake.set(conn.wake.notified());
                    if let Some(code) = conn.close_requested() {
                        return Ending::with(code, close_reason(code));
                    }
                    match conn.drain() {
                        Drained::Empty => blocked = false,
                        Drained::Blocked => blocked = true,
                        Drained::Failed => return Ending { code: close::GOING_AWAY, reason: "", peer_gone: true },
                    }
                }
                ready = poll_fn(|cx| socket.poll_write_ready(cx)), if blocked => {
                    if ready.is_err() {
                        return Ending { code: close::GOING_AWAY, reason: "", peer_gone: true };
                    }
                    match conn.drain() {
                        Drained::Empty => blocked = false,
                        Drained::Blocked => blocked = true,
                        Drained::Failed => return Ending { code: close::GOING_AWAY, reason: "", peer_gone: true },
                    }
                }
                Some((id, result)) = next_done(&mut self.in_flight), if has_in_flight => {
                    self.reply(&id, result);
                }
                ready = poll_fn(|cx| socket.poll_read_ready(cx)), if can_read => {
                    if ready.is_err() {
                        return Ending { code: close::GOING_AWAY, reason: "", peer_gone: true };
                    }
                    match read_available(socket, &mut self.decoder, self.state.config().max_message_bytes) {
                        ReadOutcome::Eof => return Ending { code: close::GOING_AWAY, reason: "", peer_gone: true },
                        ReadOutcome::Invalid(e) => return Ending::with(e.close_code(), e.reason()),
                        ReadOutcome::Messages(messages) => {
                            if !messages.is_empty() {
                                conn.touch(now_ms());
                            }
                            for message in messages {
                                if let Some(end) = self.handle(message).await {
                                    return end;
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    async fn handle(&mut self, message: Incoming) -> Option<Ending> {
        match message {
            // Boxed: parsing, joining and commands need far more state than
            // waiting does, and an unboxed future reserves its largest state
            // in every idle connection's task for the connection's life.
            Incoming::Text(text) => Box::pin(self.on_text(text)).await,
            Incoming::Ping(payload) => {
                self.conn.send(&[pong_frame(&payload)]);
                None
            }
            Incoming::Pong => None,
            Incoming::Close(_) => Some(Ending {
                code: close::NORMAL,
                reason: "bye",
                peer_gone: true,
            }),
        }
    }

    fn send(&self, message: &ServerMessage<'_>) {
        self.conn.send(&[frames::message(message)]);
    }

    /// Count a refused message; too many and the connection is closed.
    fn strike(&mut self) -> Option<Ending> {
        self.strikes += 1;
        (self.strikes > MAX_STRIKES)
            .then(|| Ending::with(close::ABUSE, "too many invalid or rate-limited messages"))
    }

    fn take_budget(&mut self) -> bool {
        let now = now_ms();
        let elapsed = (now - self.budget_at_ms).max(0) as f64 / 1000.0;
        self.budget_at_ms = now;
        let staff = self
            .conn
            .member
            .lock()
            .as_ref()
            .is_some_and(|m| m.audience == crate::domain::stream::Audience::Staff);
        let (burst, rate) = if staff {
            (STAFF_BUDGET_BURST, STAFF_BUDGET_PER_SEC)
        } else {
            (BUDGET_BURST, BUDGET_PER_SEC)
        };
        self.budget = (self.budget + elapsed * rate).min(burst);
        if self.budget >= 1.0 {
            self.budget -= 1.0;
            true
        } else {
            false
        }
    }

    async fn on_text(&mut self, text: String) -> Option<Ending> {
        self.state.metrics().messages_in.inc();
        if !self.take_budget() {
            // Refused, but not a strike: a burst is not malformed, only early.
            let err = AppError::rate_limited("too many messages; slow down");
            self.send(&ServerMessage::error(None, &err));
            return None;
        }
        if super::protocol::too_deep(&text, super::protocol::MAX_JSON_DEPTH) {
            let err = AppError::bad_request(format!(
                "JSON nested deeper than {} levels",
                super::protocol::MAX_JSON_DEPTH
            ));
            self.send(&ServerMessage::error(None, &err));
            return self.strike();
        }
        let envelope: Envelope<'_> = match serde_json::from_str(&text) {
            Ok(e) => e,
            Err(e) => {
                let err = AppError::bad_request(format!("not a valid message: {e}"));
                self.send(&ServerMessage::error(None, &err));
                return self.strike();
            }
        };
        match envelope.kind.as_str() {
            "join" => Box::pin(self.join(&envelope)).await,
            "command" => self.command(&envelope),
            "ping" => {
                self.send(&ServerMessage::Pong {
                    id: envelope.id.as_deref(),
                });
                None
            }
            other => {
                let err = AppError::bad_request(format!(
                    "unknown message type `{}`; expected join, command or ping",
                    other.chars().take(40).collect::<String>()
                ));
                self.send(&ServerMessage::error(envelope.id.as_deref(), &err));
                self.strike()
            }
        }
    }

    fn command(&mut self, envelope: &Envelope<'_>) -> Option<Ending> {
        let id = envelope.id.as_deref();
        let refuse = |this: &mut Self, err: AppError| {
            this.send(&ServerMessage::error(id, &err));
            this.strike()
        };
        let member = self.conn.member.lock().clone();
        let Some(member) = member else {
            return refuse(
                self,
                AppError::conflict("join a session before sending commands"),
            );
        };
        let Some(id) = id else {
            return refuse(self, AppError::bad_request("a command needs an `id`"));
        };
        if let Err(err) = commands::check_command_id(id) {
            return refuse(self, err);
        }
        let Some(action) = envelope.action.as_deref() else {
            return refuse(self, AppError::bad_request("a command needs an `action`"));
        };
        let command = match decode_command(action, envelope.args.map(|a| a.get())) {
            Ok(c) => c,
            Err(err) => return refuse(self, err),
        };
        let state = self.state.clone();
        let actor = member.actor;
        let session_id = member.session_id;
        let id = id.to_string();
        self.in_flight
            .get_or_insert_with(FuturesUnordered::new)
            .push(Box::pin(async move {
                let result =
                    commands::execute(&state, &actor, &session_id, Some(&id), command).await;
                (id, result)
            }));
        None
    }

    fn reply(&mut self, id: &str, result: AppResult<Ack>) {
        match result {
            Ok(ack) => self.send(&ServerMessage::Ack { id, ack: &ack }),
            Err(err) => self.send(&ServerMessage::error(Some(id), &err)),
        }
        if self.in_flight.as_ref().is_some_and(|f| f.is_empty()) {
            self.in_flight = None;
        }
    }

    async fn join(&mut self, envelope: &Envelope<'_>) -> Option<Ending> {
        self.conn
            .join_requested
            .store(true, std::sync::atomic::Ordering::Relaxed);
        if self.conn.member.lock().is_some() {
            let err = AppError::conflict(
                "already joined; open another connection to watch another session",
            );
            self.send(&ServerMessage::error(envelope.id.as_deref(), &err));
            return self.strike();
        }
        let Some(token) = envelope.token.as_deref() else {
            let err = AppError::unauthorized("join needs a `token`");
            self.send(&ServerMessage::error(envelope.id.as_deref(), &err));
            return Some(Ending::with(close::POLICY_VIOLATION, "unauthorized"));
        };
        let actor = match admin::authenticate(&self.state, token).await {
            Ok(actor) => actor,
            Err(err) => {
                self.send(&ServerMessage::error(envelope.id.as_deref(), &err));
                let end = err.code == ErrorCode::Unauthorized;
                return end.then(|| Ending::with(close::POLICY_VIOLATION, "unauthorized"));
            }
        };
        let Some(session_id) = envelope
            .session_id
            .clone()
            .or_else(|| actor.session_id.clone())
        else {
            let err = AppError::invalid("join needs `session_id` with this token");
            self.send(&ServerMessage::error(envelope.id.as_deref(), &err));
            return self.strike();
        };
        if !crate::domain::ids::is_id(&session_id) {
            let err = AppError::not_found("session");
            self.send(&ServerMessage::error(envelope.id.as_deref(), &err));
            return self.strike();
        }
        match subscribe(
            &self.state,
            &self.conn,
            &actor,
            &session_id,
            envelope.since,
            envelope.epoch.clone(),
        )
        .await
        {
            Ok(()) => None,
            Err(err) => {
                self.state.hub().unsubscribe(&self.conn);
                self.send(&ServerMessage::error(envelope.id.as_deref(), &err));
                match err.code {
                    ErrorCode::Forbidden | ErrorCode::Unauthorized => {
                        Some(Ending::with(close::POLICY_VIOLATION, "forbidden"))
                    }
                    _ => self.strike(),
                }
            }
        }
    }

    /// Say goodbye: flush what is queued (on a clean close), send the close
    /// frame, and give the peer a moment to answer.
    async fn close(&mut self, ending: Ending) {
        if ending.code == close::SLOW_CONSUMER {
            self.state.metrics().queue_drops.inc();
        }
        let socket = self.conn.socket();
        if !ending.peer_gone || ending.code == close::NORMAL {
            if ending.code == close::GOING_AWAY || ending.code == close::NORMAL {
                let flush = async {
                    while self.conn.drain() == Drained::Blocked {
                        if socket.writable().await.is_err() {
                            break;
                        }
                    }
                };
                let _ = tokio::time::timeout(Duration::from_secs(2), flush).await;
            }
            self.conn.shut();
            let frame = close_frame(ending.code, ending.reason);
            let write = async {
                let mut sent = 0;
                while sent < frame.len() {
                    if socket.writable().await.is_err() {
                        break;
                    }
                    match socket.try_write(&frame[sent..]) {
                        Ok(0) => break,
                        Ok(n) => sent += n,
                        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
                        Err(_) => break,
                    }
                }
            };
            let _ = tokio::time::timeout(Duration::from_secs(1), write).await;
        }
        self.conn.shut();
        if !ending.peer_gone {
            // Wait briefly for the peer's close frame or EOF, discarding input.
            let drain = async {
                let mut buf = [0u8; 1024];
                loop {
                    if socket.readable().await.is_err() {
                        break;
                    }
                    match socket.try_read(&mut buf) {
                        Ok(0) => break,
                        Ok(_) => continue,
                        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
                        Err(_) => break,
                    }
                }
            };
            let _ = tokio::time::timeout(Duration::from_secs(2), drain).await;
        }
    }
}

/// Subscribe (catching up), read the snapshot or replay, then go live.
async fn subscribe(
    state: &AppState,
    conn: &Arc<ConnHandle>,
    actor: &Actor,
    session_id: &str,
    since: Option<u64>,
    epoch: Option<String>,
) -> AppResult<()> {
    let hub = state.hub();
    let member = Member {
        session_id: Arc::from(session_id),
        audience: actor.audience(),
        attendee: actor.role == Role::Attendee,
        actor: Arc::new(actor.clone()),
    };
    let room = hub.subscribe(conn, member);
    let reader_actor = actor.clone();
    let sid = session_id.to_string();
    let limit = state.config().replay_limit;
    let outcome = state
        .store()
        .read(move |conn| {
            let session = crate::store::sessions::get(conn, &sid)?
                .ok_or_else(|| AppError::not_found("session"))?;
            if !reader_actor.can_watch(&session.view.event_id, &sid) {
                return Err(AppError::forbidden(
                    "this token is not valid for this session",
                ));
            }
            match since {
                None => Ok(Resume::NotRecovered {
                    reason: snapshot::NotRecoveredReason::TooOld,
                    loaded: Box::new(snapshot::load(conn, &reader_actor, &sid)?),
                })
                .map(|r| (r, false)),
                Some(since) => {
                    snapshot::resume(conn, &reader_actor, &sid, since, epoch.as_deref(), limit)
                        .map(|r| (r, true))
                }
            }
        })
        .await?;
    let audience = actor.audience();
    let (frames, log_seq) = match outcome {
        (Resume::NotRecovered { reason, mut loaded }, resuming) => {
            loaded.snapshot.presence = room.attendees();
            let mut frames = Vec::with_capacity(2);
            if resuming {
                frames.push(frames::message(&ServerMessage::NotRecovered {
                    since: since.unwrap_or(0),
                    reason,
                }));
            }
            frames.push(frames::message(&ServerMessage::Snapshot(&loaded.snapshot)));
            (frames, loaded.log_seq)
        }
        (
            Resume::Replayed {
                events,
                to,
                log_seq,
                counters,
                epoch,
            },
            _,
        ) => {
            let mut frames = Vec::with_capacity(events.len() + 2);
            frames.push(frames::message(&ServerMessage::Resumed {
                from: since.unwrap_or(0),
                to,
                epoch: &epoch,
            }));
            for event in &events {
                if let Some(seq) = event.seq_for(audience) {
                    frames.push(frames::event(event, seq));
                }
            }
            let pairs: Vec<(&str, &str)> = counters
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            frames.push(frames::counters(&pairs, Some(room.attendees())));
            (frames, log_seq)
        }
    };
    room.go_live(conn, log_seq, &frames);
    Ok(())
}

fn close_reason(code: u16) -> &'static str {
    match code {
        close::SLOW_CONSUMER => "outbound queue overflow; reconnect and resume with since",
        close::HEARTBEAT_TIMEOUT => "no pong within the heartbeat window",
        close::JOIN_TIMEOUT => "no join within 10 seconds",
        close::SESSION_DELETED => "the session was deleted",
        close::POLICY_VIOLATION => "token revoked",
        close::GOING_AWAY => "server shutting down; reconnect and resume",
        _ => "",
    }
}

async fn next_done(in_flight: &mut Option<InFlight>) -> Option<(String, AppResult<Ack>)> {
    match in_flight {
        Some(f) => f.next().await,
        None => None,
    }
}

/// Decode `{"action": …, "args": …}` into a [`Command`] with a precise error.
pub fn decode_command(action: &str, args: Option<&str>) -> AppResult<Command> {
    let action_json = serde_json::to_string(action).map_err(AppError::internal)?;
    // Actions without arguments accept `args` omitted, null or {}.
    let args = args.map(str::trim).filter(|a| !matches!(*a, "null" | "{}"));
    let text = match args {
        Some(args) => format!(r#"{{"action":{action_json},"args":{args}}}"#),
        None => format!(r#"{{"action":{action_json}}}"#),
    };
    serde_json::from_str(&text).map_err(|e| {
        let message = e.to_string();
        if message.contains("unknown variant") {
            AppError::bad_request(format!(
                "unknown action `{}`",
                action.chars().take(40).collect::<String>()
            ))
        } else {
            AppError::bad_request(format!(
                "invalid args for {}: {message}",
                action.chars().take(40).collect::<String>()
            ))
        }
    })
}
