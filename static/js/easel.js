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

  // Ctrl/Cmd+Enter submits the form the focused field belongs to (forms opt in with data-submit-shortcut).
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) return;
    var form = event.target.closest && event.target.closest("form[data-submit-shortcut]");
    if (!form) return;
    event.preventDefault();
    form.requestSubmit();
  });
})();
