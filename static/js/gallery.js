// The gallery's keyboard shortcuts and confirmations (htmx does the rest). Pages opt in with data-* hooks:
// a[data-key-prev] ←, a[data-key-next] →, a[data-key-back] Esc, button[data-key-favourite] f,
// form[data-confirm] asks before submitting; form[data-selection] counts and acts on the grid's checkboxes;
// the grid remembers where the member was when they open an image, and Back or Esc returns there;
// a[data-lightbox] opens the picture in a <dialog> that fits the window.
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
    var open = document.querySelector("dialog.lightbox[open]");
    if (open && event.key === "Escape") return;  // the dialog closes itself; Esc must not also leave the page
    var selector = KEYS[event.key];
    if (!selector) return;
    var control = document.querySelector(selector);
    if (!control) return;
    event.preventDefault();
    if (open && control.href && (event.key === "ArrowLeft" || event.key === "ArrowRight")) {
      location.assign(control.href.split("#")[0] + "#view");  // the next image opens in the lightbox too
      return;
    }
    control.click();
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
  });

  // --- The selection: "N selected", Select all, Clear, actions disabled with nothing selected ---------
  function selectionForm() { return document.querySelector("form[data-selection]"); }
  function boxes(form) { return Array.from(form.elements).filter(function (el) { return el.type === "checkbox" && el.name === "image"; }); }

  function updateSelection() {
    var form = selectionForm();
    if (!form) return;
    var chosen = boxes(form).filter(function (box) { return box.checked; });
    var deletable = chosen.filter(function (box) { return box.hasAttribute("data-deletable"); });
    form.querySelector("[data-selection-count]").textContent = String(chosen.length);
    form.querySelectorAll("[data-needs-selection]").forEach(function (button) {
      var needs = button.getAttribute("data-needs-selection") === "deletable" ? deletable : chosen;
      button.disabled = needs.length === 0;
    });
  }

  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("input[type=checkbox][name=image][form]")) updateSelection();
  });
  document.addEventListener("click", function (event) {
    var form = selectionForm();
    if (!form || !event.target.closest) return;
    var all = event.target.closest("[data-select-all]"), none = event.target.closest("[data-select-none]");
    if (!all && !none) return;
    boxes(form).forEach(function (box) { box.checked = Boolean(all); });
    updateSelection();
  });
  // After an action done in place, the tiles it removed are gone; what stays selected is still counted.
  document.addEventListener("htmx:afterSettle", updateSelection);
  document.addEventListener("DOMContentLoaded", updateSelection);

  // --- Back to the same place in the grid ------------------------------------------------------------------
  // Opening an image from the grid keeps the grid as it was (the pages already loaded, the scroll, the
  // tile) in sessionStorage; Back (or Esc) on the image page returns to that URL and puts it back.
  var GRID_STATE = "easel-grid-state";
  function here() { return location.pathname + location.search; }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("#gallery-results .tile-image");
    var results = document.getElementById("gallery-results");
    if (!link || !results) return;
    try {
      sessionStorage.setItem(GRID_STATE, JSON.stringify({
        url: here(), html: results.innerHTML, scrollY: window.scrollY, tile: link.closest(".tile").id,
      }));
    } catch (error) { /* storage full or off: Back then opens the grid at its top, as before */ }
  });

  function restoreGrid() {
    var results = document.getElementById("gallery-results");
    var raw = sessionStorage.getItem(GRID_STATE);
    if (!results || !raw || sessionStorage.getItem(GRID_STATE + "-return") !== here()) return;
    sessionStorage.removeItem(GRID_STATE + "-return");
    var state = JSON.parse(raw);
    if (state.url !== here()) return;
    results.innerHTML = state.html;
    if (window.htmx) window.htmx.process(results);
    window.scrollTo(0, state.scrollY);
    var tile = document.getElementById(state.tile);
    var link = tile && tile.querySelector(".tile-image");
    if (link) link.focus({preventScroll: true});
  }
  document.addEventListener("DOMContentLoaded", restoreGrid);

  document.addEventListener("click", function (event) {
    var back = event.target.closest && event.target.closest("a[data-key-back]");
    if (!back) return;
    var target = new URL(back.href, location.href);
    sessionStorage.setItem(GRID_STATE + "-return", target.pathname + target.search);
  });

  // --- The lightbox: the picture fitted to the window; a second click shows it at 100% -------------------
  document.addEventListener("click", function (event) {
    var opener = event.target.closest && event.target.closest("a[data-lightbox]");
    if (opener) {
      var dialog = document.getElementById(opener.getAttribute("data-lightbox"));
      if (!dialog) return;
      event.preventDefault();
      dialog.classList.remove("actual-size");
      dialog.showModal();
      return;
    }
    var picture = event.target.closest && event.target.closest("dialog.lightbox img");
    if (picture) picture.closest("dialog").classList.toggle("actual-size");
    var closer = event.target.closest && event.target.closest("dialog.lightbox [data-close]");
    if (closer) closer.closest("dialog").close();
  });
  document.addEventListener("DOMContentLoaded", function () {
    var opener = location.hash === "#view" && document.querySelector("a[data-lightbox]");
    if (opener) opener.click();
  });
})();
