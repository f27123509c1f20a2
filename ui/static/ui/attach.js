/* The case page's attachment form: photos are shrunk on the tablet (FqPhotos.shrink) before they
 * are sent. Without this script, or without fetch, the form posts the file as it is. */
(function () {
  "use strict";

  function say(form, text) {
    var status = form.querySelector("[data-upload-status]");
    if (!status) return;
    status.textContent = text;
    status.hidden = !text;
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute("data-shrink-photos") || !window.fetch || !window.FormData || !window.FqPhotos) return;
    var input = form.querySelector("input[type=file]");
    var file = input && input.files && input.files[0];
    if (!file) return;  // let the server say the field is required
    event.preventDefault();
    var buttons = form.querySelectorAll("button[type=submit]");
    buttons.forEach(function (b) { b.disabled = true; });
    say(form, form.getAttribute("data-sending") || "…");
    window.FqPhotos.shrink(file).then(function (small) {
      var data = new FormData(form);
      data.set(input.name, small, small.name);
      return fetch(form.action, { method: "POST", body: data, credentials: "same-origin" });
    }).then(function (response) {
      if (response.ok && response.redirected) {
        window.location.assign(response.url);
        return null;
      }
      return response.text().then(function (html) {
        // The page the server answered with (field errors, a refusal): show it as it came.
        var doc = new DOMParser().parseFromString(html, "text/html");
        var errors = Array.prototype.map.call(
          doc.querySelectorAll("#attachments .errorlist li, .messages .msg-error, .msg.msg-error"),
          function (el) { return el.textContent.trim(); });
        say(form, errors.filter(Boolean).join(" ") || String(response.status));
        buttons.forEach(function (b) { b.disabled = false; });
      });
    }).catch(function () {
      say(form, form.getAttribute("data-offline") || "!");
      buttons.forEach(function (b) { b.disabled = false; });
    });
  }, true);
})();
