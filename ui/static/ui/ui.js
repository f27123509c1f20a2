/* A little progressive enhancement; every page works without it. */
(function () {
  "use strict";

  // Add a row to a Django formset: clone its <template>, number it, bump TOTAL_FORMS.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-add-row]");
    if (!button) return;
    event.preventDefault();
    var prefix = button.getAttribute("data-add-row");
    var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS") ||
      document.querySelector("input[name='" + prefix + "-TOTAL_FORMS']");
    var template = document.getElementById(prefix + "-empty");
    var rows = document.getElementById(prefix + "-rows");
    if (!total || !template || !rows) return;
    var index = parseInt(total.value, 10);
    var html = template.innerHTML.replace(/__prefix__/g, String(index)).replace(/__number__/g, String(index + 1));
    rows.insertAdjacentHTML("beforeend", html);
    total.value = String(index + 1);
    var added = rows.lastElementChild;
    var first = added && added.querySelector("input, select, textarea");
    if (first) first.focus();
  });

  // Open the action a link points at (#act-accept) and bring it into view.
  function openFromHash() {
    if (!location.hash) return;
    var target = document.getElementById(location.hash.slice(1));
    if (target && target.tagName === "DETAILS") {
      target.open = true;
      target.scrollIntoView({ block: "start" });
    }
  }
  window.addEventListener("hashchange", openFromHash);
  document.addEventListener("DOMContentLoaded", openFromHash);

  // Ask before actions that end a case or undo work; keep a second tap from sending twice.
  document.addEventListener("submit", function (event) {
    if (event.defaultPrevented) return;  // a script sends this form itself (offline.js)
    var form = event.target;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      return;
    }
    var buttons = form.querySelectorAll("button[type=submit], button:not([type])");
    setTimeout(function () {
      buttons.forEach(function (b) { b.disabled = true; });
    }, 0);
    // If the network drops, let the user try again (the form's key keeps it from filing twice).
    setTimeout(function () {
      buttons.forEach(function (b) { b.disabled = false; });
    }, 10000);
  });

  // The filing form's drafts (several, on the tablet, sent when the network returns) are
  // offline.js's work, on the filing page.

  // While a case is being filed, warn of open cases of the village that likely involve the same
  // person (POST /api/v1/search/duplicates/: a POST, so ID numbers and phones stay out of URLs).
  // Best effort: offline or with search down it says nothing, and the case page warns after filing.
  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("draft-duplicates");
    var configElement = document.getElementById("duplicate-check");
    var form = document.querySelector("form[data-draft]");
    if (!box || !configElement || !form || !window.fetch) return;
    var config = JSON.parse(configElement.textContent);
    var section = box.querySelector("section");
    var list = box.querySelector("[data-list]");
    var watched = /^(title|description|grid|parties-\d+-(name|id_number|phone))$/;
    var timer = null;
    var lastSent = "";
    var sequence = 0;

    function value(name) {
      var el = form.elements[name];
      return el && typeof el.value === "string" ? el.value.trim() : "";
    }

    function draft() {
      var total = parseInt(value("parties-TOTAL_FORMS") || "0", 10);
      var parties = [];
      for (var i = 0; i < total; i++) {
        var party = { name: value("parties-" + i + "-name"), id_number: value("parties-" + i + "-id_number"),
                      phone: value("parties-" + i + "-phone") };
        if (party.name || party.id_number || party.phone) parties.push(party);
      }
      var body = { title: value("title"), description: value("description"), parties: parties };
      var grid = config.grids[value("grid")];
      if (grid) body.grid = grid;
      return body;
    }

    function day(iso) {
      var d = new Date(iso);
      if (isNaN(d.getTime())) return "";
      var pad = function (n) { return (n < 10 ? "0" : "") + n; };
      return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate());
    }

    function show(results) {
      list.textContent = "";
      results.forEach(function (found) {
        var item = document.createElement("li");
        var line = document.createElement("p");
        var link = document.createElement("a");
        link.href = config.case_url.replace("/0/", "/" + encodeURIComponent(found.id) + "/");
        var number = document.createElement("span");
        number.className = "case-no";
        number.textContent = found.number;
        link.appendChild(number);
        link.appendChild(document.createTextNode(" " + found.title));
        line.appendChild(link);
        item.appendChild(line);
        var about = document.createElement("p");
        about.className = "muted";
        about.textContent = [config.statuses[found.status] || found.status, config.filed + " " + day(found.created_at),
                             config.reasons[found.reason] || found.reason].join(" · ");
        item.appendChild(about);
        list.appendChild(item);
      });
      section.hidden = results.length === 0;
    }

    function check() {
      var body = draft();
      if (!body.parties.length) {
        lastSent = "";
        show([]);
        return;
      }
      var text = JSON.stringify(body);
      if (text === lastSent) return;
      lastSent = text;
      var mine = ++sequence;
      var token = form.elements.csrfmiddlewaretoken;
      fetch(config.url, {
        method: "POST", credentials: "same-origin", body: text,
        headers: { "Content-Type": "application/json", "Accept": "application/json",
                   "X-CSRFToken": token ? token.value : "" }
      }).then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      }).then(function (data) {
        if (mine === sequence) show(data.results || []);
      }).catch(function () {
        if (mine === sequence) lastSent = "";  // ask again on the next change
      });
    }

    function soon(event) {
      if (!event.target.name || !watched.test(event.target.name)) return;
      clearTimeout(timer);
      timer = setTimeout(check, 600);
    }
    form.addEventListener("input", soon);
    form.addEventListener("change", soon);
    setTimeout(check, 0);  // a restored draft, or a form sent back with errors
  });

  // Record where the grid worker stands (only when they ask; needs https or localhost).
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-locate]");
    if (!button || !navigator.geolocation) return;
    event.preventDefault();
    var status = document.getElementById("locate-status");
    navigator.geolocation.getCurrentPosition(function (pos) {
      document.getElementById("id_latitude").value = pos.coords.latitude.toFixed(6);
      document.getElementById("id_longitude").value = pos.coords.longitude.toFixed(6);
      if (status) status.textContent = button.getAttribute("data-ok") + " " +
        pos.coords.latitude.toFixed(5) + ", " + pos.coords.longitude.toFixed(5);
      button.form.dispatchEvent(new Event("change"));
    }, function () {
      if (status) status.textContent = button.getAttribute("data-fail");
    }, { timeout: 15000 });
  });
})();
