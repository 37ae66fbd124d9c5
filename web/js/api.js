// REST helper for /api/v1: JSON in and out, bearer tokens, problem+json errors.

/** An API failure with the server's error `code` and `status`. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** Call the API: api('POST', '/events', {token, body}). */
export async function api(method, path, { token, body } = {}) {
  const headers = { Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(`/api/v1${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'network', 'The server cannot be reached. Check your connection and try again.');
  }
  if (response.status === 204) return null;
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) {
    const message = (data && (data.detail || data.title)) || `Request failed (${response.status})`;
    throw new ApiError(response.status, (data && data.code) || 'error', message);
  }
  return data;
}

/**
 * Download an authenticated file (an export): fetch it with the token and
 * save it under the server's filename.
 */
export async function download(path, token) {
  let response;
  try {
    response = await fetch(`/api/v1${path}`, { headers: { Authorization: `Bearer ${token}` } });
  } catch {
    throw new ApiError(0, 'network', 'The server cannot be reached. Check your connection and try again.');
  }
  if (!response.ok) {
    let data = null;
    try {
      data = await response.json();
    } catch {
      data = null;
    }
    throw new ApiError(response.status, (data && data.code) || 'error', (data && data.detail) || `Download failed (${response.status})`);
  }
  const disposition = response.headers.get('Content-Disposition') || '';
  const name = (/filename="?([^";]+)"?/.exec(disposition) || [])[1] || 'export';
  saveBlob(await response.blob(), name);
  return name;
}

/** Offer a Blob as a file download. */
export function saveBlob(blob, filename) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 5000);
}

// Tokens are kept in localStorage so a reload keeps the role; keys name the scope.
const PREFIX = 'backchannel.';

/** Read a stored token: tokens.get('attendee', sessionId). */
function get(kind, scope = '') {
  try {
    return localStorage.getItem(`${PREFIX}${kind}.${scope}`);
  } catch {
    return null;
  }
}

function set(kind, scope, value) {
  try {
    if (value) localStorage.setItem(`${PREFIX}${kind}.${scope}`, value);
    else localStorage.removeItem(`${PREFIX}${kind}.${scope}`);
  } catch {
    // Private mode without storage: the token lives for this page only.
  }
}

export const tokens = { get, set };

/**
 * Take `#token=…` from the URL (store it under kind/scope) and remove it from
 * the address bar and history; return the token to use.
 */
export function tokenFromHash(kind, scope = '') {
  const match = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (match) {
    set(kind, scope, decodeURIComponent(match[1]));
    history.replaceState(history.state, '', location.pathname + location.search);
  }
  return get(kind, scope);
}

/** JSON kept in localStorage (for lists like saved takeaways). */
export const store = {
  read(key, fallback) {
    try {
      const raw = localStorage.getItem(PREFIX + key);
      return raw ? JSON.parse(raw) : fallback;
    } catch {
      return fallback;
    }
  },
  write(key, value) {
    try {
      localStorage.setItem(PREFIX + key, JSON.stringify(value));
    } catch {
      // Storage full or unavailable: keep going without persistence.
    }
  },
};
