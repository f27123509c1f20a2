/* The installable web app: registers the service worker (/sw.js) that keeps the filing page on
 * the tablet for when the network drops, and forgets the kept pages on sign-out (the worker does
 * too; this covers a browser that sends the sign-out before the worker sees it).
 */
(function () {
  "use strict";
  var script = document.querySelector("script[data-sw]");
  if (!script || !("serviceWorker" in navigator)) return;

  window.addEventListener("load", function () {
    navigator.serviceWorker.register(script.getAttribute("data-sw"), { scope: "/" }).catch(function () {
      /* an insecure origin or a private window: the site works as before, without offline filing */
    });
  });

  var logout = script.getAttribute("data-logout");
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!window.caches || !logout || form.getAttribute("action") !== logout) return;
    caches.keys().then(function (names) {
      names.filter(function (name) { return name.indexOf("fq-pages-") === 0; })
        .forEach(function (name) { caches.delete(name); });
    });
  });
})();
