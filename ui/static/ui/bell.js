/* The header's bell (通知), kept current on /ws/notifications/ (API.md): the server renders the
   count, and this only follows it — a new notification adds one, one read anywhere takes one
   off. Without the socket (no WebSocket, offline) the count stays as the page was rendered.
   The supervisors' board has its own connection and counter; there the bell keeps still. */
(function () {
  "use strict";
  var bell = document.querySelector("[data-bell]");
  if (!bell || !window.WebSocket || document.querySelector("[data-ws-path]:not([data-bell])")) return;
  var count = bell.querySelector("[data-unread]");
  var unread = new Set();
  var synced = false;
  var attempt = 0;
  var RETRY_MS = [2000, 5000, 15000, 30000];

  function render() {
    count.textContent = String(unread.size);
    bell.classList.toggle("has-unread", unread.size > 0);
  }

  function handle(event) {
    var message;
    try { message = JSON.parse(event.data); } catch (e) { return; }
    if (message.type === "notification") unread.add(message.id);
    else if (message.type === "read") message.ids.forEach(function (id) { unread.delete(id); });
    else if (message.type === "synced") synced = true;
    else return;
    // The backlog of unread notifications comes first: count once it is all in.
    if (synced) render();
  }

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + location.host + bell.getAttribute("data-ws-path"));
    socket.onopen = function () { attempt = 0; unread = new Set(); synced = false; };
    socket.onmessage = handle;
    socket.onclose = function () {
      if (attempt >= RETRY_MS.length * 2) return;  // signed out or no server: the page's count stands
      setTimeout(connect, RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)]);
      attempt += 1;
    };
  }

  connect();
})();
