/* Page shell behaviour: the collapsible navigation on narrow screens. */
(function () {
  "use strict";

  function setOpen(open) {
    var nav = document.getElementById("sidenav");
    var toggle = document.querySelector("[data-nav-toggle]");
    var backdrop = document.querySelector("[data-nav-close]");
    if (!nav || !toggle) return;
    document.body.classList.toggle("nav-open", open);
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    if (backdrop) backdrop.hidden = !open;
    if (open) {
      var first = nav.querySelector("a");
      if (first) first.focus({ preventScroll: true });
    }
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!(target instanceof Element)) return;
    if (target.closest("[data-nav-toggle]")) {
      setOpen(!document.body.classList.contains("nav-open"));
    } else if (target.closest("[data-nav-close]")) {
      setOpen(false);
    }
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && document.body.classList.contains("nav-open")) {
      setOpen(false);
      var toggle = document.querySelector("[data-nav-toggle]");
      if (toggle) toggle.focus();
    }
  });
})();
