/* The service worker of the installable web app (served at /sw.js by ui.views.pwa, which puts its
 * configuration, self.FQ_SW, before this code).
 *
 * What it keeps, in caches named with the configuration's version (a new version drops the old):
 * - the filing page (/cases/new/) — fetched from the network first, so it is fresh when the network
 *   is there; the copy is served when it is not (or when it has not answered in PAGE_TIMEOUT_MS);
 * - the filing page's scripts, stylesheet and icon — from the cache first.
 * What it never keeps: the API's answers, and any other page (they show cases and parties). A page
 * other than the filing page asked for offline gets a short notice pointing at the filing page.
 * Signing in or out drops the kept page: it belongs to the person who was signed in.
 */
/* global self, caches, fetch, Response, URL, Promise */
(function () {
  "use strict";
  var C = self.FQ_SW;
  var STATIC = "fq-static-" + C.version;
  var PAGES = "fq-pages-" + C.version;
  var PAGE_TIMEOUT_MS = 10000;
  var assetPaths = C.assets.map(function (url) { return new URL(url, self.location.origin).pathname; });

  function keepable(response) {
    return response && response.ok && !response.redirected && response.type === "basic" &&
      (response.headers.get("Content-Type") || "").indexOf("text/html") === 0;
  }

  function keepPages(cache) {
    return Promise.all(C.pages.map(function (path) {
      return fetch(path, { credentials: "same-origin", cache: "no-store" }).then(function (response) {
        if (keepable(response)) return cache.put(path, response);
      }).catch(function () { /* offline while installing: kept on the next visit */ });
    }));
  }

  self.addEventListener("install", function (event) {
    event.waitUntil(Promise.all([
      caches.open(STATIC).then(function (cache) { return cache.addAll(C.assets); }),
      caches.open(PAGES).then(keepPages)
    ]).then(function () { return self.skipWaiting(); }));
  });

  self.addEventListener("activate", function (event) {
    event.waitUntil(caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        return name.indexOf("fq-") === 0 && name !== STATIC && name !== PAGES;
      }).map(function (name) { return caches.delete(name); }));
    }).then(function () { return self.clients.claim(); }));
  });

  function escape(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;" }[c];
    });
  }

  function offlinePage() {
    var o = C.offline;
    var html = "<!doctype html><html lang=\"" + escape(o.lang) + "\"><head><meta charset=\"utf-8\">" +
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">" +
      "<title>" + escape(o.title) + "</title><link rel=\"stylesheet\" href=\"" + escape(o.stylesheet) + "\"></head>" +
      "<body><main id=\"main\"><div class=\"page-head\"><h1>" + escape(o.title) + "</h1></div>" +
      "<p>" + escape(o.text) + "</p><p><a class=\"btn big\" href=\"" + escape(C.pages[0]) + "\">" +
      escape(o.link) + "</a></p></main></body></html>";
    return new Response(html, { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } });
  }

  function kept(path) {
    return caches.open(PAGES).then(function (cache) { return cache.match(path); });
  }

  function navigate(request, url) {
    var isKept = C.pages.indexOf(url.pathname) !== -1 && !url.search;
    return new Promise(function (resolve) {
      var settled = false;
      function answer(response) {
        if (!settled && response) {
          settled = true;
          resolve(response);
        }
      }
      // Lie-fi: a network that neither answers nor fails. The kept page, if there is one.
      var timer = isKept ? setTimeout(function () { kept(url.pathname).then(answer); }, PAGE_TIMEOUT_MS) : null;
      fetch(request).then(function (response) {
        clearTimeout(timer);
        if (isKept && keepable(response)) {
          var copy = response.clone();
          caches.open(PAGES).then(function (cache) { return cache.put(url.pathname, copy); });
        }
        answer(response);
      }, function () {
        clearTimeout(timer);
        (isKept ? kept(url.pathname) : Promise.resolve(null)).then(function (response) {
          answer(response || offlinePage());
        });
      });
    });
  }

  function cacheFirst(request) {
    return caches.open(STATIC).then(function (cache) {
      return cache.match(request).then(function (hit) {
        return hit || fetch(request).then(function (response) {
          if (response.ok) cache.put(request, response.clone());
          return response;
        });
      });
    });
  }

  self.addEventListener("fetch", function (event) {
    var request = event.request;
    var url = new URL(request.url);
    if (url.origin !== self.location.origin) return;
    if (request.method !== "GET") {
      if (C.clearOn.indexOf(url.pathname) !== -1) event.waitUntil(caches.delete(PAGES));
      return;  // every write goes to the network as it is
    }
    if (url.pathname.indexOf(C.apiPrefix) === 0) return;  // never cached: personal data
    if (assetPaths.indexOf(url.pathname) !== -1) {
      event.respondWith(cacheFirst(request));
    } else if (request.mode === "navigate") {
      event.respondWith(navigate(request, url));
    }
  });
})();
