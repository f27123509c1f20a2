/* Filing where the network drops: drafts kept on the tablet, and a queue sent when it returns.
 *
 * - Drafts live in IndexedDB ("fengqiao-offline"), several of them, each the grid worker's own
 *   (keyed by user), saved as they are typed. Each draft has its own Idempotency-Key, made when the
 *   draft is (crypto.randomUUID): it is the draft's id, and the key it is filed with.
 * - Photos are shrunk on the tablet (FqPhotos.shrink, photos.js) and kept as Blobs beside the draft,
 *   each with its own key for the attachments API.
 * - "File the case" queues the draft and sends the queue: POST /api/v1/cases/ with the draft's key
 *   (a retry returns the case the first attempt filed, never a second one), then each photo with
 *   its key (the same). The queue is sent again when the network returns (`online`), when the page
 *   loads, and every RETRY_MS while something waits.
 * - Once a case is filed its parties and description are deleted from the tablet, and each photo
 *   once it is uploaded: only the number, title, time and link stay, under "Sent".
 * Without IndexedDB or fetch this does nothing, and the form posts to the server as it always did.
 */
(function () {
  "use strict";

  var form = document.querySelector("form[data-offline]");
  var configElement = document.getElementById("offline-config");
  if (!form || !configElement || !window.indexedDB || !window.fetch || !window.Promise) return;
  var C = JSON.parse(configElement.textContent);
  var T = C.texts;
  var dupConfigElement = document.getElementById("duplicate-check");
  var GRIDS = dupConfigElement ? JSON.parse(dupConfigElement.textContent).grids : {};
  var DB_NAME = "fengqiao-offline";
  var SAVE_DELAY_MS = 400;
  var RETRY_MS = 30000;
  var CURRENT = "fengqiao-current-draft:" + C.user;
  var LEGACY = "fengqiao-draft:" + C.user;  // the one-slot draft of earlier versions (localStorage)
  // Typing not yet saved when the page goes away (IndexedDB is asynchronous, the unload is not):
  // kept synchronously in localStorage, and moved into its draft when the page is next opened.
  var PENDING = "fengqiao-pending-draft:" + C.user;

  var panel = document.getElementById("offline-panel");
  var errorsBox = document.getElementById("send-errors");
  var statusBox = document.getElementById("send-status");
  var notice = document.getElementById("draft-notice");
  var photosSection = document.getElementById("draft-photos");
  var photoInput = document.getElementById("draft-photo-input");
  var keyInput = form.elements.idempotency_key;
  var totalInput = form.querySelector("input[name='parties-TOTAL_FORMS']");
  var rows = document.getElementById("parties-rows");
  var INITIAL_ROWS = totalInput ? parseInt(totalInput.value, 10) : 0;
  var INITIAL_GRID = form.elements.grid ? form.elements.grid.value : "";

  var current = null;  // the id of the draft in the form
  var saveTimer = null;
  var sending = false;
  var signedOut = false;
  var thumbUrls = [];

  // ---- IndexedDB ----

  var dbPromise = null;
  function db() {
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        var request = indexedDB.open(DB_NAME, 1);
        request.onupgradeneeded = function () {
          var d = request.result;
          d.createObjectStore("drafts", { keyPath: "id" }).createIndex("user", "user");
          var photos = d.createObjectStore("photos", { keyPath: "id" });
          photos.createIndex("draft", "draft");
          photos.createIndex("user", "user");
        };
        request.onsuccess = function () { resolve(request.result); };
        request.onerror = function () { reject(request.error); };
      });
    }
    return dbPromise;
  }

  // Run `work(transaction, setResult)`; resolves with the result once the transaction commits.
  function run(stores, mode, work) {
    return db().then(function (d) {
      return new Promise(function (resolve, reject) {
        var t = d.transaction(stores, mode);
        var result;
        t.oncomplete = function () { resolve(result); };
        t.onerror = t.onabort = function () { reject(t.error); };
        work(t, function (value) { result = value; });
      });
    });
  }

  function getOne(store, key) {
    return run([store], "readonly", function (t, done) {
      var r = t.objectStore(store).get(key);
      r.onsuccess = function () { done(r.result); };
    });
  }

  function mine(store, index, key) {
    return run([store], "readonly", function (t, done) {
      var r = t.objectStore(store).index(index).getAll(key);
      r.onsuccess = function () { done(r.result); };
    });
  }

  function put(store, value) {
    return run([store], "readwrite", function (t) { t.objectStore(store).put(value); });
  }

  function removePhotos(t, draftId) {
    var r = t.objectStore("photos").index("draft").getAllKeys(draftId);
    r.onsuccess = function () {
      r.result.forEach(function (key) { t.objectStore("photos").delete(key); });
    };
  }

  function deleteDraft(id) {
    return run(["drafts", "photos"], "readwrite", function (t) {
      t.objectStore("drafts").delete(id);
      removePhotos(t, id);
    });
  }

  // A filed case: what identified parties and what they said leaves the tablet, photos included.
  function markFiled(id, state, extra) {
    return run(["drafts", "photos"], "readwrite", function (t) {
      var store = t.objectStore("drafts");
      var r = store.get(id);
      r.onsuccess = function () {
        var d = r.result;
        if (!d) return;
        var kept = { id: d.id, user: d.user, state: state, title: d.title, created: d.created, updated: Date.now(),
                     queued: d.queued, caseId: d.caseId, caseNumber: d.caseNumber, caseUrl: d.caseUrl,
                     photoErrors: d.photoErrors || [] };
        Object.keys(extra || {}).forEach(function (k) { kept[k] = extra[k]; });
        store.put(kept);
      };
      if (state === "sent") removePhotos(t, id);
    });
  }

  // ---- small helpers ----

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function when(ms) {
    var d = new Date(ms);
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + " " +
      pad(d.getHours()) + ":" + pad(d.getMinutes());
  }
  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (all, name) { return name in values ? values[name] : all; });
  }

  function csrfToken() {
    var match = document.cookie.match(new RegExp("(?:^|;\\s*)" + C.csrf_cookie + "=([^;]+)"));
    if (match) return decodeURIComponent(match[1]);
    var field = form.elements.csrfmiddlewaretoken;
    return field ? field.value : "";
  }

  function element(tag, className, text) {
    var el = document.createElement(tag);
    if (className) el.className = className;
    if (text !== undefined) el.textContent = text;
    return el;
  }

  function showStatus(text) {
    statusBox.textContent = text || "";
    statusBox.hidden = !text;
  }

  // ---- the form and a draft's fields ----

  function readFields() {
    var data = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name === "csrfmiddlewaretoken" || el.name === "idempotency_key") return;
      if (el.type === "submit" || el.type === "button" || el.type === "file") return;
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) return;
      data[el.name] = el.value;
    });
    return data;
  }

  function hasContent(fields) {
    return Object.keys(fields).some(function (name) {
      return /^(title|description|address|parties-\d+-(name|id_number|phone))$/.test(name) && fields[name].trim();
    });
  }

  function clearErrors() {
    form.querySelectorAll(".js-error").forEach(function (el) { el.remove(); });
    form.querySelectorAll(".field.has-error").forEach(function (el) { el.classList.remove("has-error"); });
    errorsBox.hidden = true;
    errorsBox.textContent = "";
  }

  function resetForm() {
    clearErrors();
    form.reset();
    if (rows && totalInput) {
      while (rows.children.length > INITIAL_ROWS) rows.lastElementChild.remove();
      totalInput.value = String(INITIAL_ROWS);
    }
    ["latitude", "longitude"].forEach(function (name) { if (form.elements[name]) form.elements[name].value = ""; });
    if (form.elements.grid) form.elements.grid.value = INITIAL_GRID;
    var locate = document.getElementById("locate-status");
    if (locate) locate.textContent = "";
  }

  function fillForm(fields) {
    resetForm();
    var total = parseInt(fields["parties-TOTAL_FORMS"] || "0", 10);
    var add = form.querySelector("[data-add-row='parties']");
    while (add && totalInput && parseInt(totalInput.value, 10) < total) add.click();
    Object.keys(fields).forEach(function (name) {
      form.querySelectorAll("[name='" + name + "']").forEach(function (el) {
        if (el.type === "radio" || el.type === "checkbox") el.checked = el.value === fields[name];
        else el.value = fields[name];
      });
    });
    if (document.activeElement && form.contains(document.activeElement)) document.activeElement.blur();
    if (form.elements.title) form.elements.title.dispatchEvent(new Event("input", { bubbles: true }));  // duplicates
  }

  function showErrors(errors) {
    clearErrors();
    var summary = [];
    function onField(id, messages) {
      var input = document.getElementById(id);
      var box = input && input.closest(".field");
      if (box) {
        box.classList.add("has-error");
        var list = element("ul", "errorlist js-error");
        messages.forEach(function (m) { list.appendChild(element("li", "", m)); });
        box.appendChild(list);
      }
      var label = box && box.querySelector("label, legend");
      messages.forEach(function (m) { summary.push((label ? label.textContent.replace("*", "").trim() + "：" : "") + m); });
    }
    Object.keys(errors || {}).forEach(function (name) {
      var value = errors[name];
      // A party's errors come by its row: [{…}, {…}] or {"0": {…}}; a list of words is about them all.
      var rowsOf = name === "parties" && value && typeof value === "object" &&
        (!Array.isArray(value) || value.some(function (v) { return v && typeof v === "object"; }));
      if (rowsOf) {
        Object.keys(value).forEach(function (i) {
          var party = value[i];
          if (party && typeof party === "object" && !Array.isArray(party)) {
            Object.keys(party).forEach(function (field) { onField("id_parties-" + i + "-" + field, [].concat(party[field])); });
          } else if (party) {
            summary.push(String(party));
          }
        });
      } else if (Array.isArray(value)) {
        onField("id_" + name, value.map(String));
      } else if (value) {
        summary.push(String(value));
      }
    });
    errorsBox.textContent = "";
    errorsBox.appendChild(element("p", "", T.rejected));
    if (summary.length) {
      var list = element("ul");
      summary.forEach(function (line) { list.appendChild(element("li", "", line)); });
      errorsBox.appendChild(list);
    }
    errorsBox.hidden = false;
  }

  // The API's body from a draft's fields (the form's names); empty optional fields are left out.
  function apiBody(fields) {
    var body = { title: fields.title || "", description: fields.description || "",
                 risk_level: fields.risk_level || "normal", source: fields.source || "grid_patrol",
                 address: fields.address || "", parties: [] };
    if (fields.dispute_type) body.dispute_type = fields.dispute_type;  // left out: "required", not "not a choice"
    if (fields.grid && GRIDS[fields.grid]) body.grid = GRIDS[fields.grid];
    ["occurred_at", "people_involved", "amount_involved", "latitude", "longitude"].forEach(function (name) {
      if (fields[name] && fields[name].trim()) body[name] = fields[name].trim();
    });
    var total = parseInt(fields["parties-TOTAL_FORMS"] || "0", 10);
    for (var i = 0; i < total; i++) {
      var p = function (field) { return (fields["parties-" + i + "-" + field] || "").trim(); };
      if (p("name") || p("id_number") || p("phone")) {
        body.parties.push({ role: p("role"), name: p("name"), id_number: p("id_number"), phone: p("phone") });
      }
    }
    return body;
  }

  // ---- saving as it is typed ----

  function saveNow() {
    clearTimeout(saveTimer);
    saveTimer = null;
    var id = current;
    var fields = readFields();
    return getOne("drafts", id).then(function (existing) {
      if (existing && existing.state !== "draft") return null;
      if (!existing && !hasContent(fields)) return null;
      var now = Date.now();
      var draft = existing || { id: id, user: C.user, state: "draft", created: now };
      draft.fields = fields;
      draft.title = (fields.title || "").trim();
      draft.updated = now;
      return put("drafts", draft).then(function () {
        try { sessionStorage.setItem(CURRENT, id); } catch (e) { /* private mode */ }
        return draft;
      });
    });
  }

  function saveSoon() {
    clearTimeout(saveTimer);
    saveTimer = setTimeout(function () { saveNow().then(render); }, SAVE_DELAY_MS);
  }

  function useDraft(id) {
    current = id;
    if (keyInput) keyInput.value = id;  // a form posted without this script still files once
    try { sessionStorage.setItem(CURRENT, id); } catch (e) { /* private mode */ }
  }

  function newDraft() {
    resetForm();
    useDraft(uuid());
    notice.hidden = true;
    return render();
  }

  function openDraft(id) {
    var save = saveTimer ? saveNow() : Promise.resolve();
    return save.then(function () { return getOne("drafts", id); }).then(function (draft) {
      if (!draft || draft.state !== "draft") return;
      fillForm(draft.fields || {});
      useDraft(draft.id);
      if (draft.errors) showErrors(draft.errors);
      return render();
    });
  }

  // ---- photos ----

  function addPhotos(files) {
    var list = Array.prototype.slice.call(files || []);
    if (!list.length) return Promise.resolve();
    var shrink = window.FqPhotos ? window.FqPhotos.shrink : function (f) { return Promise.resolve(f); };
    var draftId = current;
    // The draft must exist for its photos to be listed with it, typed text or not.
    return getOne("drafts", draftId).then(function (existing) {
      if (existing) return saveNow();
      var now = Date.now();
      var fields = readFields();
      return put("drafts", { id: draftId, user: C.user, state: "draft", created: now, updated: now, fields: fields,
                             title: (fields.title || "").trim() }).then(function () { useDraft(draftId); });
    }).then(function () {
      return list.reduce(function (chain, file) {
        return chain.then(function () { return shrink(file); }).then(function (small) {
          return put("photos", { id: uuid(), draft: draftId, user: C.user, name: small.name || file.name,
                                 type: small.type || file.type, size: small.size, originalSize: file.size,
                                 blob: small, added: Date.now() });
        });
      }, Promise.resolve());
    }).then(render);
  }

  function renderPhotos(photos) {
    var list = photosSection.querySelector("[data-photos]");
    thumbUrls.forEach(function (url) { URL.revokeObjectURL(url); });
    thumbUrls = [];
    list.textContent = "";
    photos.filter(function (p) { return p.draft === current; }).forEach(function (photo, i) {
      var item = element("li", "photo-thumb");
      var img = element("img");
      var url = URL.createObjectURL(photo.blob);
      thumbUrls.push(url);
      img.src = url;
      img.alt = fill(T.photo_alt, { n: i + 1 });
      item.appendChild(img);
      var remove = element("button", "secondary", T.remove_photo);
      remove.type = "button";
      remove.addEventListener("click", function () {
        run(["photos"], "readwrite", function (t) { t.objectStore("photos").delete(photo.id); }).then(render);
      });
      item.appendChild(remove);
      list.appendChild(item);
    });
  }

  // ---- the lists: drafts, waiting, sent ----

  function button(text, className, onClick) {
    var b = element("button", className, text);
    b.type = "button";
    b.addEventListener("click", onClick);
    return b;
  }

  function render() {
    return Promise.all([mine("drafts", "user", C.user), mine("photos", "user", C.user)]).then(function (found) {
      var drafts = found[0], photos = found[1];
      var count = {};
      photos.forEach(function (p) { count[p.draft] = (count[p.draft] || 0) + 1; });
      var groups = { drafts: [], queued: [], sent: [] };
      drafts.forEach(function (d) { (groups[d.state === "draft" ? "drafts" : d.state] || groups.queued).push(d); });
      groups.drafts.sort(function (a, b) { return b.updated - a.updated; });
      groups.queued.sort(function (a, b) { return (a.queued || 0) - (b.queued || 0); });
      groups.sent.sort(function (a, b) { return (b.sentAt || 0) - (a.sentAt || 0); });

      fillList("drafts", groups.drafts, function (d, item) {
        var line = element("p", "offline-title", d.title || T.untitled);
        item.appendChild(line);
        var about = [when(d.updated)];
        if (count[d.id]) about.push(fill(T.photos, { n: count[d.id] }));
        if (d.errors) about.push(T.needs_fixing);
        if (d.id === current) about.push(T.editing);
        item.appendChild(element("p", "muted", about.join(" · ")));
        var actions = element("p", "offline-actions");
        if (d.id !== current) actions.appendChild(button(T.open, "secondary", function () { openDraft(d.id); }));
        actions.appendChild(button(T["delete"], "secondary", function () {
          if (!window.confirm(T.confirm_delete)) return;
          deleteDraft(d.id).then(function () { return d.id === current ? newDraft() : render(); });
        }));
        item.appendChild(actions);
        if (d.id === current) item.setAttribute("aria-current", "true");
      });
      fillList("queued", groups.queued, function (d, item) {
        item.appendChild(element("p", "offline-title", d.title || T.untitled));
        var state = d.caseNumber ? fill(T.photos_pending, { number: d.caseNumber })
          : signedOut ? T.sign_in : (sending ? T.sending : (d.message || T.waiting));
        var about = [when(d.queued || d.updated), state];
        if (count[d.id]) about.push(fill(T.photos, { n: count[d.id] }));
        item.appendChild(element("p", "muted", about.join(" · ")));
      });
      fillList("sent", groups.sent, function (d, item) {
        var line = element("p", "offline-title");
        var link = element("a");
        link.href = d.caseUrl;
        link.appendChild(element("span", "case-no", d.caseNumber));
        link.appendChild(document.createTextNode(" " + (d.title || "")));
        line.appendChild(link);
        item.appendChild(line);
        item.appendChild(element("p", "muted", when(d.sentAt || d.updated)));
        (d.photoErrors || []).forEach(function (text) { item.appendChild(element("p", "errorlist", text)); });
        var actions = element("p", "offline-actions");
        actions.appendChild(button(T.remove, "secondary", function () { deleteDraft(d.id).then(render); }));
        item.appendChild(actions);
      });
      renderPhotos(photos);
      if (!groups.queued.length && !statusBox.hidden) showStatus("");  // all sent: "waiting" no longer holds
      panel.setAttribute("data-ready", "");
      return groups;
    });
  }

  function fillList(name, items, draw) {
    var group = panel.querySelector("[data-group='" + name + "']");
    var list = group.querySelector("[data-list]");
    list.textContent = "";
    items.forEach(function (d) {
      var item = element("li");
      item.setAttribute("data-draft-id", d.id);
      draw(d, item);
      list.appendChild(item);
    });
    var empty = group.querySelector("[data-empty]");
    if (empty) empty.hidden = items.length > 0;
    else group.hidden = items.length === 0;
  }

  function showNetwork() {
    var el = panel.querySelector("[data-network]");
    el.textContent = navigator.onLine ? T.online : T.offline;
    el.classList.toggle("offline", !navigator.onLine);
  }

  // ---- sending the queue ----

  function answer(response) {
    return response.json().catch(function () { return {}; }).then(function (body) {
      return { status: response.status, body: body };
    });
  }

  function post(url, body, key, json) {
    var headers = { "Accept": "application/json", "X-CSRFToken": csrfToken(), "Idempotency-Key": key };
    if (json) headers["Content-Type"] = "application/json";
    return fetch(url, { method: "POST", credentials: "same-origin", headers: headers,
                        body: json ? JSON.stringify(body) : body }).then(answer);
  }

  // The session is gone (expired, or signed out in another tab): the queue waits for a sign-in.
  function signedOutReply(reply) {
    var code = reply.body && reply.body.code;
    return reply.status === 401 || (reply.status === 403 &&
      (code === "not_authenticated" || code === "authentication_failed" || /CSRF/.test(reply.body.detail || "")));
  }

  function firstMessage(body) {
    var values = Object.keys(body || {}).map(function (k) { return [].concat(body[k])[0]; });
    return String(values[0] || "");
  }

  // One queued draft: "sent", "rejected" (400: back to the drafts), "signed_out", "retry" or "offline".
  function sendOne(draftId) {
    return getOne("drafts", draftId).then(function (d) {
      if (!d || d.state !== "queued") return "gone";
      var filing = d.caseId ? Promise.resolve(null) : post(C.cases_url, apiBody(d.fields || {}), d.id, true);
      return filing.then(function (reply) {
        if (reply === null) return uploadPhotos(d);
        if (reply.status === 200 || reply.status === 201) {
          var filed = { caseId: reply.body.id, caseNumber: reply.body.number,
                        caseUrl: C.case_url.replace("/0/", "/" + reply.body.id + "/") };
          Object.keys(filed).forEach(function (k) { d[k] = filed[k]; });
          return markFiled(d.id, "queued", filed).then(function () { return uploadPhotos(d); });
        }
        if (signedOutReply(reply)) return "signed_out";
        if (reply.status === 400 || reply.status === 403) {  // 403 signed in: this role may not file
          d.state = "draft";
          d.errors = reply.status === 400 ? reply.body : { detail: reply.body.detail || "" };
          d.message = "";
          return put("drafts", d).then(function () { return "rejected"; });
        }
        d.message = T.retry;
        return put("drafts", d).then(function () { return "retry"; });
      });
    }).catch(function (error) {
      return error instanceof TypeError ? "offline" : Promise.reject(error);  // fetch: no network
    });
  }

  function uploadPhotos(d) {
    return mine("photos", "draft", d.id).then(function (photos) {
      photos.sort(function (a, b) { return a.added - b.added; });
      var url = C.attachments_url.replace("/0/", "/" + d.caseId + "/");
      var refused = [];
      return photos.reduce(function (chain, photo) {
        return chain.then(function (outcome) {
          if (outcome) return outcome;  // stopped: signed out, or retry later
          var data = new FormData();
          data.append("file", photo.blob, photo.name);
          return post(url, data, photo.id, false).then(function (reply) {
            if (reply.status === 200 || reply.status === 201) return dropPhoto(photo.id);
            if (reply.status === 400 || reply.status === 404) {  // never accepted, however often sent
              refused.push(fill(T.photo_refused, { name: photo.name, reason: firstMessage(reply.body) }));
              return dropPhoto(photo.id);
            }
            if (signedOutReply(reply)) return "signed_out";
            return "retry";
          });
        });
      }, Promise.resolve(null)).then(function (outcome) {
        var errors = (d.photoErrors || []).concat(refused);
        if (outcome) return markFiled(d.id, "queued", { photoErrors: errors }).then(function () { return outcome; });
        return markFiled(d.id, "sent", { sentAt: Date.now(), photoErrors: errors }).then(function () { return "sent"; });
      });
    });
  }

  function dropPhoto(id) {
    return run(["photos"], "readwrite", function (t) { t.objectStore("photos").delete(id); }).then(function () { return null; });
  }

  function showSignedOut() {
    errorsBox.textContent = "";
    var p = element("p", "", T.sign_in + " ");
    var link = element("a", "", T.sign_in_link);
    link.href = C.login_url;
    p.appendChild(link);
    errorsBox.appendChild(p);
    errorsBox.hidden = false;
  }

  // Send every queued draft of this user, oldest first; stop at the first sign of no network.
  function flush() {
    if (sending || !navigator.onLine) return Promise.resolve([]);
    sending = true;
    var outcomes = [];
    return mine("drafts", "user", C.user).then(function (drafts) {
      var queued = drafts.filter(function (d) { return d.state === "queued"; })
        .sort(function (a, b) { return (a.queued || 0) - (b.queued || 0); });
      if (!queued.length) return outcomes;
      render();
      return queued.reduce(function (chain, d) {
        return chain.then(function (stop) {
          if (stop) return stop;
          return sendOne(d.id).then(function (outcome) {
            outcomes.push({ id: d.id, outcome: outcome });
            return outcome === "offline" || outcome === "signed_out" ? outcome : null;
          });
        });
      }, Promise.resolve(null)).then(function () { return outcomes; });
    }).then(function (result) {
      sending = false;
      var wasSignedOut = signedOut;
      signedOut = result.some(function (r) { return r.outcome === "signed_out"; });
      if (signedOut) showSignedOut();
      else if (wasSignedOut) errorsBox.hidden = true;
      return render().then(function () { return result; });
    }, function (error) {
      sending = false;
      throw error;
    });
  }

  function submit(event) {
    event.preventDefault();
    if (sending) return;
    clearErrors();
    var id = current;
    saveNow().then(function () { return getOne("drafts", id); }).then(function (d) {
      if (!d) {  // nothing typed: let the server say what is missing
        var fields = readFields();
        d = { id: id, user: C.user, created: Date.now(), fields: fields, title: (fields.title || "").trim() };
      }
      d.state = "queued";
      d.queued = Date.now();
      d.errors = null;
      d.message = "";
      return put("drafts", d);
    }).then(function () {
      try { sessionStorage.removeItem(CURRENT); } catch (e) { /* private mode */ }
      return flush();
    }).then(function (outcomes) {
      var mineOutcome = outcomes.filter(function (o) { return o.id === id; })[0];
      var outcome = mineOutcome ? mineOutcome.outcome : "offline";
      if (outcome === "sent") {
        return getOne("drafts", id).then(function (d) { location.assign(d.caseUrl + "?filed=1"); });
      }
      if (outcome === "rejected") return openDraft(id);
      newDraft();
      showStatus(outcome === "signed_out" ? "" : T.queued);
      window.scrollTo(0, 0);
    });
  }

  // ---- start ----

  function keepPending() {
    if (!saveTimer) return;
    try {
      localStorage.setItem(PENDING, JSON.stringify({ id: current, fields: readFields(), at: Date.now() }));
    } catch (e) { /* full or private */ }
    saveNow().then(function () {
      try { localStorage.removeItem(PENDING); } catch (e) { /* ignore */ }
    });
  }

  function importPending() {
    var pending = null;
    try { pending = JSON.parse(localStorage.getItem(PENDING) || "null"); } catch (e) { pending = null; }
    if (!pending || !pending.id) return Promise.resolve(null);
    return getOne("drafts", pending.id).then(function (existing) {
      if (existing && (existing.state !== "draft" || existing.updated >= pending.at)) return null;
      if (!existing && !hasContent(pending.fields || {})) return null;
      var draft = existing || { id: pending.id, user: C.user, state: "draft", created: pending.at };
      draft.fields = pending.fields;
      draft.title = (pending.fields.title || "").trim();
      draft.updated = pending.at;
      return put("drafts", draft).then(function () { return draft.id; });
    }).then(function (id) {
      try { localStorage.removeItem(PENDING); } catch (e) { /* ignore */ }
      return id;
    });
  }

  function importLegacy() {
    var saved = null;
    try { saved = JSON.parse(localStorage.getItem(LEGACY) || "null"); } catch (e) { saved = null; }
    if (!saved) return Promise.resolve(null);
    var id = saved.idempotency_key || uuid();  // the key it may already have been sent with
    delete saved.idempotency_key;
    delete saved.csrfmiddlewaretoken;
    var now = Date.now();
    return put("drafts", { id: id, user: C.user, state: "draft", created: now, updated: now, fields: saved,
                           title: (saved.title || "").trim() }).then(function () {
      try { localStorage.removeItem(LEGACY); } catch (e) { /* ignore */ }
      return id;
    });
  }

  function start() {
    panel.hidden = false;
    photosSection.hidden = false;
    showNetwork();
    var remembered = null;
    try { remembered = sessionStorage.getItem(CURRENT); } catch (e) { remembered = null; }
    var returnedWithErrors = form.querySelector(".errorlist");
    Promise.all([importLegacy(), importPending()]).then(function (imported) {
      var reopen = imported[1] || imported[0] || remembered;
      if (returnedWithErrors || !reopen) {
        useDraft(returnedWithErrors && keyInput && keyInput.value ? keyInput.value : uuid());
        return render();
      }
      return getOne("drafts", reopen).then(function (d) {
        if (!d || d.state !== "draft") {
          useDraft(uuid());
          return render();
        }
        return openDraft(d.id).then(function () { notice.hidden = false; });
      });
    }).then(flush);

    form.addEventListener("input", function (event) { if (event.target !== photoInput) saveSoon(); });
    form.addEventListener("change", function (event) { if (event.target !== photoInput) saveSoon(); });
    form.addEventListener("submit", submit);
    photoInput.addEventListener("change", function () {
      addPhotos(photoInput.files).then(function () { photoInput.value = ""; });
    });
    panel.querySelector("[data-new-draft]").addEventListener("click", function () {
      (saveTimer ? saveNow() : Promise.resolve()).then(newDraft).then(function () {
        if (form.elements.title) form.elements.title.focus();
      });
    });
    notice.querySelector("[data-discard]").addEventListener("click", function () {
      deleteDraft(current).then(newDraft);
    });
    window.addEventListener("online", function () { showNetwork(); flush(); });
    window.addEventListener("offline", showNetwork);
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") keepPending();
      if (document.visibilityState === "visible") flush();
    });
    window.addEventListener("pagehide", keepPending);
    setInterval(function () { if (navigator.onLine) flush(); }, RETRY_MS);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
