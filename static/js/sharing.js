// Share links (members' pages). Behaviours htmx doesn't cover; each one looks for its data-* hook.
(function () {
  "use strict";

  // <form data-confirm="Question?">: ask before submitting (used by Revoke, which can't be undone).
  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-confirm]");
    if (form && !window.confirm(form.getAttribute("data-confirm"))) event.preventDefault();
  });

  // <input data-select-on-focus>: one click selects the whole share link, ready to copy by hand.
  document.addEventListener("focusin", function (event) {
    if (event.target.matches && event.target.matches("input[data-select-on-focus]")) event.target.select();
  });
})();
