// A session's state as one stream sees it: built from a `snapshot`, moved on
// by `event`s in seq order and by `counters`. Views listen for 'change'
// (detail.parts says what changed) and for 'news' (things worth announcing).

/**
 * Creation order, as the server keeps it: by time, then id. Times are
 * compared as instants (RFC 3339 text drops trailing zeros of fractions, so
 * it does not sort as text).
 */
function oldestFirst(a, b) {
  return Date.parse(a.created_at) - Date.parse(b.created_at) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

export class SessionState extends EventTarget {
  constructor() {
    super();
    this.loaded = false;
    this.role = null;
    this.session = null;
    this.event = null;
    this.notes = new Map();
    this.questions = new Map();
    this.polls = new Map();
    this.pinned = null;
    this.reactions = {};
    this.presence = 0;
    this.me = null;
    this.flags = new Map(); // open flags (staff)
  }

  get staff() {
    return this.role === 'speaker' || this.role === 'organizer' || this.role === 'admin';
  }

  changed(...parts) {
    this.dispatchEvent(new CustomEvent('change', { detail: { parts: new Set(parts) } }));
  }

  news(kind, item) {
    this.dispatchEvent(new CustomEvent('news', { detail: { kind, item } }));
  }

  /** Replace everything with a snapshot. */
  applySnapshot(s) {
    this.loaded = true;
    this.role = s.role;
    this.session = s.session;
    this.event = s.event;
    this.notes = new Map(s.notes.map((n) => [n.id, n]));
    this.questions = new Map(s.questions.map((q) => [q.id, q]));
    this.polls = new Map(s.polls.map((p) => [p.id, p]));
    this.pinned = s.pinned_question_id;
    this.reactions = { ...(s.reactions || {}) };
    this.presence = s.presence || 0;
    this.me = s.me || null;
    this.flags = new Map((s.flags || []).filter((f) => f.state === 'open').map((f) => [f.id, f]));
    if (this.me) {
      this.me.flagged = new Set(this.me.flagged || []);
      this.me.upvoted = new Set(this.me.upvoted || []);
      this.me.ballots = { ...(this.me.ballots || {}) };
      this.me.pending = new Map((this.me.pending_questions || []).map((q) => [q.id, q]));
    }
    this.changed('session', 'notes', 'questions', 'polls', 'pinned', 'reactions', 'presence', 'me', 'flags');
  }

  /** Apply one event of the stream (already in seq order). */
  applyEvent({ kind, data }) {
    switch (kind) {
      case 'session.updated':
        this.session = data;
        this.changed('session');
        break;
      case 'note.posted':
        this.notes.set(data.id, data);
        this.changed('notes');
        this.news('note', data);
        break;
      case 'note.updated':
        this.notes.set(data.id, data);
        this.changed('notes');
        break;
      case 'note.deleted':
        this.notes.delete(data.id);
        this.changed('notes');
        break;
      case 'question.asked':
      case 'question.updated':
        this.upsertQuestion(data);
        break;
      case 'question.removed':
        this.questions.delete(data.id);
        if (this.pinned === data.id) this.pinned = null;
        this.changed('questions', 'pinned');
        break;
      case 'question.pinned':
        this.pinned = data.question_id;
        this.changed('pinned');
        break;
      case 'poll.created':
      case 'poll.opened':
      case 'poll.closed':
      case 'poll.results':
        this.upsertPoll(data);
        if (kind === 'poll.opened' || (kind === 'poll.created' && data.state === 'open')) this.news('poll', data);
        break;
      case 'poll.deleted':
        this.polls.delete(data.id);
        this.changed('polls');
        break;
      case 'event.updated':
        // Name, code of conduct, archive published: share menus follow it.
        this.event = data;
        this.changed('event', 'notes', 'questions', 'polls');
        break;
      case 'flag.raised':
        this.flags.set(data.id, data);
        this.changed('flags');
        this.news('flag', data);
        break;
      case 'flag.resolved':
        this.flags.delete(data.id);
        this.changed('flags');
        break;
      default:
        break; // `redacted` and kinds this client does not know
    }
  }

  upsertQuestion(q) {
    const before = this.questions.get(q.id);
    if (q.state === 'withdrawn' || (!this.staff && q.state !== 'visible')) {
      this.questions.delete(q.id);
    } else {
      this.questions.set(q.id, q);
    }
    if (this.me && this.me.pending.delete(q.id)) this.changed('me');
    this.changed('questions', 'pinned');
    if (q.answered && (!before || !before.answered || before.answer_html !== q.answer_html) && q.state === 'visible') {
      this.news('answer', q);
    }
  }

  upsertPoll(p) {
    const before = this.polls.get(p.id);
    const poll = { ...p };
    const hidden = !this.staff && !p.results_visible;
    if (hidden) poll.results = null;
    else if (!poll.results && before && before.results) poll.results = before.results;
    this.polls.set(p.id, poll);
    this.changed('polls');
  }

  /** Apply a `counters` frame (latest values replace earlier ones). */
  applyCounters({ values = {}, presence }) {
    const parts = [];
    for (const [key, value] of Object.entries(values)) {
      if (key === 'reactions') {
        this.reactions = { ...value };
        parts.push('reactions');
      } else if (key.startsWith('question:')) {
        const q = this.questions.get(key.slice(9));
        if (q) {
          q.upvotes = value;
          parts.push('questions');
        }
      } else if (key.startsWith('poll:')) {
        const p = this.polls.get(key.slice(5));
        if (p && (this.staff || p.results_visible)) {
          p.results = value;
          parts.push('polls');
        }
      }
    }
    if (typeof presence === 'number') {
      this.presence = presence;
      parts.push('presence');
    }
    if (parts.length) this.changed(...parts);
  }

  /** Notes oldest first. */
  noteList() {
    return [...this.notes.values()].sort(oldestFirst);
  }

  /** Questions by `top` (upvotes, then oldest) or `recent` (newest first). */
  questionList(order = 'top', filter = () => true) {
    const list = [...this.questions.values()].filter(filter);
    if (order === 'recent') return list.sort((a, b) => oldestFirst(b, a));
    return list.sort((a, b) => b.upvotes - a.upvotes || oldestFirst(a, b));
  }

  /** Polls newest first. */
  pollList() {
    return [...this.polls.values()].sort((a, b) => oldestFirst(b, a));
  }

  pinnedQuestion() {
    return this.pinned ? this.questions.get(this.pinned) || null : null;
  }
}

/** Wire a Stream to a SessionState. */
export function connect(StreamClass, state, { token, sessionId }) {
  return new StreamClass({
    token,
    sessionId,
    onSnapshot: (s) => state.applySnapshot(s),
    onEvent: (e) => state.applyEvent(e),
    onCounters: (c) => state.applyCounters(c),
  }).start();
}
