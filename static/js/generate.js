// The Generate page's behaviours that htmx doesn't cover (CSP allows no inline script):
// - focus stays where the member acted: a submit button htmx disabled during the request, or a control
//   swapped for a new copy (the favourite star), gets the focus back instead of the top of the page;
// - a card that just arrived (data-arrived: a new generation, a retry) is scrolled into view if needed,
//   and takes the focus when the control the member used went away with the card it replaced;
// - reference files: thumbnails of the files chosen, each with a Remove button; cleared after a submit.
(function () {
  "use strict";

  // What had the focus when the member's last request left (the page's poll is not the member acting).
  var acted = null;

  function lostFocus() {
    var active = document.activeElement;
    return !active || active === document.body || !document.body.contains(active);
  }

  function sameControl(was) {
    // The control itself if it is still there, or the copy that replaced it: same id, or same request.
    if (document.body.contains(was)) return was;
    if (was.id && document.getElementById(was.id)) return document.getElementById(was.id);
    var request = ["hx-post", "hx-get"].map(function (name) { return was.getAttribute(name) && "[" + name + '="' + was.getAttribute(name) + '"]'; }).filter(Boolean)[0];
    return request ? document.querySelector(was.tagName.toLowerCase() + request) : null;
  }

  // A poll answered after a submit or a retry replaced the poll's element (their answers bring a new one)
  // is stale: skip it, the new element's next poll brings the cards up to date. Swapping it would look for
  // its out-of-band targets in the detached element and log each as missing; aborting it instead (hx-sync)
  // would log the abort as an error. The listener sits on the element itself: a detached element's events
  // no longer reach the document.
  function guardPoll(root) {
    var poll = root.id === "live-updates" ? root : root.querySelector && root.querySelector("#live-updates");
    if (!poll || poll.hasAttribute("data-guarded")) return;
    poll.setAttribute("data-guarded", "");
    poll.addEventListener("htmx:beforeSwap", function (event) {
      if (!document.body.contains(poll)) event.detail.shouldSwap = false;
    });
  }
  document.addEventListener("htmx:load", function (event) { guardPoll(event.target); });
  if (document.body) guardPoll(document.body);
  else document.addEventListener("DOMContentLoaded", function () { guardPoll(document.body); });

  document.addEventListener("htmx:beforeRequest", function (event) {
    if (event.detail.elt.id === "live-updates") return;
    var active = document.activeElement;
    acted = active && active !== document.body ? {control: active, request: event.detail.elt} : null;
  });

  function restoreFocus(event) {
    if (!acted || !lostFocus()) return;
    var request = acted.request;
    if (event.detail.requestConfig && event.detail.requestConfig.elt !== request) return;
    var refused = request.id === "generate-form" && event.detail.xhr && event.detail.xhr.status === 422;
    var invalid = refused && document.querySelector("#generate-form [aria-invalid=true]");
    // A refused form: the first field that needs attention. Otherwise where the member was.
    var target = invalid || sameControl(acted.control);
    if (target && !target.disabled) target.focus({preventScroll: true});
  }

  document.addEventListener("htmx:afterRequest", function (event) {
    var request = event.detail.requestConfig && event.detail.requestConfig.elt;
    if (request && request.id === "generate-form" && event.detail.xhr && event.detail.xhr.status === 200 && document.body.contains(request)) {
      clearReferences(request);
    }
    // The same control, still on the page (a button htmx disabled during the request): at once.
    var control = acted && acted.request === request && acted.control;
    if (control && document.body.contains(control) && !control.disabled && lostFocus()) control.focus({preventScroll: true});
  });
  // A control swapped for a new copy: after settling, not before. htmx wires swapped-in content up when
  // it settles, and a key pressed on the copy before then would submit its form the old way.
  document.addEventListener("htmx:afterSettle", restoreFocus);

  document.addEventListener("htmx:afterSettle", function () {
    document.querySelectorAll("[data-arrived]").forEach(function (card) {
      card.removeAttribute("data-arrived");
      card.scrollIntoView({block: "nearest"});
      if (lostFocus()) card.focus({preventScroll: true});
    });
  });

  // --- Reference files: a thumbnail and a Remove button for each file chosen ----------------------------
  function referenceInput() { return document.querySelector("#generate-form [data-reference-input]"); }
  function thumbList() { return document.querySelector("#generate-form [data-reference-thumbs]"); }

  function showThumbs() {
    var input = referenceInput(), list = thumbList();
    if (!input || !list) return;
    list.querySelectorAll("[data-chosen-file]").forEach(function (item) { item.remove(); });
    Array.from(input.files || []).forEach(function (file, index) {
      var item = document.createElement("li");
      item.className = "reference-thumb";
      item.setAttribute("data-chosen-file", String(index));
      var picture = document.createElement("img");
      picture.alt = file.name;
      var reader = new FileReader();
      reader.onload = function () { picture.src = reader.result; };  // a data: URL (the CSP allows data: images)
      reader.readAsDataURL(file);
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "secondary outline";
      remove.setAttribute("data-remove-reference", "");
      remove.textContent = "Remove";
      var name = document.createElement("span");
      name.className = "visually-hidden";
      name.textContent = " " + file.name;
      remove.appendChild(name);
      item.appendChild(picture);
      item.appendChild(remove);
      list.appendChild(item);
    });
    list.hidden = list.children.length === 0;
  }

  function removeChosenFile(index) {
    var input = referenceInput();
    var kept = new DataTransfer();
    Array.from(input.files).forEach(function (file, n) { if (n !== index) kept.items.add(file); });
    input.files = kept.files;
    showThumbs();
  }

  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("[data-reference-input]")) showThumbs();
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-remove-reference]");
    if (!button) return;
    var item = button.closest(".reference-thumb"), list = thumbList();
    var next = item.nextElementSibling || item.previousElementSibling;
    if (item.hasAttribute("data-chosen-file")) removeChosenFile(Number(item.getAttribute("data-chosen-file")));
    else item.remove();  // a file kept from a refused try: its hidden input goes with it
    if (list) list.hidden = list.children.length === 0;
    // Keep the keyboard near: the next Remove button, or the file field when none is left.
    var target = next && document.body.contains(next) ? next.querySelector("button") : referenceInput();
    if (target) target.focus();
  });

  // After a generation is queued, the references it took are not sent again with the next prompt.
  function clearReferences(form) {
    var input = form.querySelector("[data-reference-input]");
    if (input) input.value = "";
    form.querySelectorAll("[data-reference-thumbs] li").forEach(function (item) { item.remove(); });
    var list = form.querySelector("[data-reference-thumbs]");
    if (list) list.hidden = true;
    form.querySelectorAll("input[name=reference_picks]:checked").forEach(function (box) { box.checked = false; });
    var banner = form.querySelector("[data-editing]");
    if (banner) banner.remove();
  }
})();
