// Talkwire's web client: only the public contract (docs/protocol.md), and a model of how a client should use it.
// Every piece of text from the server is put on the page with textContent, never as HTML.
'use strict';

const $ = (id) => document.getElementById(id);

// The refresh token is kept in memory while the page runs, and in sessionStorage only while it is unloaded (for a
// reload): a tab duplicated meanwhile copies no refresh token, so two tabs never spend one login's tokens in turn.
function takeRefreshToken() {
  const token = sessionStorage.getItem('talkwire.refresh');
  sessionStorage.removeItem('talkwire.refresh');
  return token;
}

window.addEventListener('pagehide', () => {
  if (state.refreshToken) sessionStorage.setItem('talkwire.refresh', state.refreshToken);
});
window.addEventListener('pageshow', (event) => {
  if (event.persisted) sessionStorage.removeItem('talkwire.refresh'); // back from the page cache: running again
});

const state = {
  token: sessionStorage.getItem('talkwire.token'),
  // when the access token expires (ms since the epoch); the refresh token renews it before then
  tokenExpiresAt: Number(sessionStorage.getItem('talkwire.tokenExpiresAt')) || 0,
  refreshToken: takeRefreshToken(),
  me: sessionStorage.getItem('talkwire.me'),
  rooms: new Map(),          // id -> Room
  activeRoom: null,          // Room
  roomSubscription: null,
  messages: new Map(),       // seq -> Message, of the active room
  pending: new Map(),        // clientMessageId -> {content, element, receipt}
  online: new Set(),         // users online in the active room
  members: [],
  oldestSeq: null,
  historyLoaded: false,      // the active room's first page of messages is shown
  loadingOlder: false,
  // after a jump to a search result: the seq above which newer messages are not loaded yet (null: none missing)
  newerFrom: null,
  loadingNewer: false,
  opening: null,             // the latest openRoom() call: an earlier one that is still loading gives way
  foundSeq: null,            // the message a search result jumped to, highlighted
  readSent: new Map(),       // roomId -> highest seq a PUT /read was sent for
  readSeqs: new Map(),       // roomId -> highest seq the server confirmed read (PUT answered, or READ)
  readTimer: null,
  lastReadPut: 0,            // when the last PUT /read went out (ms since the epoch)
  mentioned: new Set(),      // ids of rooms with a MENTION of me, not opened since
  toldMentions: new Set(),   // seqs of the active room that a MENTION named me in
  typing: new Map(),         // user -> timer that ends their "is typing", in the active room
  typingSent: { roomId: null, at: 0 },
  memberListKey: null,
  searching: false,          // a search is running
  searchNext: null,          // the query to search for once it is answered, the newest asked
  client: null,
  connects: 0,               // STOMP sessions this page has opened (tests watch it)
  drops: 0,                  // connections this page has lost (tests watch it: "lost" shows only until the reconnect)
  memberFetches: 0,          // member lists applied (tests watch it)
  roomsTimer: null,
  roomsLoop: null,           // the running loop of room-list reads (a new login starts another, the old one ends)
  roomsGeneration: 0,        // bumped by each read of the room list and each room added here: an older read is stale
};

// ---------------------------------------------------------------- REST

// calls that sign in, which carry no access token to renew
const SIGN_IN = /^\/api\/auth\/(signup|login|refresh)$/;

async function api(method, path, body, retried, signal) {
  if (state.token && !SIGN_IN.test(path)) await freshToken();
  const headers = { 'Content-Type': 'application/json' };
  if (state.token) headers.Authorization = `Bearer ${state.token}`;
  const response = await fetch(path, { method, headers, signal, body: body === undefined ? undefined : JSON.stringify(body) });
  if (response.status === 401 && state.token && !SIGN_IN.test(path)) {
    // the access token may have died early (a clock off, a restart with a new secret): renew once, then give up
    const renewal = retried ? 'refused' : await renewToken();
    if (renewal === 'renewed') return api(method, path, body, true, signal);
    if (renewal === 'refused') logout('Your session has ended; log in again.');
    throw new Error(renewal === 'refused' ? 'unauthorized' : 'the server cannot renew your sign-in right now; try again');
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
    keepTokens(login);
    const me = await api('GET', '/api/me');
    state.me = me.username;
    sessionStorage.setItem('talkwire.me', state.me);
    start();
  } catch (error) {
    forgetTokens();
    $('login-error').textContent = error.message;
  }
}

// ---------------------------------------------------------------- staying signed in
// The access token is renewed before it expires; a STOMP session that the server ends at its token's expiry reconnects
// with the renewed one. Where the tokens live, and why: docs/security.md.

let renewing = null;

function keepTokens(tokens) {
  state.token = tokens.accessToken;
  state.tokenExpiresAt = Date.now() + tokens.expiresIn * 1000;
  state.refreshToken = tokens.refreshToken;
  state.retryDelay = 0;
  sessionStorage.setItem('talkwire.token', state.token);
  sessionStorage.setItem('talkwire.tokenExpiresAt', String(state.tokenExpiresAt));
  scheduleRenewal();
}

function forgetTokens() {
  ['talkwire.token', 'talkwire.tokenExpiresAt', 'talkwire.refresh', 'talkwire.me'].forEach((key) => sessionStorage.removeItem(key));
  state.token = null;
  state.refreshToken = null;
  state.tokenExpiresAt = 0;
  clearTimeout(state.renewalTimer);
}

/** Renewal starts a fifth of the token's life before it expires (at least 1 s, at most a minute before). */
function scheduleRenewal() {
  clearTimeout(state.renewalTimer);
  const lifetime = state.tokenExpiresAt - Date.now();
  const margin = Math.min(60000, Math.max(1000, lifetime / 5));
  state.renewalTimer = setTimeout(renewToken, Math.max(1000, lifetime - margin));
}

/** Resolves once the access token has some life left (renewed if it was about to expire). */
async function freshToken() {
  if (renewing) await renewing;
  if (state.refreshToken && state.tokenExpiresAt - Date.now() < 1000) await renewToken();
}

/**
 * One renewal at a time. Resolves to 'renewed'; 'refused' when the server says the login is over (then the login
 * form shows); or 'unavailable' when it could not be asked (offline, overloaded): the tokens are kept, and it is tried
 * again later, backing off.
 */
function renewToken() {
  if (!state.refreshToken) return Promise.resolve('refused');
  renewing ??= (async () => {
    const spent = state.refreshToken;
    try {
      const response = await fetch('/api/auth/refresh', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ refreshToken: spent }),
        signal: AbortSignal.timeout(10000),
      });
      if (state.refreshToken !== spent) return 'refused'; // signed out (or in as someone else) meanwhile
      if (response.ok) {
        keepTokens(await response.json());
        return 'renewed';
      }
      if (response.status === 401) {
        logout('Your session has ended; log in again.');
        return 'refused';
      }
      scheduleRetry();
      return 'unavailable';
    } catch (networkError) {
      if (state.refreshToken === spent) scheduleRetry(); // offline, or timed out: if the server spent it, the retry's 401 signs out
      return 'unavailable';
    } finally {
      renewing = null;
    }
  })();
  return renewing;
}

/** 1 s, 2 s, 4 s, ... up to 30 s, with jitter, so that many pages do not come back at once. */
function scheduleRetry() {
  clearTimeout(state.renewalTimer);
  state.retryDelay = Math.min(30000, (state.retryDelay || 500) * 2);
  state.renewalTimer = setTimeout(renewToken, state.retryDelay * (0.5 + Math.random() / 2));
}

/** Logging out here always works; logging out everywhere only once the server has done it. */
async function signOut(everywhere) {
  if (everywhere) {
    try {
      await api('POST', '/api/auth/logout-all');
    } catch (error) {
      $('chat-error').textContent = `Could not log out everywhere: ${error.message}`;
      return;
    }
  } else if (state.refreshToken) {
    // best effort, sent before this tab forgets its tokens (the request's headers are taken at once)
    const refreshToken = state.refreshToken;
    fetch('/api/auth/logout', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${state.token}` },
      body: JSON.stringify({ refreshToken }),
    }).catch(() => {});
  }
  logout('');
}

function logout(reason) {
  forgetTokens();
  if (state.client) state.client.deactivate();
  clearTimeout(state.roomsTimer);
  state.roomsLoop = null;
  state.roomsGeneration++; // a read under way is the previous user's
  clearTimeout(state.readTimer);
  state.readTimer = null;
  clearTyping();
  $('app-view').hidden = true;
  $('login-view').hidden = false;
  $('login-error').textContent = reason || '';
}

function start() {
  $('login-view').hidden = true;
  $('app-view').hidden = false;
  $('me').textContent = state.me;
  connect();
  everyFewSeconds(state.roomsLoop = {});
}

/**
 * Reads the room list again a few seconds after the last read ended: 3 s after a list of one page, 3 s more for
 * each further page of 500, so that a server with thousands of PUBLIC rooms is not asked for all of them every 3 s
 * by every page.
 */
async function everyFewSeconds(loop) {
  const pages = await refreshRooms();
  if (state.roomsLoop !== loop) return; // logged out (or in again) meanwhile
  // the other member's read marker moves without telling me (READ goes to the reader's own sessions only): ask
  if (state.activeRoom?.kind === 'DIRECT') refreshMembers();
  state.roomsTimer = setTimeout(() => everyFewSeconds(loop), 3000 * pages);
}

// ---------------------------------------------------------------- STOMP

function connect() {
  const client = new StompJs.Client({
    brokerURL: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`,
    // every (re)connect carries the newest access token, renewed first if it is about to expire
    beforeConnect: async () => {
      await freshToken();
      client.connectHeaders = { Authorization: `Bearer ${state.token}` };
      state.connectedWith = state.token;
    },
    heartbeatIncoming: 10000,
    heartbeatOutgoing: 10000,
    // a connection whose heart-beats stopped (the network gone) is dropped at once: closing it would wait for a
    // close handshake that nobody answers, a minute in Chromium, before the page could connect again
    discardWebsocketOnCommFailure: true,
    reconnectDelay: 500,
    maxReconnectDelay: 15000,
    reconnectTimeMode: StompJs.ReconnectionTimeMode.EXPONENTIAL,
  });
  client.onConnect = () => {
    state.connects++;
    setConnection('Connected', 'up');
    client.subscribe('/user/queue/events', (frame) => onPersonalEvent(JSON.parse(frame.body)));
    client.subscribe('/user/queue/errors', (frame) => onSendError(JSON.parse(frame.body)));
    if (state.activeRoom) subscribeRoom(state.activeRoom, true);
    resendPending();
    refreshRooms();
  };
  client.onStompError = (frame) => {
    const reason = frame.headers.message || 'the server refused the connection';
    if (reason.includes('signed out everywhere')) logout('You signed out everywhere; log in again.');
    // the session's token expired: the reconnect renews it first if that has not happened yet (with a clock that
    // runs behind the server's, now); a token refused for another reason is renewed at once
    else if (reason.includes('expired')) {
      if (state.token === state.connectedWith) state.tokenExpiresAt = Math.min(state.tokenExpiresAt, Date.now());
    }
    else if (reason.includes('token')) renewToken();
    else setConnection(`Disconnected: ${reason}`, 'down');
  };
  client.onWebSocketClose = () => {
    state.drops++;
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

const ROOMS_PAGE = 500; // the most GET /api/rooms gives at once

/** Reads the whole room list; returns how many pages that took (at least 1). */
async function refreshRooms() {
  if (!state.token) return 1;
  const generation = ++state.roomsGeneration;
  let pages = 0;
  try {
    const rooms = [];
    for (let page; !page || page.length === ROOMS_PAGE; pages++) {
      const after = rooms.length ? rooms[rooms.length - 1].id : 0;
      page = await api('GET', `/api/rooms?limit=${ROOMS_PAGE}&after=${after}`);
      rooms.push(...page);
    }
    // a later read, or a room created or added here, came meanwhile: this list may lack it
    if (generation !== state.roomsGeneration) return pages;
    // a list read just before a read marker of mine moved must not bring back the badge that marker cleared
    for (const room of rooms) readInto(room, state.readSeqs.get(room.id) ?? 0);
    state.rooms = new Map(rooms.map((room) => [room.id, room]));
    if (state.activeRoom && state.rooms.has(state.activeRoom.id)) {
      state.activeRoom = state.rooms.get(state.activeRoom.id);
      renderRoomHeader();
    }
    renderRooms();
    return pages;
  } catch (error) {
    return Math.max(1, pages); // the next read tries again, as late as a whole list would have made it
  }
}

/** A room this page learned of on its own (created, opened as DIRECT, ROOM_ADDED): a read under way lacks it. */
function addRoom(room) {
  state.roomsGeneration++;
  state.rooms.set(room.id, room);
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
    button.append(name, kind, online, unreadBadge(room));
    if (state.mentioned.has(room.id) && state.activeRoom?.id !== room.id) {
      button.classList.add('mentioned');
      button.title = 'You were mentioned here';
    }
    button.addEventListener('click', () => openRoom(room));
    item.append(button);
    list.append(item);
  }
}

/**
 * The server's count of unread messages. The open room shows none: its messages are on screen, and the read marker
 * follows them within a second (markRead), so a list fetched in between must not flash a badge there.
 */
function unreadBadge(room) {
  const unread = state.activeRoom?.id === room.id ? 0 : room.unreadCount ?? 0;
  const badge = document.createElement('span');
  badge.className = 'badge unread';
  badge.textContent = String(unread);
  badge.setAttribute('aria-label', `${unread} unread`);
  badge.hidden = unread <= 0;
  return badge;
}

/** Opens a room at its latest messages, or, given `around` (a seq), at that message (a search result). */
async function openRoom(room, around) {
  flushRead(); // the room being left gets its read marker now, not after the debounce (which reads the new room)
  if (state.roomSubscription) state.roomSubscription.unsubscribe();
  state.roomSubscription = null;
  state.activeRoom = room;
  const opening = state.opening = {};
  state.messages.clear();
  earlyChanges.clear();
  state.pending.clear();
  state.oldestSeq = null;
  state.historyLoaded = false;
  state.newerFrom = null;
  state.foundSeq = around ?? null;
  state.toldMentions.clear();
  state.mentioned.delete(room.id);
  // the previous room's members (and their Ban buttons) must not show as this room's while its own are fetched
  state.members = [];
  state.online = new Set();
  clearTyping();
  $('messages').replaceChildren();
  $('chat-error').textContent = '';
  $('message-input').disabled = false;
  $('send-button').disabled = false;
  renderRooms();
  renderRoomHeader();
  try {
    const shown = around === undefined
      ? { messages: await api('GET', `/api/rooms/${room.id}/messages?limit=50`), newerFrom: null }
      : await messagesAround(room, around);
    if (state.opening !== opening) return; // another room was opened meanwhile: it has the page now
    state.newerFrom = shown.newerFrom;
    state.historyLoaded = true;
    shown.messages.forEach(addMessage);
    renderSeen();
    if (around === undefined) scrollToBottom();
    else showFound(around);
    markRead();
  } catch (error) {
    if (state.opening !== opening) return;
    $('chat-error').textContent = error.message;
  }
  subscribeRoom(room, false);
  await refreshMembers();
}

const AROUND = 25; // messages loaded on each side of a search result

/** The message `seq` with up to AROUND messages before and after it, and whether newer ones are left to load. */
async function messagesAround(room, seq) {
  const [before, after] = await Promise.all([
    api('GET', `/api/rooms/${room.id}/messages?before=${seq + 1}&limit=${AROUND}`),
    api('GET', `/api/rooms/${room.id}/messages?after=${seq}&limit=${AROUND}`),
  ]);
  const newerFrom = after.length < AROUND ? null : after[after.length - 1].seq;
  return { messages: [...before, ...after], newerFrom };
}

function showFound(seq) {
  const element = messageItem(seq);
  if (!element) {
    $('chat-error').textContent = 'That message is not in this room any more.';
    return;
  }
  element.scrollIntoView({ block: 'center' });
}

function subscribeRoom(room, afterReconnect) {
  if (!state.client?.connected || state.roomSubscription) return;
  // the RECEIPT comes once the subscription counts: members fetched after it include this user online
  const receipt = `room-${room.id}-${Date.now()}`;
  state.client.watchForReceipt(receipt, () => {
    if (state.activeRoom?.id !== room.id) return;
    // whatever was sent while we were away (or, on a first subscription, between the history fetched and this
    // subscription counting): ask for everything after the last seq we hold, merge by seq. Not after a history that
    // failed to load: that would fetch the whole room from seq 0.
    if (afterReconnect || state.historyLoaded) {
      fillGap(room).catch((error) => {
        $('chat-error').textContent = error.message;
      });
    }
    refreshMembers();
  });
  state.roomSubscription = state.client.subscribe(`/topic/rooms.${room.id}`,
    (frame) => onRoomEvent(JSON.parse(frame.body)), { receipt });
}

async function fillGap(room) {
  // below a search result the newer messages come as the user scrolls down (loadNewer), missed ones included
  if (state.newerFrom !== null) return;
  let after = highestSeq();
  let added = false;
  for (;;) {
    const page = await api('GET', `/api/rooms/${room.id}/messages?limit=200&after=${after}`);
    if (state.activeRoom?.id !== room.id || state.newerFrom !== null) return;
    page.forEach(addMessage);
    renderSeen(); // once a page, not once a message: it looks through every message held
    added ||= page.length > 0;
    if (page.length < 200) break;
    after = page[page.length - 1].seq;
  }
  if (added) {
    scrollToBottom();
    markRead();
  }
}

function highestSeq() {
  let highest = 0;
  for (const seq of state.messages.keys()) highest = Math.max(highest, seq);
  return highest;
}

// JOIN and LEAVE events that arrive while the member list is being fetched: applied again on top of it, in order,
// since the list may have been read before them (each user ends as their last event says)
let presenceSinceFetch = null;

async function refreshMembers() {
  const room = state.activeRoom;
  if (!room) return;
  const seen = presenceSinceFetch = [];
  try {
    const members = await api('GET', `/api/rooms/${room.id}/members`);
    if (state.activeRoom?.id !== room.id || presenceSinceFetch !== seen) return; // a newer fetch has its say
    state.members = members;
    state.online = new Set(members.filter((m) => m.online).map((m) => m.username));
    seen.forEach(applyPresence);
    state.memberFetches++;
  } catch (error) {
    state.members = [];
  } finally {
    if (presenceSinceFetch === seen) presenceSinceFetch = null;
  }
  renderRoomHeader();
}

function applyPresence(event) {
  if (event.type === 'JOIN') state.online.add(event.user);
  else if (event.type === 'LEAVE') state.online.delete(event.user);
  else if (event.type === 'PRESENCE') state.online = new Set(event.users);
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
  renderMemberList();
  renderSeen();
}

/** Only the owner of a PUBLIC or PRIVATE room moderates it: nobody owns a DIRECT room's messages but their sender. */
function isModerator(room) {
  return Boolean(room) && room.kind !== 'DIRECT' && room.owner === state.me;
}

function renderMemberList() {
  const room = state.activeRoom;
  const moderator = isModerator(room);
  // rebuilt only when it changes (the header is drawn every few seconds), so a focused Ban button keeps its focus
  const key = JSON.stringify([room.id, moderator, state.members.map((m) => [m.username, m.role])]);
  if (key === state.memberListKey) return;
  state.memberListKey = key;
  $('member-list').replaceChildren(...state.members.map((member) => memberItem(member, moderator)));
}

function memberItem(member, moderator) {
  const item = document.createElement('li');
  item.dataset.username = member.username;
  const name = document.createElement('span');
  name.className = 'name';
  name.textContent = member.username;
  item.append(name);
  if (member.role === 'OWNER') {
    const role = document.createElement('span');
    role.className = 'role';
    role.textContent = 'owner';
    item.append(role);
  } else if (moderator) {
    const ban = document.createElement('button');
    ban.type = 'button';
    ban.className = 'ban';
    ban.textContent = 'Ban';
    ban.setAttribute('aria-label', `Ban ${member.username}`);
    ban.addEventListener('click', () => banMember(member.username));
    item.append(ban);
  }
  return item;
}

/** A ban removes the member (they get ROOM_REMOVED) and keeps them out; the list then shows them gone. */
async function banMember(username) {
  const room = state.activeRoom;
  try {
    await api('PUT', `/api/rooms/${room.id}/bans/${encodeURIComponent(username)}`);
    $('chat-error').textContent = '';
  } catch (error) {
    $('chat-error').textContent = error.message;
  }
  await refreshMembers();
  refreshRooms();
}

/**
 * "Seen" under my latest message of a DIRECT room, once the other member's read marker has reached it. Their marker
 * comes with the member list, which is fetched when a message arrives and every few seconds while the room is open.
 */
function renderSeen() {
  const room = state.activeRoom;
  const mine = room?.kind === 'DIRECT' ? myLatestSeq() : 0;
  const other = state.members.find((member) => member.username !== state.me);
  let marker = $('seen');
  if (!(mine > 0 && other && other.lastReadSeq >= mine)) {
    if (marker) marker.hidden = true;
    return;
  }
  if (!marker) {
    marker = document.createElement('li');
    marker.id = 'seen';
    marker.className = 'seen';
    marker.textContent = 'Seen';
  }
  marker.hidden = false;
  messageItem(mine)?.after(marker);
}

function myLatestSeq() {
  let latest = 0;
  for (const message of state.messages.values()) {
    if (message.sender === state.me && !message.deleted) latest = Math.max(latest, message.seq);
  }
  return latest;
}

// ---------------------------------------------------------------- events

function onRoomEvent(event) {
  if (!state.activeRoom || event.roomId !== state.activeRoom.id) return;
  if (event.type === 'MESSAGE') {
    addMessage(event);
    renderSeen();
    // below a gap (a jump to an older message) the user reads where they are; a new message does not move them
    if (state.newerFrom === null) scrollToBottom();
    stopTyping(event.sender);
    state.activeRoom.lastSeq = Math.max(state.activeRoom.lastSeq ?? 0, event.seq);
    markRead();
    if (state.activeRoom.kind === 'DIRECT') refreshMembers();
  } else if (event.type === 'MESSAGE_EDITED') {
    applyEdit(event);
  } else if (event.type === 'MESSAGE_DELETED') {
    applyDelete(event.seq);
  } else if (event.type === 'TYPING') {
    showTyping(event.user);
  } else if (event.type === 'JOIN' || event.type === 'LEAVE' || event.type === 'PRESENCE') {
    applyPresence(event);
    presenceSinceFetch?.push(event);
    if (event.type !== 'PRESENCE') addNotice(`${event.user} ${event.type === 'JOIN' ? 'joined' : 'left'} · ${time(event.at)}`);
    renderRoomHeader();
  }
}

function onPersonalEvent(event) {
  if (event.type === 'ROOM_ADDED') {
    addRoom(event.room);
    renderRooms();
  } else if (event.type === 'ROOM_REMOVED') {
    if (state.activeRoom?.id === event.roomId) {
      $('chat-error').textContent = 'You were removed from this room.';
      state.roomSubscription = null;
      refreshMembers();
    }
    refreshRooms();
  } else if (event.type === 'READ') {
    applyRead(event.roomId, event.seq);
  } else if (event.type === 'MENTION') {
    onMention(event);
  }
}

/** In the open room the message is highlighted (whenever it arrives); another room is marked until it is opened. */
function onMention(event) {
  if (state.activeRoom?.id === event.roomId) {
    state.toldMentions.add(event.seq);
    messageItem(event.seq)?.classList.add('mention');
  } else {
    state.mentioned.add(event.roomId);
    renderRooms();
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
  // a copy: edits and deletes change it, and a MESSAGE event is no message object to keep changing
  const held = {
    roomId: message.roomId, seq: message.seq, sender: message.sender, content: message.content,
    sentAt: message.sentAt, editedAt: message.editedAt ?? null, deleted: Boolean(message.deleted),
  };
  state.messages.set(message.seq, held);
  // an edit or delete committed through another instance may have come before the message itself
  const early = earlyChanges.get(message.seq);
  if (early) {
    earlyChanges.delete(message.seq);
    if (early.deleted) Object.assign(held, { deleted: true, content: '' });
    else if (!held.deleted && (!held.editedAt || Date.parse(early.editedAt) > Date.parse(held.editedAt))) {
      Object.assign(held, { content: early.content, editedAt: early.editedAt });
    }
  }
  state.oldestSeq = state.oldestSeq === null ? message.seq : Math.min(state.oldestSeq, message.seq);
  const pending = message.clientMessageId && state.pending.get(message.clientMessageId);
  if (pending && message.sender === state.me) {
    pending.element.remove();
    state.pending.delete(message.clientMessageId);
  }
  const element = messageView(held);
  // keep the list in seq order: after the last element with a lower seq
  const list = $('messages');
  const following = [...list.querySelectorAll('.message[data-seq]')].find((li) => Number(li.dataset.seq) > message.seq);
  list.insertBefore(element, following || firstPending());
}

function firstPending() {
  return $('messages').querySelector('.message.pending, .message.failed');
}

function messageItem(seq) {
  return $('messages').querySelector(`.message[data-seq="${Number(seq)}"]`);
}

/** A stored message as it stands: deleted, edited, naming me, found by a search; with what I may do to it. */
function messageView(message) {
  const element = messageElement(message.sender, message.deleted ? 'message deleted' : message.content,
    time(message.sentAt));
  element.dataset.seq = message.seq;
  const meta = element.querySelector('.meta');
  if (message.deleted) {
    element.querySelector('.content').classList.add('deleted');
  } else {
    if (message.editedAt) {
      const edited = document.createElement('span');
      edited.className = 'edited';
      edited.textContent = '(edited)';
      edited.title = `edited ${new Date(message.editedAt).toLocaleString()}`;
      meta.append(edited);
    }
    // my own "@me" is no mention (the server tells nobody of it either)
    const namesMe = message.sender !== state.me && mentionsMe(message.content);
    if (namesMe || state.toldMentions.has(message.seq)) element.classList.add('mention');
    const actions = messageActions(message);
    if (actions) meta.append(actions);
  }
  if (state.foundSeq === message.seq) element.classList.add('found');
  return element;
}

/** Edit for my own messages; Delete for mine, and for any message in a room I moderate. */
function messageActions(message) {
  const mine = message.sender === state.me;
  if (!mine && !isModerator(state.activeRoom)) return null;
  const actions = document.createElement('span');
  actions.className = 'actions';
  if (mine) actions.append(actionButton('edit', 'Edit', () => startEdit(message.seq)));
  actions.append(actionButton('delete', 'Delete', () => deleteMessage(message.seq)));
  return actions;
}

function actionButton(className, label, onClick) {
  const button = document.createElement('button');
  button.type = 'button';
  button.className = className;
  button.textContent = label;
  button.addEventListener('click', onClick);
  return button;
}

/** Draws a held message again after it changed; one being edited keeps its editor (the edit ends by redrawing). */
function redrawMessage(seq) {
  const element = messageItem(seq);
  const message = state.messages.get(seq);
  if (!element || !message) return;
  if (element.querySelector('.edit-input') && !message.deleted) return;
  element.replaceWith(messageView(message));
  renderSeen();
}

// The @ must not end a word (email@bob names nobody) and the name must end where a username would (@bobby is not
// @bob), as the server reads mentions; dots after the name may end a sentence. Any case: @Bob names bob.
let mentionPattern = null;

function mentionsMe(content) {
  if (!state.me) return false;
  if (mentionPattern?.me !== state.me) {
    const name = state.me.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    mentionPattern = { me: state.me, regex: new RegExp(`(?<![\\p{L}\\p{N}_])@${name}\\.*(?![A-Za-z0-9_.-])`, 'iu') };
  }
  return mentionPattern.regex.test(content);
}

// ---------------------------------------------------------------- editing and deleting

function startEdit(seq) {
  const element = messageItem(seq);
  const message = state.messages.get(seq);
  if (!element || !message || message.deleted || element.querySelector('.edit-input')) return;
  // a textarea, not an input: a message may have several lines, and an input would join them
  const editor = document.createElement('textarea');
  editor.className = 'edit-input';
  editor.value = message.content;
  editor.maxLength = 4000;
  editor.rows = Math.min(8, message.content.split('\n').length);
  editor.setAttribute('aria-label', 'Edit message (Enter saves, Escape cancels)');
  editor.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault();
      saveEdit(seq, editor);
    } else if (event.key === 'Escape') {
      event.preventDefault();
      endEdit(seq);
    }
  });
  element.querySelector('.content').replaceWith(editor);
  element.querySelector('.actions')?.remove(); // Enter and Escape are the actions while editing
  editor.focus();
}

function endEdit(seq) {
  const element = messageItem(seq);
  const message = state.messages.get(seq);
  if (element && message) element.replaceWith(messageView(message));
  renderSeen();
}

async function saveEdit(seq, editor) {
  const room = state.activeRoom;
  const message = state.messages.get(seq);
  if (!message || editor.disabled) return;
  const content = editor.value.trim();
  if (content === message.content) {
    endEdit(seq); // unchanged: no request, and no edit spent from the rate limit
    return;
  }
  editor.disabled = true;
  try {
    const edited = await api('PATCH', `/api/rooms/${room.id}/messages/${seq}`, { content });
    $('chat-error').textContent = '';
    if (state.activeRoom?.id !== room.id) return;
    applyEdit(edited, true);
  } catch (error) {
    $('chat-error').textContent = error.message;
    editor.disabled = false; // still editing: fix it and press Enter again, or Escape
    editor.focus();
  }
}

/**
 * MESSAGE_EDITED (or my PATCH answered): applied unless older than the edit held, since events of two edits made
 * through two instances may come in either order, and never to a deleted message. `mine` ends my own editor.
 */
// seq -> the latest edit or delete of a message of the open room that is not shown yet (applied when it arrives)
const earlyChanges = new Map();

function keepEarly(seq, change) {
  const known = earlyChanges.get(seq);
  if (known?.deleted) return; // a delete is final
  if (!change.deleted && known && Date.parse(known.editedAt) > Date.parse(change.editedAt)) return;
  earlyChanges.set(seq, change);
}

function applyEdit(edit, mine) {
  const message = state.messages.get(edit.seq);
  if (!message) {
    keepEarly(edit.seq, { content: edit.content, editedAt: edit.editedAt });
    return;
  }
  if (message.deleted) return;
  // not older: two edits within one millisecond carry the same editedAt, and the later one arrives last
  const newer = !message.editedAt || Date.parse(edit.editedAt) >= Date.parse(message.editedAt);
  if (newer) {
    message.content = edit.content;
    message.editedAt = edit.editedAt;
  }
  if (mine) endEdit(edit.seq);
  else if (newer) redrawMessage(edit.seq);
}

async function deleteMessage(seq) {
  const room = state.activeRoom;
  try {
    await api('DELETE', `/api/rooms/${room.id}/messages/${seq}`);
    $('chat-error').textContent = '';
    if (state.activeRoom?.id === room.id) applyDelete(seq);
  } catch (error) {
    $('chat-error').textContent = error.message;
  }
}

/** MESSAGE_DELETED (or my DELETE answered): the message keeps its place, without content or actions. */
function applyDelete(seq) {
  const message = state.messages.get(seq);
  if (!message) {
    keepEarly(seq, { deleted: true });
    return;
  }
  if (message.deleted) return;
  message.deleted = true;
  message.content = '';
  redrawMessage(seq);
}

// ---------------------------------------------------------------- read markers

const READ_EVERY = 1000; // at most one PUT /read a second: a busy room moves the marker in steps, not per message

/** The highest seq on screen with nothing missing below it: up to a gap left by a jump, else the newest. */
function readableSeq() {
  return state.newerFrom ?? highestSeq();
}

function readUpTo(roomId) {
  return Math.max(state.rooms.get(roomId)?.lastReadSeq ?? 0, state.readSent.get(roomId) ?? 0);
}

/** Moves my read marker to what the open room shows, soon: one PUT, later, carries all that arrives meanwhile. */
function markRead() {
  const room = state.activeRoom;
  if (!room || state.readTimer || readableSeq() <= readUpTo(room.id)) return;
  const wait = Math.max(0, state.lastReadPut + READ_EVERY - Date.now());
  state.readTimer = setTimeout(sendRead, wait);
}

function flushRead() {
  if (!state.readTimer) return;
  clearTimeout(state.readTimer);
  sendRead();
}

async function sendRead() {
  state.readTimer = null;
  const room = state.activeRoom;
  const seq = readableSeq();
  if (!room || seq <= readUpTo(room.id)) return;
  state.readSent.set(room.id, seq);
  state.lastReadPut = Date.now();
  try {
    await api('PUT', `/api/rooms/${room.id}/read`, { seq });
    applyRead(room.id, seq);
  } catch (error) {
    // removed from the room, or offline: the next message shown tries again with its higher seq
  }
}

/** My marker moved to `seq` (this session's PUT, or READ from any of mine): the room's badge follows at once. */
function applyRead(roomId, seq) {
  if (seq > (state.readSeqs.get(roomId) ?? 0)) state.readSeqs.set(roomId, seq);
  const room = state.rooms.get(roomId);
  if (!room) return;
  readInto(room, seq);
  renderRooms();
}

/**
 * The unread count once the marker is at `seq`, until the next room list counts it exactly: the messages above
 * `seq` are at most lastSeq - seq (fewer: mine and deleted ones do not count).
 */
function readInto(room, seq) {
  if (!(seq > (room.lastReadSeq ?? 0))) return;
  room.lastReadSeq = seq;
  room.unreadCount = Math.min(room.unreadCount ?? 0, Math.max(0, room.lastSeq - seq));
}

// ---------------------------------------------------------------- typing

const TYPING_EVERY = 2000; // the server passes on one a session and room every 2 s; more would be dropped anyway
const TYPING_SHOWN = 3000; // how long "is typing" stays after someone's last TYPING

function sendTyping() {
  const room = state.activeRoom;
  if (!room || !state.client?.connected || !$('message-input').value.trim()) return;
  const now = Date.now();
  if (state.typingSent.roomId === room.id && now - state.typingSent.at < TYPING_EVERY) return;
  state.typingSent = { roomId: room.id, at: now };
  state.client.publish({
    destination: `/app/rooms.${room.id}.typing`,
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
}

function showTyping(user) {
  if (user === state.me) return; // my own other tabs
  clearTimeout(state.typing.get(user));
  state.typing.set(user, setTimeout(() => stopTyping(user), TYPING_SHOWN));
  renderTyping();
}

function stopTyping(user) {
  if (!state.typing.has(user)) return;
  clearTimeout(state.typing.get(user));
  state.typing.delete(user);
  renderTyping();
}

function clearTyping() {
  state.typing.forEach((timer) => clearTimeout(timer));
  state.typing.clear();
  renderTyping();
}

function renderTyping() {
  const users = [...state.typing.keys()].sort();
  const last = users.pop();
  $('typing').textContent = !last ? ''
    : users.length ? `${users.join(', ')} and ${last} are typing…`
    : `${last} is typing…`;
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

/** Below a search result: the next page of newer messages, as the user scrolls down to them. */
async function loadNewer() {
  const room = state.activeRoom;
  const opening = state.opening;
  if (!room || state.loadingNewer || state.newerFrom === null) return;
  state.loadingNewer = true;
  try {
    const newer = await api('GET', `/api/rooms/${room.id}/messages?limit=50&after=${state.newerFrom}`);
    if (state.opening !== opening) return;
    newer.forEach(addMessage);
    renderSeen();
    state.newerFrom = newer.length < 50 ? null : newer[newer.length - 1].seq;
    markRead();
  } catch (error) {
    $('chat-error').textContent = error.message;
  } finally {
    state.loadingNewer = false;
  }
}

async function loadOlder() {
  const room = state.activeRoom;
  if (!room || state.loadingOlder || state.oldestSeq === null || state.oldestSeq <= 1) return;
  state.loadingOlder = true;
  const list = $('messages');
  const heightBefore = list.scrollHeight;
  try {
    const older = await api('GET', `/api/rooms/${room.id}/messages?limit=50&before=${state.oldestSeq}`);
    if (state.activeRoom?.id === room.id) {
      older.forEach(addMessage);
      renderSeen();
    }
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

// ---------------------------------------------------------------- search

// One search at a time (the server runs one per user): a query asked meanwhile waits, and only the newest is run.
async function search(query) {
  state.searchNext = query;
  const results = $('search-results');
  results.replaceChildren(searchNote('Searching…', 'search-note'));
  if (state.searching) return; // the running search runs the newest query once it is answered
  state.searching = true;
  try {
    while (state.searchNext !== null) {
      const asked = state.searchNext;
      state.searchNext = null;
      try {
        // a search that never answers (a stalled connection) must not hold up the next one for good
        const hits = await api('GET', `/api/search?q=${encodeURIComponent(asked)}`, undefined, false, AbortSignal.timeout(15_000));
        if (state.searchNext !== null) continue; // a later query has the list
        results.replaceChildren(...(hits.length ? hits.map(searchResult) : [searchNote('No messages found.', 'search-note')]));
      } catch (error) {
        // 400 (nothing to search for), 429 (too many searches), 503 (too common a word): the server says which
        if (state.searchNext === null) results.replaceChildren(searchNote(`Search failed: ${error.message}`, 'search-error'));
      }
    }
  } finally {
    state.searching = false;
  }
}

function searchNote(text, className) {
  const item = document.createElement('li');
  item.className = className;
  item.textContent = text;
  return item;
}

function searchResult(hit) {
  const item = document.createElement('li');
  item.className = 'search-result';
  item.dataset.roomId = hit.roomId;
  item.dataset.seq = hit.seq;
  const button = document.createElement('button');
  button.type = 'button';
  const where = document.createElement('span');
  where.className = 'where';
  const room = document.createElement('span');
  room.className = 'room-name';
  room.textContent = state.rooms.get(hit.roomId)?.name ?? `room ${hit.roomId}`;
  const sender = document.createElement('span');
  sender.className = 'sender';
  sender.textContent = hit.sender;
  where.append(room, sender);
  const content = document.createElement('span');
  content.className = 'content';
  content.textContent = hit.content;
  button.append(where, content);
  item.append(button);
  // on the item, not the button: a click anywhere on the result counts
  item.addEventListener('click', () => jumpTo(hit.roomId, hit.seq));
  return item;
}

/** Opens the room of a search result at that message, with the messages around it. */
async function jumpTo(roomId, seq) {
  try {
    const room = state.rooms.get(roomId) ?? await api('GET', `/api/rooms/${roomId}`);
    await openRoom(room, seq);
  } catch (error) {
    $('chat-error').textContent = error.message;
  }
}

// ---------------------------------------------------------------- wiring

$('login-form').addEventListener('submit', (event) => {
  event.preventDefault();
  authenticate(false);
});
$('signup-button').addEventListener('click', () => authenticate(true));
$('logout-button').addEventListener('click', () => signOut(false));
$('logout-all-button').addEventListener('click', () => signOut(true));
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
$('message-input').addEventListener('input', sendTyping);
$('messages').addEventListener('scroll', () => {
  const list = $('messages');
  if (list.scrollTop < 40) loadOlder();
  if (list.scrollHeight - list.scrollTop - list.clientHeight < 40) loadNewer();
});
$('search-form').addEventListener('submit', (event) => {
  event.preventDefault();
  search($('search-input').value);
});
$('create-room-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  try {
    const room = await api('POST', '/api/rooms', { name: $('new-room-name').value, kind: $('new-room-kind').value });
    $('new-room-name').value = '';
    addRoom(room);
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
    addRoom(room);
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

if (state.token) {
  scheduleRenewal();
  start();
}
