// The gallery's keyboard shortcuts and confirmations (htmx does the rest). Pages opt in with data-* hooks:
// a[data-key-prev] ←, a[data-key-next] →, a[data-key-back] Esc, button[data-key-favourite] f,
// form[data-confirm] asks before submitting.
(function () {
  "use strict";

  var KEYS = {
    ArrowLeft: "[data-key-prev]",
    ArrowRight: "[data-key-next]",
    Escape: "[data-key-back]",
    f: "[data-key-favourite]",
  };

  function isTyping(target) {
    if (!target || !target.closest) return false;
    return Boolean(target.isContentEditable || target.closest("input, textarea, select, [contenteditable]"));
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || event.shiftKey) return;
    if (isTyping(event.target)) return;
    var selector = KEYS[event.key];
    if (!selector) return;
    var control = document.querySelector(selector);
    if (!control) return;
    event.preventDefault();
    control.click();
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
  });
})();
