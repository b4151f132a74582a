/* The right-hand contents follow the reading position in both directions (book/_ext/page_assets.py).
   The theme highlights a heading only when it enters the top of the window, so scrolling back up on a
   long page left the highlight on a later section. Here the highlighted entry is always the last heading
   above 30 % of the window's height. */
(function () {
  function setup() {
    var toc = document.querySelector("#pst-page-toc-nav");
    if (!toc) return;
    var links = Array.prototype.slice.call(toc.querySelectorAll("a[href^='#']"));
    var pairs = links.map(function (a) {
      var target = document.getElementById(decodeURIComponent(a.getAttribute("href").slice(1)));
      var heading = target && (target.querySelector("h1,h2,h3,h4,h5,h6") || target);
      return heading ? [heading, a] : null;
    }).filter(Boolean);
    if (!pairs.length) return;
    var entries = Array.prototype.slice.call(toc.querySelectorAll(".toc-entry"));
    var current = null, queued = false;
    function update() {
      queued = false;
      var line = window.innerHeight * 0.3, pick = pairs[0][1];
      for (var i = 0; i < pairs.length; i++) {
        if (pairs[i][0].getBoundingClientRect().top <= line) pick = pairs[i][1]; else break;
      }
      if (pick === current) return;
      current = pick;
      links.forEach(function (a) {
        var on = a === pick;
        a.classList.toggle("active", on);
        if (on) a.setAttribute("aria-current", "true"); else a.removeAttribute("aria-current");
      });
      entries.forEach(function (li) { li.classList.toggle("active", li.contains(pick)); });
    }
    window.addEventListener("scroll", function () {
      if (!queued) { queued = true; window.requestAnimationFrame(update); }
    }, {passive: true});
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup); else setup();
})();
