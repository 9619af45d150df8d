// The programme grid scrolls sideways in its own box when a day has more rooms than the screen
// is wide, and CSS's `position: sticky` cannot then hold the room names at the top of the
// page. This keeps each day's room row in view while the page scrolls past that day. Without
// it the page works the same; the room row just scrolls away with the grid.
(function () {
  "use strict";
  var grids = [].slice.call(document.querySelectorAll(".grid:not(.list)"));
  if (!grids.length) return;
  var queued = false;
  function place() {
    queued = false;
    grids.forEach(function (g) {
      var head = g.querySelector(".rh");
      if (!head || getComputedStyle(head).display === "none") {
        g.style.removeProperty("--head-y");
        return;
      }
      var box = g.getBoundingClientRect();
      var room = Math.max(0, box.height - head.offsetHeight);
      var y = Math.min(Math.max(0, -box.top), room);
      g.style.setProperty("--head-y", y + "px");
      g.classList.toggle("head-held", y > 0);
    });
  }
  function queue() {
    if (!queued) {
      queued = true;
      window.requestAnimationFrame(place);
    }
  }
  window.addEventListener("scroll", queue, { passive: true });
  window.addEventListener("resize", queue);
  place();
})();
