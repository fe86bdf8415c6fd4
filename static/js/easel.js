// Easel's small behaviours that htmx doesn't cover. Each one looks for its data-* hook; pages opt in.
(function () {
  "use strict";

  // Copy buttons: <button data-copy-target="#id">Copy</button> copies the target's value or text.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy-target]");
    if (!button) return;
    var target = document.querySelector(button.getAttribute("data-copy-target"));
    if (!target) return;
    var text = "value" in target ? target.value : target.textContent;
    var done = function () {
      var label = button.textContent;
      button.textContent = "Copied";
      setTimeout(function () { button.textContent = label; }, 1500);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done);
    } else {
      if (target.select) target.select();
      document.execCommand("copy");
      done();
    }
  });

  // Choices that re-render themselves (data-drop-stale on the element whose hx-trigger="change" asks, with
  // hx-sync="this:queue last"): an answer to values the member has changed since it was asked for is
  // dropped, since swapping it would undo the change, and the request htmx queued for that change brings the
  // current values. Aborting the older request instead (hx-sync "replace") would log an error.
  function changeCount(elt) { return elt.__easelChanges || 0; }
  document.addEventListener("change", function (event) {
    // Capturing: counted before htmx, listening on the element, sends the request this change makes.
    var elt = event.target.closest && event.target.closest("[data-drop-stale]");
    if (elt) elt.__easelChanges = changeCount(elt) + 1;
  }, true);
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    if (elt.hasAttribute("data-drop-stale")) elt.__easelAsked = changeCount(elt);
  });
  document.addEventListener("htmx:beforeSwap", function (event) {
    var elt = event.detail.elt;
    if (elt.hasAttribute("data-drop-stale") && elt.__easelAsked !== changeCount(elt)) event.detail.shouldSwap = false;
  });

  // Ctrl/Cmd+Enter submits the form the focused field belongs to (forms opt in with data-submit-shortcut).
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) return;
    var form = event.target.closest && event.target.closest("form[data-submit-shortcut]");
    if (!form) return;
    event.preventDefault();
    form.requestSubmit();
  });
})();
