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

  // The filing form keeps a draft on the tablet until the case is filed, so a dropped
  // connection or a closed tab loses nothing. The draft keeps the form's idempotency key:
  // sending it again after a drop returns the case already filed instead of a second one.
  document.addEventListener("DOMContentLoaded", function () {
    var done = document.querySelector("[data-draft-done]");
    if (done) {
      try { localStorage.removeItem(done.getAttribute("data-draft-done")); } catch (e) { /* private mode */ }
    }
    var form = document.querySelector("form[data-draft]");
    if (!form) return;
    var key = form.getAttribute("data-draft");
    var notice = document.getElementById("draft-notice");

    function save() {
      var data = {};
      Array.prototype.forEach.call(form.elements, function (el) {
        if (!el.name || el.name === "csrfmiddlewaretoken" || el.type === "submit") return;
        if ((el.type === "radio" || el.type === "checkbox") && !el.checked) return;
        data[el.name] = el.value;
      });
      try { localStorage.setItem(key, JSON.stringify(data)); } catch (e) { /* full or private */ }
    }

    function restore(data) {
      var total = parseInt(data["parties-TOTAL_FORMS"] || "0", 10);
      var addButton = form.querySelector("[data-add-row='parties']");
      var current = form.querySelector("input[name='parties-TOTAL_FORMS']");
      while (addButton && current && parseInt(current.value, 10) < total) addButton.click();
      Object.keys(data).forEach(function (name) {
        var fields = form.querySelectorAll("[name='" + name + "']");
        fields.forEach(function (el) {
          if (el.type === "radio" || el.type === "checkbox") el.checked = el.value === data[name];
          else el.value = data[name];
        });
      });
    }

    var hasErrors = form.querySelector(".errorlist");
    var saved = null;
    try { saved = JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { saved = null; }
    if (saved && !hasErrors && notice) {
      restore(saved);
      notice.hidden = false;
      var discard = notice.querySelector("[data-discard]");
      if (discard) discard.addEventListener("click", function () {
        try { localStorage.removeItem(key); } catch (e) { /* ignore */ }
        location.reload();
      });
    }
    form.addEventListener("input", save);
    form.addEventListener("change", save);
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
