// The client's router: every page is one module in views/, chosen by path.
// Navigation between pages is plain links (full loads), so each view starts
// from a clean document.

const ROUTES = [
  [/^\/$/, 'home'],
  [/^\/join\/([^/]+)\/?$/, 'home'],
  [/^\/e\/([^/]+)\/?$/, 'event'],
  [/^\/s\/([^/]+)\/?$/, 'attendee'],
  [/^\/console\/([^/]+)\/?$/, 'speaker'],
  [/^\/admin\/?$/, 'dashboard'],
  [/^\/admin\/e\/([^/]+)\/?$/, 'dashboard'],
  [/^\/projector\/([^/]+)\/?$/, 'projector'],
];

async function route() {
  const root = document.getElementById('app');
  const path = location.pathname;
  for (const [pattern, name] of ROUTES) {
    const match = pattern.exec(path);
    if (!match) continue;
    const params = match.slice(1).map(decodeURIComponent);
    try {
      const view = await import(`./views/${name}.js`);
      await view.default(root, params);
    } catch (err) {
      console.error(err);
      const { notFound } = await import('./views/home.js');
      notFound(root, 'Something went wrong loading this page. Reload to try again.');
    }
    return;
  }
  const { notFound } = await import('./views/home.js');
  notFound(root, 'There is no page at this address.');
}

route();
