// The live stream client: one websocket per session view, with resume.
//
// - Joins with the last applied `seq` and its `epoch` after a reconnect, so
//   the server replays exactly what was missed (or sends a fresh snapshot
//   after `not_recovered`).
// - Reconnects with exponential backoff and full jitter; goes offline at
//   once when the browser says so and comes back when it is online again.
// - Commands get a unique id (crypto.randomUUID) and stay queued until their
//   `ack`/`error` arrives: sent when typed offline, sent again with the same
//   id after a reconnect, and resolved exactly once by id.

const BACKOFF_BASE_MS = 500;
const BACKOFF_MAX_MS = 15000;
const PING_EVERY_MS = 20000;
const PONG_TIMEOUT_MS = 10000;

/** Connection states shown to the user. */
export const STATES = {
  connecting: 'Connecting…',
  online: 'Connected',
  offline: 'Offline — changes are kept and sent when you are back',
  reconnecting: 'Reconnecting…',
  closed: 'Disconnected',
};

/** A command the server refused (or could not run). */
export class CommandError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

function newId() {
  if (globalThis.crypto && crypto.randomUUID) return crypto.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

export class Stream extends EventTarget {
  /**
   * @param {object} options
   * @param {string} options.token bearer token
   * @param {string} [options.sessionId] needed by organizer tokens
   * @param {(msg: object) => void} options.onSnapshot replace the state
   * @param {(msg: object) => void} options.onEvent apply one event
   * @param {(msg: object) => void} options.onCounters apply counters
   */
  constructor({ token, sessionId, onSnapshot, onEvent, onCounters }) {
    super();
    this.token = token;
    this.sessionId = sessionId;
    this.handlers = { onSnapshot, onEvent, onCounters };
    this.seq = null;
    this.epoch = null;
    this.state = 'connecting';
    this.label = STATES.connecting;
    this.joined = false;
    this.attempt = 0;
    this.pending = new Map(); // id -> {message, resolve, reject}
    this.ws = null;
    this.stopped = false;
    this.timers = {};
    this.onOffline = () => this.drop('offline');
    this.onOnline = () => this.reconnectSoon(0);
    window.addEventListener('offline', this.onOffline);
    window.addEventListener('online', this.onOnline);
  }

  /** Open the connection. */
  start() {
    if (navigator.onLine === false) this.setState('offline');
    else this.connect();
    return this;
  }

  /** Close for good (leaving the page). */
  stop() {
    this.stopped = true;
    window.removeEventListener('offline', this.onOffline);
    window.removeEventListener('online', this.onOnline);
    Object.values(this.timers).forEach(clearTimeout);
    this.detach(1000);
    this.setState('closed');
  }

  setState(state, detail = '') {
    this.state = state;
    this.label = detail || STATES[state];
    this.dispatchEvent(new CustomEvent('state', { detail: { state, label: detail || STATES[state] } }));
  }

  connect() {
    clearTimeout(this.timers.retry);
    if (this.stopped || this.ws) return;
    this.setState(this.seq === null ? 'connecting' : 'reconnecting');
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    let ws;
    try {
      ws = new WebSocket(`${scheme}://${location.host}/ws`);
    } catch {
      this.reconnectSoon();
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      const join = { type: 'join', token: this.token };
      if (this.sessionId) join.session_id = this.sessionId;
      if (this.seq !== null) {
        join.since = this.seq;
        join.epoch = this.epoch;
      }
      ws.send(JSON.stringify(join));
      this.heartbeat();
    };
    ws.onmessage = (e) => this.receive(e.data);
    ws.onclose = (e) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.joined = false;
      this.closed(e.code, e.reason);
    };
    ws.onerror = () => {};
  }

  /** Drop the socket without waiting for a close handshake. */
  detach(code = 1000) {
    const ws = this.ws;
    this.ws = null;
    this.joined = false;
    clearTimeout(this.timers.ping);
    clearTimeout(this.timers.pong);
    if (ws) {
      ws.onopen = ws.onmessage = ws.onclose = ws.onerror = null;
      try {
        ws.close(code);
      } catch {
        // already closing
      }
    }
  }

  drop(state) {
    this.detach(1000);
    if (this.stopped) return;
    clearTimeout(this.timers.retry);
    this.setState(state);
  }

  closed(code, reason) {
    clearTimeout(this.timers.ping);
    clearTimeout(this.timers.pong);
    if (this.stopped) return;
    if (code === 1008) {
      this.setState('closed', 'Access refused: this link or token is no longer valid');
      this.dispatchEvent(new CustomEvent('refused', { detail: { reason } }));
      return;
    }
    if (code === 4003) {
      this.setState('closed', 'This session was deleted');
      return;
    }
    this.reconnectSoon();
  }

  /** Schedule a reconnect: exponential backoff with full jitter. */
  reconnectSoon(delay) {
    if (this.stopped) return;
    if (navigator.onLine === false) {
      this.setState('offline');
      return;
    }
    this.detach(1000);
    clearTimeout(this.timers.retry);
    const cap = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** this.attempt);
    const wait = delay ?? cap / 2 + Math.random() * (cap / 2);
    this.attempt = Math.min(this.attempt + 1, 10);
    this.setState('reconnecting');
    this.timers.retry = setTimeout(() => this.connect(), wait);
  }

  heartbeat() {
    clearTimeout(this.timers.ping);
    this.timers.ping = setTimeout(() => {
      if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return;
      this.ws.send(JSON.stringify({ type: 'ping', id: newId() }));
      this.timers.pong = setTimeout(() => this.reconnectSoon(), PONG_TIMEOUT_MS);
    }, PING_EVERY_MS);
  }

  receive(raw) {
    let msg;
    try {
      msg = JSON.parse(raw);
    } catch {
      return;
    }
    clearTimeout(this.timers.pong);
    this.heartbeat();
    switch (msg.type) {
      case 'snapshot':
        this.seq = msg.seq;
        this.epoch = msg.epoch;
        this.handlers.onSnapshot(msg);
        this.ready();
        break;
      case 'resumed':
        this.epoch = msg.epoch;
        this.ready();
        break;
      case 'not_recovered':
        // A snapshot follows and replaces the state.
        this.dispatchEvent(new CustomEvent('not_recovered', { detail: msg }));
        break;
      case 'event':
        this.applyEvent(msg);
        break;
      case 'counters':
        this.handlers.onCounters(msg);
        break;
      case 'ack':
      case 'error':
        this.answer(msg);
        break;
      default:
        break;
    }
  }

  applyEvent(msg) {
    if (this.seq !== null && msg.seq <= this.seq) return; // already applied
    if (this.seq !== null && msg.seq !== this.seq + 1) {
      // A hole: reconnect and resume from what we have.
      this.reconnectSoon(0);
      return;
    }
    this.seq = msg.seq;
    this.handlers.onEvent(msg);
  }

  /** Joined (snapshot or resumed): go live and flush queued commands. */
  ready() {
    this.joined = true;
    this.attempt = 0;
    this.setState('online');
    for (const [id, entry] of this.pending) this.send(id, entry.message);
  }

  answer(msg) {
    if (msg.id === null || msg.id === undefined) {
      if (msg.code === 'unauthorized' || msg.code === 'forbidden') {
        this.setState('closed', `Access refused: ${msg.message}`);
      }
      return;
    }
    const entry = this.pending.get(msg.id);
    if (!entry) return; // answered already: nothing applies twice
    if (msg.type === 'error' && msg.code === 'unavailable') {
      clearTimeout(entry.retry);
      entry.retry = setTimeout(() => this.send(msg.id, entry.message), 1000 + Math.random() * 1000);
      return;
    }
    this.pending.delete(msg.id);
    this.dispatchEvent(new Event('queue'));
    if (msg.type === 'ack') entry.resolve(msg.result);
    else entry.reject(new CommandError(msg.code, msg.message));
  }

  send(id, message) {
    if (!this.joined || !this.ws || this.ws.readyState !== WebSocket.OPEN) return;
    this.ws.send(JSON.stringify(message));
  }

  /**
   * Run a command; resolves with the ack's `result`, rejects with a
   * CommandError. While offline it waits in the queue (same id throughout).
   */
  command(action, args) {
    const id = newId();
    const message = { type: 'command', id, action };
    if (args !== undefined) message.args = args;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { message, resolve, reject });
      this.dispatchEvent(new Event('queue'));
      this.send(id, message);
    });
  }

  /** Commands waiting for an answer (shown as "n waiting to send"). */
  get queued() {
    return this.pending.size;
  }
}
