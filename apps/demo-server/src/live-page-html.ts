/**
 * The live page's HTML and JavaScript, served as they are (no build step). It lists every
 * known user with their presence, updating live from the server's event stream; choosing a
 * user shows what that user receives and why (the routing explanation); the latest remote
 * deliveries (local users' presence sent to other servers) are listed under the users.
 *
 * @example
 * ```ts
 * return new Response(LIVE_PAGE_HTML, { headers: { 'content-type': 'text/html; charset=utf-8' } });
 * ```
 * @module
 */

/** The page. */
export const LIVE_PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>presence-router — live</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #1d232a; background: #fafafa; }
  h1 { font-size: 1.3rem; margin: 0 0 .25rem; }
  .columns { display: grid; grid-template-columns: minmax(16rem, 1fr) 2fr; gap: 1.5rem; }
  section { background: #fff; border: 1px solid #dde2e6; border-radius: 6px; padding: 1rem; }
  h2 { font-size: 1rem; margin: 0 0 .5rem; }
  ul { list-style: none; padding: 0; margin: 0; }
  #users li { display: flex; align-items: center; gap: .5rem; padding: .2rem .3rem; cursor: pointer; border-radius: 4px; }
  #users li:hover, #users li.chosen { background: #eef3f8; }
  .dot { width: .7rem; height: .7rem; border-radius: 50%; background: #b8c0c8; flex: none; }
  .online .dot { background: #2e9e44; }
  .unavailable .dot { background: #e0a100; }
  .org\\.matrix\\.msc3026\\.busy .dot { background: #c9302c; }
  .status { color: #66707a; font-size: .85em; }
  #received li { border-bottom: 1px solid #eef0f2; padding: .4rem 0; }
  .why { color: #3d6b99; font-size: .85em; }
  #remote li { font-size: .9em; padding: .15rem 0; }
  #connection { font-size: .85em; color: #66707a; }
</style>
</head>
<body>
<h1>presence-router — live</h1>
<p id="connection">connecting…</p>
<div class="columns">
  <section>
    <h2>Users (<span id="online-count">0</span> online)</h2>
    <ul id="users"></ul>
    <h2>Sent to other servers</h2>
    <ul id="remote"><li class="status">nothing yet (federation sends remote recipients' presence)</li></ul>
  </section>
  <section>
    <h2 id="received-title">Choose a user to see what they receive and why</h2>
    <ul id="received"></ul>
  </section>
</div>
<script>
(() => {
  const states = new Map();
  let known = [];
  let chosen = new URLSearchParams(location.search).get('user') || '';
  let source;
  const el = (id) => document.getElementById(id);

  function label(content) {
    if (!content) return 'offline (no presence yet)';
    let text = content.presence;
    if (content.status_msg) text += ' — "' + content.status_msg + '"';
    return text;
  }

  function renderUsers() {
    const list = el('users');
    list.textContent = '';
    const users = [...new Set([...known, ...states.keys()])].sort();
    let online = 0;
    for (const user of users) {
      const content = states.get(user);
      const li = document.createElement('li');
      li.className = (content ? content.presence : 'offline') + (user === chosen ? ' chosen' : '');
      li.dataset.user = user;
      li.dataset.presence = content ? content.presence : 'offline';
      const dot = document.createElement('span');
      dot.className = 'dot';
      const name = document.createElement('span');
      name.textContent = user;
      const status = document.createElement('span');
      status.className = 'status';
      status.textContent = label(content);
      li.append(dot, name, status);
      li.addEventListener('click', () => choose(user));
      list.append(li);
      if (content && content.presence !== 'offline') online++;
    }
    el('online-count').textContent = String(online);
  }

  function addReceived(entry) {
    const li = document.createElement('li');
    li.dataset.sender = entry.user_id;
    const what = document.createElement('div');
    what.textContent = new Date().toLocaleTimeString() + ' — ' + entry.user_id + ' is ' + label(entry);
    const why = document.createElement('div');
    why.className = 'why';
    why.textContent = 'why: ' + (entry.why.length ? entry.why.join('; ') : 'read-side interest');
    li.append(what, why);
    el('received').prepend(li);
  }

  function addRemote(entry) {
    const list = el('remote');
    if (list.firstElementChild && list.firstElementChild.classList.contains('status')) list.textContent = '';
    const li = document.createElement('li');
    li.dataset.server = entry.server;
    li.textContent = new Date().toLocaleTimeString() + ' — ' + entry.senders.join(', ') + ' → ' +
      entry.server + ' (' + entry.recipients + ' user' + (entry.recipients === 1 ? '' : 's') + ')';
    list.prepend(li);
    while (list.children.length > 20) list.lastElementChild.remove();
  }

  function choose(user) {
    chosen = user;
    const url = new URL(location.href);
    url.searchParams.set('user', user);
    history.replaceState(null, '', url);
    el('received').textContent = '';
    connect();
  }

  function connect() {
    if (source) source.close();
    el('received-title').textContent = chosen
      ? 'What ' + chosen + ' receives, and why'
      : 'Choose a user to see what they receive and why';
    const query = new URLSearchParams();
    if (chosen) query.set('user', chosen);
    const token = new URL(location.href).searchParams.get('access_token');
    if (token) query.set('access_token', token);
    const url = '/_presence_router/live/v1/events' + (query.size ? '?' + query : '');
    source = new EventSource(url);
    source.addEventListener('open', () => { el('connection').textContent = 'live'; });
    source.addEventListener('error', () => { el('connection').textContent = 'reconnecting…'; });
    source.addEventListener('snapshot', (event) => {
      const data = JSON.parse(event.data);
      known = data.users;
      states.clear();
      for (const state of data.states) states.set(state.user_id, state);
      renderUsers();
      document.body.dataset.ready = chosen || 'all';
    });
    source.addEventListener('update', (event) => {
      const data = JSON.parse(event.data);
      for (const state of data.states) states.set(state.user_id, state);
      for (const entry of data.remote || []) addRemote(entry);
      renderUsers();
    });
    source.addEventListener('received', (event) => {
      for (const entry of JSON.parse(event.data).entries) addReceived(entry);
    });
  }

  connect();
})();
</script>
</body>
</html>
`;
