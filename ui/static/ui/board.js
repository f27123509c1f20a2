/* The supervisors' live board: /ws/notifications/ (API.md) keeps it current without a reload.
 *
 * On every (re)connection the server sends every unread notification, then "synced", then
 * live ones, so a board that lost its network catches up by itself: it reconnects with a
 * growing, jittered delay, merges what arrives by notification id, and at "synced" drops
 * what it held that was read elsewhere meanwhile. "read" messages (an ack from
 * this or another tab or tablet) take notifications off. High risk raises a banner and,
 * when the supervisor has turned sound on, a tone.
 *
 * The tiles and lists the server rendered follow too: a notification puts its case on top of
 * the lists its kind suggests at once, then, a moment later (one request for a burst), the
 * board asks /board/live/ for the tiles, the lists' counts and the rows of the cases named,
 * rendered by the same selectors and templates as the page — each row with its countdown, in
 * exactly the lists it belongs in now (a breach in the village escalates the case: it leaves
 * "overdue" for "escalated"). The tiles are refreshed every minute as well, for the changes
 * nobody is notified of (a filing, a closing).
 */
(function () {
  "use strict";

  var root = document.getElementById("live-board");
  if (!root || !window.WebSocket) return;
  var text = JSON.parse(document.getElementById("live-text").textContent);
  var feed = root.querySelector("[data-feed]");
  var feedEmpty = root.querySelector("[data-feed-empty]");
  var statusEl = root.querySelector("[data-live-status]");
  var alertEl = document.getElementById("risk-alert");
  var soundToggle = root.querySelector("[data-sound-toggle]");
  var FEED_ROWS = 100;
  var statsEl = document.querySelector("[data-board-stats]");
  var REFRESH_DELAY_MS = 300;     // a burst of notifications (a sweep, a backlog) is one request
  var REFRESH_EVERY_MS = 60000;   // the changes no notification tells of
  var REFRESH_IDS = 100;          // as the server's LIVE_ROWS
  var BACKOFF_MS = [1000, 2000, 4000, 8000, 15000, 30000];
  // Which board list a kind of notification brings its case into.
  var LISTS = {
    escalated: ["escalated"], high_risk: ["high_risk", "escalated"],
    deadline_breached: ["overdue"], supervision_order: ["overdue"]
  };

  var unread = new Map();   // id → message, in arrival order
  var pending = new Set();  // case ids whose rows to fetch at the next refresh
  var refreshTimer = null;
  var refreshing = false;
  var stale = null;         // ids held before this connection's backlog, until "synced"
  var alerted = new Set();  // high-risk notification ids already announced
  var socket = null;
  var attempt = 0;
  var retryTimer = null;

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(c); });
    return node;
  }

  function caseUrl(id) { return text.case_url.replace("/0/", "/" + id + "/"); }

  function setStatus(state, label) {
    statusEl.setAttribute("data-live-status", state);
    statusEl.textContent = label;
  }

  // --- counters and the feed ---

  function render() {
    var counts = {};
    unread.forEach(function (m) { counts[m.kind] = (counts[m.kind] || 0) + 1; });
    root.querySelectorAll("[data-counter]").forEach(function (box) {
      box.querySelector("b").textContent = String(counts[box.getAttribute("data-counter")] || 0);
    });
    var newest = Array.from(unread.values()).reverse().slice(0, FEED_ROWS);
    feed.replaceChildren.apply(feed, newest.map(feedItem));
    feedEmpty.hidden = unread.size > 0;
  }

  function feedItem(m) {
    var when = new Date(m.created_at);
    var ack = el("button", { type: "button", "class": "secondary", "data-ack": String(m.id), text: text.ack });
    return el("li", { "class": "note kind-" + m.kind, "data-id": String(m.id) }, [
      el("span", { "class": "badge kind kind-" + m.kind, text: text.kinds[m.kind] || m.kind }),
      el("time", { datetime: m.created_at, text: when.toLocaleString(document.documentElement.lang) }),
      el("a", { href: caseUrl(m.case.id), "class": "case-no", text: m.case.number }),
      el("span", { "class": "note-title", text: m.case.title }),
      el("small", { text: m.case.region.name }),
      ack
    ]);
  }

  // --- the server-rendered lists: a case a notification brings in goes on top ---

  function intoLists(m) {
    (LISTS[m.kind] || []).forEach(function (name) {
      var section = document.querySelector("[data-live-list='" + name + "']");
      if (!section || section.querySelector("tr[data-case-id='" + m.case.id + "']")) return;
      var table = section.querySelector("table.list");
      if (!table) {  // the list was empty: the page's template has the table's head
        table = document.getElementById("live-table").content.firstElementChild.cloneNode(true);
        var empty = section.querySelector(".empty");
        if (empty) empty.replaceWith(table); else section.appendChild(table);
      }
      var link = function (cls) { return el("a", { href: caseUrl(m.case.id), "class": cls, text: cls === "case-title" ? m.case.title : m.case.number }); };
      var row = el("tr", { "data-case-id": String(m.case.id), "class": "live-new" }, [
        el("td", { "class": "case-no" }, [link("")]),
        el("td", {}, [link("case-title")]),
        el("td", { text: m.case.region.name }),
        el("td", {}, [el("span", { "class": "badge status status-" + m.case.status, text: text.statuses[m.case.status] || m.case.status })]),
        el("td", { text: text.new }),
        el("td", {}, [el("span", { "class": "badge risk-" + m.case.risk_level, text: text.risks[m.case.risk_level] || m.case.risk_level })])
      ]);
      var labels = table.querySelectorAll("thead th");  // narrow screens show each cell with its label
      Array.prototype.forEach.call(row.children, function (td, i) {
        if (labels[i]) td.setAttribute("data-label", labels[i].textContent);
      });
      table.querySelector("tbody").prepend(row);
      var count = section.querySelector("[data-count]");
      if (count) count.textContent = String(parseInt(count.textContent, 10) + 1);
    });
  }

  // --- the tiles, the counts and the rows, as the server renders them now ---

  function rowFrom(html) {
    var holder = document.createElement("template");
    holder.innerHTML = html.trim();
    return holder.content.firstElementChild;
  }

  function placeRow(section, id, html) {
    var old = section.querySelector("tr[data-case-id='" + id + "']");
    var table = section.querySelector("table.list");
    if (!table) {
      table = document.getElementById("live-table").content.firstElementChild.cloneNode(true);
      var empty = section.querySelector(".empty");
      if (empty) empty.replaceWith(table); else section.appendChild(table);
    }
    var row = rowFrom(html);
    if (old) {
      if (old.classList.contains("live-new")) row.classList.add("live-new");
      old.replaceWith(row);
    } else {
      row.classList.add("live-new");
      table.querySelector("tbody").prepend(row);
    }
  }

  function dropRow(section, id) {
    var old = section.querySelector("tr[data-case-id='" + id + "']");
    if (!old) return;
    var tbody = old.parentNode;
    old.remove();
    if (!tbody.querySelector("tr")) {  // the list is empty now: say so, as the page does
      tbody.closest("table").replaceWith(el("p", { "class": "empty", text: section.getAttribute("data-empty") || "" }));
    }
  }

  function applyRefresh(data) {
    if (statsEl && typeof data.stats === "string") statsEl.innerHTML = data.stats;
    document.querySelectorAll("[data-live-list]").forEach(function (section) {
      var name = section.getAttribute("data-live-list");
      var count = section.querySelector("[data-count]");
      if (count && data.counts && name in data.counts) count.textContent = String(data.counts[name]);
      Object.keys(data.rows || {}).forEach(function (id) {
        var row = data.rows[id];
        if (row.lists.indexOf(name) >= 0) placeRow(section, id, row.html);
        else dropRow(section, id);
      });
    });
  }

  function refresh() {
    refreshTimer = null;
    if (refreshing) { scheduleRefresh(); return; }  // one at a time; the next one picks up the rest
    var ids = Array.from(pending).slice(0, REFRESH_IDS);
    ids.forEach(function (id) { pending.delete(id); });
    refreshing = true;
    fetch(root.getAttribute("data-refresh") + "?cases=" + ids.join(","),
          { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) {
        var json = (r.headers.get("Content-Type") || "").indexOf("application/json") === 0;
        if (!r.ok || !json) throw new Error("refresh " + r.status);
        return r.json();
      })
      .then(applyRefresh)
      .catch(function () { ids.forEach(function (id) { pending.add(id); }); })  // next time
      .then(function () {
        refreshing = false;
        if (pending.size) scheduleRefresh();
      });
  }

  function scheduleRefresh(caseId) {
    if (caseId !== undefined) pending.add(String(caseId));
    if (!refreshTimer) refreshTimer = setTimeout(refresh, REFRESH_DELAY_MS);
  }

  setInterval(function () { if (!document.hidden && socket) scheduleRefresh(); }, REFRESH_EVERY_MS);

  // --- the high-risk alert: visible always, audible when sound is on ---

  var audio = null;
  function soundWanted() {
    try { return localStorage.getItem("fq-board-sound") === "on"; } catch (e) { return false; }
  }

  function showSoundState() {
    var on = soundWanted();
    soundToggle.setAttribute("aria-pressed", on ? "true" : "false");
    soundToggle.textContent = on ? text.sound_on : text.sound_off;
  }

  function beep() {
    if (!soundWanted()) return "off";
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return "unsupported";
    audio = audio || new Context();
    if (audio.state === "suspended") audio.resume();
    if (audio.state !== "running") return "blocked";
    // Three short tones, loud enough for a busy center, short enough not to startle.
    [0, 0.3, 0.6].forEach(function (at) {
      var osc = audio.createOscillator();
      var gain = audio.createGain();
      osc.frequency.value = 880;
      gain.gain.setValueAtTime(0.25, audio.currentTime + at);
      gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + at + 0.25);
      osc.connect(gain).connect(audio.destination);
      osc.start(audio.currentTime + at);
      osc.stop(audio.currentTime + at + 0.25);
    });
    return "played";
  }

  function raiseAlert(m) {
    if (alerted.has(m.id)) return;
    alerted.add(m.id);
    alertEl.querySelector("[data-alert-text]").textContent = m.case.number + " " + m.case.title + "（" + m.case.region.name + "）";
    alertEl.hidden = false;
    var sound = beep();
    alertEl.setAttribute("data-sound", sound);
    alertEl.title = sound === "blocked" ? text.sound_blocked : "";
  }

  soundToggle.addEventListener("click", function () {
    try { localStorage.setItem("fq-board-sound", soundWanted() ? "off" : "on"); } catch (e) { /* private mode */ }
    showSoundState();
    if (soundWanted()) {  // a tap is the gesture browsers want before sound
      var Context = window.AudioContext || window.webkitAudioContext;
      if (Context) { audio = audio || new Context(); audio.resume(); }
    }
  });
  alertEl.querySelector("[data-alert-dismiss]").addEventListener("click", function () { alertEl.hidden = true; });

  // --- messages ---

  function onNotification(m) {
    if (stale) stale.delete(m.id);
    if (!unread.has(m.id)) {
      unread.set(m.id, m);
      intoLists(m);
    }
    scheduleRefresh(m.case.id);
    if (m.kind === "high_risk") raiseAlert(m);
  }

  function onRead(ids) { ids.forEach(function (id) { unread.delete(id); }); }

  function handle(event) {
    var m;
    try { m = JSON.parse(event.data); } catch (e) { return; }
    if (m.type === "notification") onNotification(m);
    else if (m.type === "read") onRead(m.ids || []);
    else if (m.type === "synced") {
      if (stale) { onRead(Array.from(stale)); stale = null; }
      scheduleRefresh();  // what changed while this board was away
    }
    render();
  }

  // --- acknowledging: over the socket, or through the API while it is down ---

  function csrfToken() {
    var match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function post(url) {
    return fetch(url, { method: "POST", credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "Accept": "application/json" } });
  }

  root.addEventListener("click", function (event) {
    var ack = event.target.closest("[data-ack]");
    if (ack) {
      var id = parseInt(ack.getAttribute("data-ack"), 10);
      ack.disabled = true;
      if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: "ack", id: id }));
      else post(root.getAttribute("data-api") + id + "/read/").then(function (r) { if (r.ok) { onRead([id]); render(); } });
      return;
    }
    if (event.target.closest("[data-read-all]")) {
      post(root.getAttribute("data-api") + "read-all/").then(function (r) {
        if (r.ok) { unread.clear(); render(); }
      });
    }
  });

  // --- the connection, with backoff ---

  function connect() {
    clearTimeout(retryTimer);
    setStatus("connecting", text.connecting);
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + root.getAttribute("data-ws-path"));
    socket.onopen = function () {
      attempt = 0;
      stale = new Set(unread.keys());
      setStatus("live", text.live);
    };
    socket.onmessage = handle;
    socket.onclose = function () {
      socket = null;
      if (attempt >= 2) signedOutCheck();
      var base = BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)];
      var delay = Math.round(base * (0.8 + Math.random() * 0.4));  // jitter: boards do not reconnect in step
      attempt += 1;
      setStatus("reconnecting", text.reconnecting.replace("%s", String(Math.ceil(delay / 1000))));
      retryTimer = setTimeout(connect, delay);
    };
  }

  // A refused handshake looks like any dropped connection; if the session has ended, the
  // sign-in page is the way back, not endless retries.
  function signedOutCheck() {
    fetch(root.getAttribute("data-me"), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { if (r.status === 401 || r.status === 403) location.reload(); })
      .catch(function () { /* offline: keep trying */ });
  }

  // A tablet waking up or coming back online reconnects at once rather than at the next try.
  function soon() { if (!socket) { attempt = 0; connect(); } }
  window.addEventListener("online", soon);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) soon(); });

  showSoundState();
  render();
  connect();
})();
