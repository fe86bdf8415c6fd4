// Public share pages: ← and → move between a shared collection's images (links marked data-key-prev/next).
(function () {
  "use strict";
  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || event.shiftKey) return;
    if (event.target.closest && event.target.closest("input, textarea, select")) return;
    var link = document.querySelector(event.key === "ArrowLeft" ? "a[data-key-prev]" : event.key === "ArrowRight" ? "a[data-key-next]" : null);
    if (!link) return;
    event.preventDefault();
    link.click();
  });
})();
