// wardapp's own script (no inline script anywhere: strict CSP). Everything here is an
// enhancement: every page works without it.
(function () {
  "use strict";

  // Destructive actions ask first: <form data-confirm="Xóa …?">.
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute && event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  }, true);

  // One tap copies a token: <button data-copy="#id-of-a-readonly-input">. Without the Clipboard
  // API (plain http on an intranet) the text is selected for the phone's own copy menu.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-copy]");
    if (!button) return;
    var field = document.querySelector(button.getAttribute("data-copy"));
    if (!field) return;
    var done = function () {
      button.textContent = button.getAttribute("data-copied") || button.textContent;
    };
    field.focus();
    field.select();
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(done, function () {});
    } else if (document.execCommand && document.execCommand("copy")) {
      done();
    }
  });

  function messages(root) {
    return Array.prototype.filter.call(root.querySelectorAll(".field-error"), function (p) {
      return p.textContent.trim() !== "" && p.offsetParent !== null;
    });
  }

  function fieldOf(message) {
    var field = message.closest(".field") || message.parentElement;
    return field && field.querySelector("input:not([type=hidden]), select, textarea");
  }

  function goTo(message) {
    var input = fieldOf(message) || message;
    input.scrollIntoView({ block: "center" });
    if (input.focus) input.focus({ preventScroll: true });
  }

  // After a failed submit: a summary at the top listing each problem (a link to its field), and
  // the first field with a problem focused and in view.
  function summarise() {
    var main = document.getElementById("content");
    if (!main || !main.hasAttribute("data-failed-submit")) return;
    var found = messages(main);
    if (!found.length || main.querySelector(".error-summary")) return;
    var box = document.createElement("div");
    box.className = "error-summary";
    box.setAttribute("role", "alert");
    var title = document.createElement("p");
    title.textContent = main.getAttribute("data-errors-title") || "";
    var list = document.createElement("ul");
    found.forEach(function (message) {
      var input = fieldOf(message);
      var label = input && input.id ? document.querySelector("label[for='" + input.id + "']") : null;
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = input && input.id ? "#" + input.id : "#";
      link.textContent = (label ? label.textContent.trim() + ": " : "") + message.textContent.trim();
      link.addEventListener("click", function (e) { e.preventDefault(); goTo(message); });
      item.appendChild(link);
      list.appendChild(item);
    });
    box.appendChild(title);
    box.appendChild(list);
    main.insertBefore(box, main.firstChild);
    goTo(found[0]);
  }
  document.addEventListener("DOMContentLoaded", summarise);

  // A form answered 422 by htmx: bring its first problem into view.
  document.addEventListener("htmx:afterSwap", function (event) {
    if (!event.detail.xhr || event.detail.xhr.status !== 422) return;
    var found = messages(event.detail.target.isConnected ? event.detail.target : document);
    if (found.length) goTo(found[0]);
  });

  // "Còn 3 chỗ cần sửa": each press goes to the next problem after the one in focus.
  var lastVisited = null;
  document.addEventListener("click", function (event) {
    var jump = event.target.closest && event.target.closest("[data-next-problem]");
    if (!jump) return;
    event.preventDefault();
    var form = document.getElementById(jump.getAttribute("data-next-problem")) || document;
    var found = messages(form);
    if (!found.length) return;
    // Pressing the counter moves the focus onto it: go on from the problem visited last.
    var current = document.activeElement;
    if (!current || current === document.body || jump.contains(current)) current = lastVisited;
    var next = found.find(function (m) {
      var input = fieldOf(m);
      return input && current && current !== document.body &&
        (current.compareDocumentPosition(input) & Node.DOCUMENT_POSITION_FOLLOWING);
    }) || found[0];
    lastVisited = fieldOf(next);
    goTo(next);
  });
  // ---- Nothing typed is lost -------------------------------------------------------------------
  // A form marked data-keep="name" keeps what is typed in this browser's localStorage, under the
  // signed-in user's id, the page and the form: if the session ends, the token expires or the
  // network drops, the next visit of the page (signing in again leads back to it) fills the form
  // in again. The copy is forgotten once the server says the form was saved (data-kept-saved).
  // Another user of the same machine has another id: never shown someone else's typing.
  var KEPT = "wardapp:kept:";
  var KEPT_DAYS = 7;
  var main = document.getElementById("content");

  function keptUser() {
    return (main && main.getAttribute("data-user")) || "";
  }

  function storage() {
    try { return window.localStorage; } catch (e) { return null; }
  }

  function keptName(form) {
    return location.pathname + "|" + form.getAttribute("data-keep");
  }

  function keptKey(name) {
    return KEPT + keptUser() + ":" + name;
  }

  function typedFields(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && !el.disabled && !el.readOnly && el.name !== "csrf_token" &&
        ["hidden", "file", "password", "submit", "button", "reset"].indexOf(el.type) < 0;
    });
  }

  function snapshot(form) {
    var fields = {}, checked = {};
    typedFields(form).forEach(function (el) {
      if (el.type === "checkbox" || el.type === "radio") {
        checked[el.name] = checked[el.name] || [];
        if (el.checked) checked[el.name].push(el.value);
      } else {
        (fields[el.name] = fields[el.name] || []).push(el.value);
      }
    });
    return { fields: fields, checked: checked };
  }

  function sameValues(a, b) {
    return JSON.stringify(a.fields) === JSON.stringify(b.fields) &&
      JSON.stringify(a.checked) === JSON.stringify(b.checked);
  }

  function keep(form, submitted) {
    var store = storage();
    if (!store || !keptUser()) return;
    var copy = snapshot(form);
    var before = store.getItem(keptKey(keptName(form)));
    copy.at = Date.now();
    copy.path = location.pathname;
    copy.title = document.title;
    copy.submitted = submitted || Boolean(before && JSON.parse(before).submitted);
    try { store.setItem(keptKey(keptName(form)), JSON.stringify(copy)); } catch (e) { /* full */ }
  }

  function forget(name) {
    var store = storage();
    if (store) store.removeItem(keptKey(name));
  }

  function readKept(key) {
    var store = storage();
    try {
      var copy = store && JSON.parse(store.getItem(key) || "null");
      if (copy && Date.now() - copy.at > KEPT_DAYS * 86400000) { store.removeItem(key); return null; }
      return copy;
    } catch (e) { return null; }
  }

  function fillIn(form, copy) {
    var seen = {};
    var first = null;
    typedFields(form).forEach(function (el) {
      if (el.type === "checkbox" || el.type === "radio") {
        if (copy.checked[el.name]) el.checked = copy.checked[el.name].indexOf(el.value) >= 0;
        return;
      }
      var values = copy.fields[el.name];
      if (!values) return;
      var i = seen[el.name] = (seen[el.name] || 0);
      seen[el.name] = i + 1;
      if (i < values.length && el.value !== values[i]) {
        el.value = values[i];
        first = first || el;
      }
    });
    // The figures form checks itself live: let it judge the values filled in again.
    if (first) first.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function notice(text, role) {
    var box = document.createElement("div");
    box.className = "flash flash-warning kept-notice";
    box.setAttribute("role", role || "status");
    var p = document.createElement("p");
    p.textContent = text;
    box.appendChild(p);
    return box;
  }

  function restore(form) {
    var copy = readKept(keptKey(keptName(form)));
    if (!copy || sameValues(copy, snapshot(form))) return;
    fillIn(form, copy);
    var box = notice(main.getAttribute("data-kept-restored") || "");
    var discard = document.createElement("button");
    discard.type = "button";
    discard.className = "link";
    discard.textContent = main.getAttribute("data-kept-discard") || "";
    discard.addEventListener("click", function () {
      forget(keptName(form));
      location.reload();
    });
    box.appendChild(discard);
    form.parentNode.insertBefore(box, form);
  }

  // Typing sent but never saved, on another page: a link back to it.
  function keptElsewhere() {
    var store = storage();
    if (!store || !keptUser()) return;
    var prefix = keptKey("");
    var links = [];
    for (var i = 0; i < store.length; i++) {
      var key = store.key(i);
      if (key.indexOf(prefix) !== 0) continue;
      var copy = readKept(key);
      if (copy && copy.submitted && copy.path !== location.pathname) links.push(copy);
    }
    if (!links.length) return;
    var box = notice(main.getAttribute("data-kept-elsewhere") || "");
    box.classList.add("kept-elsewhere");
    links.forEach(function (copy) {
      var a = document.createElement("a");
      a.href = copy.path;
      a.textContent = copy.title;
      var line = document.createElement("p");
      line.appendChild(a);
      box.appendChild(line);
    });
    main.insertBefore(box, main.firstChild);
  }

  function keepForms() {
    if (!main || !keptUser()) return;
    (main.getAttribute("data-kept-saved") || "").split(" ").forEach(function (name) {
      if (name) forget(name);
    });
    Array.prototype.forEach.call(document.querySelectorAll("form[data-keep]"), restore);
    keptElsewhere();
  }
  document.addEventListener("DOMContentLoaded", keepForms);

  function keptForm(target) {
    return target && target.closest ? target.closest("form[data-keep]") : null;
  }

  document.addEventListener("input", function (event) {
    var form = keptForm(event.target);
    if (form) keep(form, false);
  });
  document.addEventListener("change", function (event) {
    var form = keptForm(event.target);
    if (form) keep(form, false);
  });
  document.addEventListener("submit", function (event) {
    var form = event.target.matches && event.target.matches("form[data-keep]") ? event.target : null;
    if (!form || event.defaultPrevented) return;
    keep(form, true);
    var mark = form.querySelector("input[name=_kept]");
    if (!mark) {
      mark = document.createElement("input");
      mark.type = "hidden";
      mark.name = "_kept";
      form.appendChild(mark);
    }
    mark.value = keptName(form);
  });
  // A kept form sent by htmx: saved when the answer is a success that is not the login page.
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = keptForm(event.detail.elt);
    var xhr = event.detail.xhr;
    if (!form || !event.detail.successful || !xhr || (event.detail.requestConfig || {}).verb === "get") return;
    if ((xhr.responseURL || "").indexOf(main.getAttribute("data-sign-in-url")) < 0) forget(keptName(form));
  });

  // The session ended (another tab signed out, or it expired): htmx gets 401. Say so where the
  // answer was awaited, e.g. the live check of the figures, rather than judging anything.
  document.addEventListener("htmx:afterRequest", function (event) {
    if (!event.detail.xhr || event.detail.xhr.status !== 401 || !main) return;
    var message = main.getAttribute("data-session-ended") || "";
    ["#problem-count", "#mobile-bar > span"].forEach(function (selector) {
      var status = document.querySelector(selector);
      if (!status) return;
      status.className = "status status-draft";
      status.textContent = message;
    });
    if (document.getElementById("session-ended")) return;
    var box = notice(message, "alert");
    box.id = "session-ended";
    var link = document.createElement("a");
    link.className = "button primary";
    link.href = main.getAttribute("data-sign-in-url") + "?next=" + encodeURIComponent(location.pathname);
    link.textContent = main.getAttribute("data-sign-in") || "";
    box.appendChild(link);
    main.insertBefore(box, main.firstChild);
  });
  // ---- Photos by the batch ---------------------------------------------------------------------
  // The photo form sends each chosen photo in its own request with its own progress bar; a photo
  // over the limit is refused here before anything is sent (the category and caption stay). Once
  // done, the section comes back from the server: the new photos first, the category moved on.
  function uploadRow(list, file) {
    var li = document.createElement("li");
    var name = document.createElement("span");
    name.className = "upload-name";
    name.textContent = file.name;
    var bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    bar.setAttribute("aria-label", file.name);
    var status = document.createElement("span");
    status.className = "upload-status";
    li.appendChild(name);
    li.appendChild(bar);
    li.appendChild(status);
    list.appendChild(li);
    return { file: file, li: li, bar: bar, status: status };
  }

  function refuse(row, message) {
    row.li.classList.add("refused");
    row.bar.hidden = true;
    row.status.textContent = message;
  }

  function fragment(html) {
    var template = document.createElement("template");
    template.innerHTML = html;
    return template.content;
  }

  function sendPhoto(form, row, fields, done) {
    var data = new FormData();
    fields.forEach(function (pair) { data.append(pair[0], pair[1]); });
    data.append("photo", row.file, row.file.name);
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("HX-Request", "true");
    xhr.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) row.bar.value = Math.round((e.loaded / e.total) * 100);
    });
    xhr.addEventListener("load", function () { done(xhr); });
    xhr.addEventListener("error", function () { done(null); });
    xhr.send(data);
  }

  function uploadBatch(event) {
    var form = event.target;
    if (!form || form.id !== "upload-form" || !window.FormData || !window.XMLHttpRequest) return;
    var input = form.querySelector("input[type=file]");
    var files = Array.prototype.slice.call(input.files || []);
    if (!files.length) return; // the server says a photo is missing, next to the field
    event.preventDefault();
    var max = parseInt(input.getAttribute("data-max-bytes"), 10) || Infinity;
    var list = form.querySelector(".upload-list");
    var error = form.querySelector("#err-photo");
    var button = form.querySelector("button");
    list.textContent = "";
    error.textContent = "";
    var fields = [];
    Array.prototype.forEach.call(form.elements, function (el) {
      if (el.name && el.type !== "file" && el.name !== "photo") fields.push([el.name, el.value]);
    });
    var rows = files.map(function (file) { return uploadRow(list, file); });
    var refused = [];
    rows.forEach(function (row) {
      if (row.file.size <= max) return;
      var size = (row.file.size / 1e6).toFixed(1).replace(".", ",");
      refuse(row, form.getAttribute("data-too-large").replace("{size}", size));
      refused.push(row);
    });
    var queue = rows.filter(function (row) { return refused.indexOf(row) < 0; });
    if (!queue.length) {
      error.textContent = refused[0].status.textContent;
      return;
    }
    var added = 0, lastAnswer = null;
    button.disabled = true;
    function next() {
      var row = queue.shift();
      if (!row) return finish();
      row.status.textContent = form.getAttribute("data-waiting") || "";
      sendPhoto(form, row, fields, function (xhr) {
        if (xhr && xhr.status === 200) {
          added += 1;
          lastAnswer = xhr.responseText;
          row.bar.value = 100;
          row.status.textContent = form.getAttribute("data-sent") || "";
        } else if (xhr && xhr.status === 401) {
          refuse(row, main.getAttribute("data-session-ended") || "");
          refused.push(row);
          queue.forEach(function (r) { refuse(r, main.getAttribute("data-session-ended") || ""); refused.push(r); });
          queue = [];
        } else {
          var answer = xhr && xhr.status === 422 && fragment(xhr.responseText).querySelector("#err-photo");
          refuse(row, (answer && answer.textContent.trim()) || form.getAttribute("data-failed") || "");
          refused.push(row);
        }
        next();
      });
    }
    function finish() {
      button.disabled = false;
      if (!added) {
        error.textContent = refused.length ? refused[0].status.textContent : "";
        return;
      }
      var section = document.getElementById("photos-section");
      var fresh = fragment(lastAnswer).querySelector("#photos-section");
      if (!section || !fresh) return;
      var words = form.getAttribute("data-added") || "";
      section.replaceWith(fresh);
      if (window.htmx) window.htmx.process(fresh);
      var confirmation = fresh.querySelector("#photos-added");
      if (confirmation) confirmation.textContent = words.replace("{n}", added);
      // Each photo's outcome stays listed: those not added with their reason, to be chosen again.
      var freshList = fresh.querySelector(".upload-list");
      rows.forEach(function (row) { if (freshList) freshList.appendChild(row.li); });
    }
    next();
  }
  document.addEventListener("submit", uploadBatch);
})();
