// Talkwire's web client: only the public contract of shared/PROTOCOL.md, and a model of how a client should use it.
// Every piece of text from the server is put on the page with textContent, never as HTML.
'use strict';

const $ = (id) => document.getElementById(id);

const state = {
  token: sessionStorage.getItem('talkwire.token'),
  me: sessionStorage.getItem('talkwire.me'),
  rooms: new Map(),          // id -> Room
  activeRoom: null,          // Room
  roomSubscription: null,
  messages: new Map(),       // seq -> Message, of the active room
  pending: new Map(),        // clientMessageId -> {content, element, receipt}
  online: new Set(),         // users online in the active room
  members: [],
  oldestSeq: null,
  loadingOlder: false,
  client: null,
  roomsTimer: null,
};

// ---------------------------------------------------------------- REST

async function api(method, path, body) {
  const headers = { 'Content-Type': 'application/json' };
  if (state.token) headers.Authorization = `Bearer ${state.token}`;
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (response.status === 401 && state.token) {
    logout('Your session has ended; log in again.');
    throw new Error('unauthorized');
  }
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (!response.ok) throw new Error((data && (data.detail || data.title)) || `HTTP ${response.status}`);
  return data;
}

// ---------------------------------------------------------------- login

async function authenticate(signup) {
  const username = $('login-username').value.trim();
  const password = $('login-password').value;
  $('login-error').textContent = '';
  try {
    if (signup) await api('POST', '/api/auth/signup', { username, password });
    const login = await api('POST', '/api/auth/login', { username, password });
    state.token = login.accessToken;
    const me = await api('GET', '/api/me');
    state.me = me.username;
    sessionStorage.setItem('talkwire.token', state.token);
    sessionStorage.setItem('talkwire.me', state.me);
    start();
  } catch (error) {
    state.token = null;
    $('login-error').textContent = error.message;
  }
}

function logout(reason) {
  sessionStorage.removeItem('talkwire.token');
  sessionStorage.removeItem('talkwire.me');
  state.token = null;
  if (state.client) state.client.deactivate();
  clearInterval(state.roomsTimer);
  $('app-view').hidden = true;
  $('login-view').hidden = false;
  $('login-error').textContent = reason || '';
}

function start() {
  $('login-view').hidden = true;
  $('app-view').hidden = false;
  $('me').textContent = state.me;
  connect();
  refreshRooms();
  state.roomsTimer = setInterval(refreshRooms, 3000);
}

// ---------------------------------------------------------------- STOMP

function connect() {
  const client = new StompJs.Client({
    brokerURL: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`,
    connectHeaders: { Authorization: `Bearer ${state.token}` },
    heartbeatIncoming: 10000,
    heartbeatOutgoing: 10000,
    reconnectDelay: 500,
    maxReconnectDelay: 15000,
    reconnectTimeMode: StompJs.ReconnectionTimeMode.EXPONENTIAL,
  });
  client.onConnect = () => {
    setConnection('Connected', 'up');
    client.subscribe('/user/queue/events', (frame) => onPersonalEvent(JSON.parse(frame.body)));
    client.subscribe('/user/queue/errors', (frame) => onSendError(JSON.parse(frame.body)));
    if (state.activeRoom) subscribeRoom(state.activeRoom, true);
    resendPending();
    refreshRooms();
  };
  client.onStompError = (frame) => {
    const reason = frame.headers.message || 'the server refused the connection';
    if (reason.includes('expired') || reason.includes('token')) logout(`${reason}`);
    else setConnection(`Disconnected: ${reason}`, 'down');
  };
  client.onWebSocketClose = () => {
    if (state.token) setConnection('Connection lost, reconnecting…', 'down');
    state.roomSubscription = null;
  };
  client.activate();
  state.client = client;
}

function setConnection(text, kind) {
  const element = $('connection');
  element.textContent = text;
  element.className = `connection ${kind}`;
}

// ---------------------------------------------------------------- rooms

async function refreshRooms() {
  if (!state.token) return;
  try {
    const rooms = await api('GET', '/api/rooms');
    state.rooms = new Map(rooms.map((room) => [room.id, room]));
    if (state.activeRoom && state.rooms.has(state.activeRoom.id)) {
      state.activeRoom = state.rooms.get(state.activeRoom.id);
      renderRoomHeader();
    }
    renderRooms();
  } catch (error) {
    // the next refresh tries again
  }
}

function lastSeen(roomId) {
  return Number(sessionStorage.getItem(`talkwire.seen.${roomId}`) || 0);
}

function markSeen(roomId, seq) {
  if (seq > lastSeen(roomId)) sessionStorage.setItem(`talkwire.seen.${roomId}`, String(seq));
}

function renderRooms() {
  const list = $('room-list');
  list.replaceChildren();
  for (const room of state.rooms.values()) {
    const item = document.createElement('li');
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'room';
    button.dataset.roomId = room.id;
    button.setAttribute('aria-current', String(state.activeRoom?.id === room.id));
    const name = document.createElement('span');
    name.className = 'name';
    name.textContent = room.name;
    const kind = document.createElement('span');
    kind.className = 'kind';
    kind.textContent = room.kind.toLowerCase();
    const online = document.createElement('span');
    online.className = 'online';
    online.textContent = `${room.onlineCount} online`;
    button.append(name, kind, online);
    const unread = state.activeRoom?.id === room.id ? 0 : room.lastSeq - lastSeen(room.id);
    if (unread > 0) {
      const badge = document.createElement('span');
      badge.className = 'badge';
      badge.textContent = String(unread);
      badge.setAttribute('aria-label', `${unread} unread`);
      button.append(badge);
    }
    button.addEventListener('click', () => openRoom(room));
    item.append(button);
    list.append(item);
  }
}

async function openRoom(room) {
  if (state.roomSubscription) state.roomSubscription.unsubscribe();
  state.roomSubscription = null;
  state.activeRoom = room;
  state.messages.clear();
  state.pending.clear();
  state.oldestSeq = null;
  $('messages').replaceChildren();
  $('chat-error').textContent = '';
  $('message-input').disabled = false;
  $('send-button').disabled = false;
  renderRooms();
  renderRoomHeader();
  try {
    const latest = await api('GET', `/api/rooms/${room.id}/messages?limit=50`);
    latest.forEach(addMessage);
    scrollToBottom();
  } catch (error) {
    $('chat-error').textContent = error.message;
  }
  subscribeRoom(room, false);
  await refreshMembers();
}

function subscribeRoom(room, afterReconnect) {
  if (!state.client?.connected || state.roomSubscription) return;
  state.roomSubscription = state.client.subscribe(`/topic/rooms.${room.id}`, (frame) => onRoomEvent(JSON.parse(frame.body)));
  // whatever was sent while we were away: ask for everything after the last seq we hold, merge by seq
  if (afterReconnect) fillGap(room);
  refreshMembers();
}

async function fillGap(room) {
  let after = highestSeq();
  for (;;) {
    const page = await api('GET', `/api/rooms/${room.id}/messages?limit=200&after=${after}`);
    if (state.activeRoom?.id !== room.id) return;
    page.forEach(addMessage);
    if (page.length < 200) break;
    after = page[page.length - 1].seq;
  }
  scrollToBottom();
}

function highestSeq() {
  let highest = 0;
  for (const seq of state.messages.keys()) highest = Math.max(highest, seq);
  return highest;
}

async function refreshMembers() {
  const room = state.activeRoom;
  if (!room) return;
  try {
    state.members = await api('GET', `/api/rooms/${room.id}/members`);
    state.online = new Set(state.members.filter((m) => m.online).map((m) => m.username));
  } catch (error) {
    state.members = [];
  }
  renderRoomHeader();
}

function renderRoomHeader() {
  const room = state.activeRoom;
  if (!room) return;
  $('room-title').textContent = room.name;
  const isMember = state.members.some((m) => m.username === state.me);
  $('join-button').hidden = room.kind !== 'PUBLIC' || isMember;
  $('leave-button').hidden = !isMember;
  $('add-member-form').hidden = !(room.kind === 'PRIVATE' && room.owner === state.me);
  $('online-count').textContent = `${state.online.size} online`;
  $('online-users').textContent = state.online.size ? `Online: ${[...state.online].sort().join(', ')}` : '';
}

// ---------------------------------------------------------------- events

function onRoomEvent(event) {
  if (!state.activeRoom || event.roomId !== state.activeRoom.id) return;
  if (event.type === 'MESSAGE') {
    addMessage(event);
    scrollToBottom();
  } else if (event.type === 'JOIN' || event.type === 'LEAVE') {
    if (event.type === 'JOIN') state.online.add(event.user);
    else state.online.delete(event.user);
    addNotice(`${event.user} ${event.type === 'JOIN' ? 'joined' : 'left'} · ${time(event.at)}`);
    renderRoomHeader();
  }
}

function onPersonalEvent(event) {
  if (event.type === 'ROOM_ADDED') {
    state.rooms.set(event.room.id, event.room);
    renderRooms();
  } else if (event.type === 'ROOM_REMOVED') {
    if (state.activeRoom?.id === event.roomId) {
      $('chat-error').textContent = 'You were removed from this room.';
      state.roomSubscription = null;
      refreshMembers();
    }
    refreshRooms();
  }
}

function onSendError(error) {
  const pending = error.clientMessageId && state.pending.get(error.clientMessageId);
  if (pending) markFailed(pending, error.message);
  else $('chat-error').textContent = error.message;
}

// ---------------------------------------------------------------- messages

function addMessage(message) {
  if (state.messages.has(message.seq)) return;
  state.messages.set(message.seq, message);
  state.oldestSeq = state.oldestSeq === null ? message.seq : Math.min(state.oldestSeq, message.seq);
  markSeen(message.roomId, message.seq);
  const pending = message.clientMessageId && state.pending.get(message.clientMessageId);
  if (pending && message.sender === state.me) {
    pending.element.remove();
    state.pending.delete(message.clientMessageId);
  }
  const element = messageElement(message.sender, message.content, time(message.sentAt));
  element.dataset.seq = message.seq;
  // keep the list in seq order: after the last element with a lower seq
  const list = $('messages');
  const following = [...list.querySelectorAll('.message[data-seq]')].find((li) => Number(li.dataset.seq) > message.seq);
  list.insertBefore(element, following || firstPending());
}

function firstPending() {
  return $('messages').querySelector('.message.pending, .message.failed');
}

function messageElement(sender, content, when) {
  const item = document.createElement('li');
  item.className = 'message';
  const meta = document.createElement('div');
  meta.className = 'meta';
  const who = document.createElement('span');
  who.className = 'sender';
  who.textContent = sender;
  const at = document.createElement('time');
  at.textContent = when;
  meta.append(who, at);
  const text = document.createElement('div');
  text.className = 'content';
  text.textContent = content;
  item.append(meta, text);
  return item;
}

function addNotice(text) {
  const item = document.createElement('li');
  item.className = 'notice';
  item.textContent = text;
  $('messages').insertBefore(item, firstPending());
  scrollToBottom();
}

async function loadOlder() {
  const room = state.activeRoom;
  if (!room || state.loadingOlder || state.oldestSeq === null || state.oldestSeq <= 1) return;
  state.loadingOlder = true;
  const list = $('messages');
  const heightBefore = list.scrollHeight;
  try {
    const older = await api('GET', `/api/rooms/${room.id}/messages?limit=50&before=${state.oldestSeq}`);
    if (state.activeRoom?.id === room.id) older.forEach(addMessage);
    list.scrollTop += list.scrollHeight - heightBefore;
  } finally {
    state.loadingOlder = false;
  }
}

function time(iso) {
  return new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

function scrollToBottom() {
  const list = $('messages');
  list.scrollTop = list.scrollHeight;
}

// ---------------------------------------------------------------- sending

function send() {
  const input = $('message-input');
  const content = input.value.trim();
  if (!content || !state.activeRoom) return;
  input.value = '';
  const clientMessageId = crypto.randomUUID();
  const element = messageElement(state.me, content, 'sending…');
  element.classList.add('pending');
  $('messages').append(element);
  scrollToBottom();
  const pending = { content, element, clientMessageId, roomId: state.activeRoom.id };
  state.pending.set(clientMessageId, pending);
  publish(pending);
}

// The RECEIPT means committed; until it comes the message shows as pending. A retry reuses the clientMessageId,
// so the server stores and broadcasts it once however often it is sent.
function publish(pending) {
  if (!state.client?.connected) return; // sent again by resendPending() on reconnect
  const receipt = `${pending.clientMessageId}#${Date.now()}`;
  pending.element.classList.remove('failed');
  pending.element.classList.add('pending');
  state.client.watchForReceipt(receipt, () => {
    pending.element.classList.remove('pending');
    pending.element.querySelector('time').textContent = 'sent';
  });
  state.client.publish({
    destination: `/app/rooms.${pending.roomId}.send`,
    headers: { receipt, 'content-type': 'application/json' },
    body: JSON.stringify({ content: pending.content, clientMessageId: pending.clientMessageId }),
  });
}

function resendPending() {
  for (const pending of state.pending.values()) {
    if (pending.element.classList.contains('pending')) publish(pending);
  }
}

function markFailed(pending, reason) {
  pending.element.classList.remove('pending');
  pending.element.classList.add('failed');
  pending.element.querySelector('time').textContent = `not sent: ${reason}`;
  if (!pending.element.querySelector('button')) {
    const retry = document.createElement('button');
    retry.type = 'button';
    retry.className = 'retry';
    retry.textContent = 'Retry';
    retry.addEventListener('click', () => publish(pending));
    pending.element.querySelector('.meta').append(retry);
  }
}

// ---------------------------------------------------------------- wiring

$('login-form').addEventListener('submit', (event) => {
  event.preventDefault();
  authenticate(false);
});
$('signup-button').addEventListener('click', () => authenticate(true));
$('logout-button').addEventListener('click', () => logout(''));
$('send-form').addEventListener('submit', (event) => {
  event.preventDefault();
  send();
});
$('message-input').addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && !event.shiftKey) {
    event.preventDefault();
    send();
  }
});
$('messages').addEventListener('scroll', () => {
  if ($('messages').scrollTop < 40) loadOlder();
});
$('create-room-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  try {
    const room = await api('POST', '/api/rooms', { name: $('new-room-name').value, kind: $('new-room-kind').value });
    $('new-room-name').value = '';
    state.rooms.set(room.id, room);
    openRoom(room);
  } catch (error) {
    $('chat-error').textContent = error.message;
  }
});
$('direct-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  try {
    const room = await api('POST', `/api/direct/${encodeURIComponent($('direct-username').value.trim())}`);
    $('direct-username').value = '';
    state.rooms.set(room.id, room);
    openRoom(room);
  } catch (error) {
    $('chat-error').textContent = error.message;
  }
});
$('join-button').addEventListener('click', async () => {
  await memberAction('PUT', state.me);
});
$('leave-button').addEventListener('click', async () => {
  const room = state.activeRoom;
  if (state.roomSubscription) state.roomSubscription.unsubscribe();
  state.roomSubscription = null;
  await memberAction('DELETE', state.me);
  if (room.kind === 'PUBLIC') addNotice('You left this room.');
});
$('add-member-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  await memberAction('PUT', $('add-member-name').value.trim());
  $('add-member-name').value = '';
});

async function memberAction(method, username) {
  const room = state.activeRoom;
  try {
    await api(method, `/api/rooms/${room.id}/members/${encodeURIComponent(username)}`);
    $('chat-error').textContent = '';
  } catch (error) {
    $('chat-error').textContent = error.message;
  }
  await refreshMembers();
  refreshRooms();
}

// For tests and curious users: drop the connection as a network failure would.
window.talkwire = { dropConnection: () => state.client.forceDisconnect(), state };

if (state.token) start();
