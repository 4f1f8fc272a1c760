// wardapp's own script (no inline script anywhere: strict CSP). Everything here is an
// enhancement: every page works without it.
(function () {
  "use strict";

  // Progress of photo uploads (htmx reports it; we show it).
  document.addEventListener("htmx:xhr:progress", function (event) {
    var bar = event.target.querySelector && event.target.querySelector("progress.upload-progress");
    if (!bar || !event.detail.lengthComputable) return;
    bar.hidden = false;
    bar.value = Math.round((event.detail.loaded / event.detail.total) * 100);
  });

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
})();
