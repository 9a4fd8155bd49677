// report.html: sort each ranking by clicking a header; narrow the jobs by the search box and the menus; filter a
// job's full list of statements; fold the job cards on a phone. Everything is readable without this script.
(function () {
  "use strict";
  function each(selector, fn, root) { Array.prototype.forEach.call((root || document).querySelectorAll(selector), fn); }

  each("table.rank", function (table) {
    table.classList.add("js");
    var headers = table.querySelectorAll("th");
    Array.prototype.forEach.call(headers, function (th, column) {
      th.setAttribute("tabindex", "0");
      function sort() {
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        var numeric = th.hasAttribute("data-num");
        var ascending = th.getAttribute("aria-sort") === "descending" ||
          (!th.hasAttribute("aria-sort") && (column === 0 || !numeric));
        rows.sort(function (a, b) {
          var x = a.cells[column].getAttribute("data-v"), y = b.cells[column].getAttribute("data-v");
          var d = numeric ? (parseFloat(x) || 0) - (parseFloat(y) || 0) : x.localeCompare(y);
          return ascending ? d : -d;
        });
        rows.forEach(function (row) { body.appendChild(row); });
        Array.prototype.forEach.call(headers, function (other) { other.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      }
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sort(); } });
    });
  });

  // Filters: a job shows when it matches every menu and holds every word of the search box (in its title,
  // keyphrases, quotes or statements); its ranking row follows its card.
  var bar = document.querySelector(".filters");
  if (bar) {
    bar.hidden = false;
    var search = document.getElementById("search");
    var menus = bar.querySelectorAll("select[data-filter]");
    var cards = document.querySelectorAll("details.cluster[data-job]");
    var shown = bar.querySelector(".shown");
    var apply = function () {
      var words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
      var n = 0;
      Array.prototype.forEach.call(cards, function (card) {
        var ok = true;
        Array.prototype.forEach.call(menus, function (menu) {
          var want = menu.value, key = menu.getAttribute("data-filter");
          if (!want || !ok) { return; }
          var have = (card.getAttribute("data-" + key) || "").split(" ");
          ok = key === "trend" && want === "called" ? have[0] === "rising" || have[0] === "declining" : have.indexOf(want) >= 0;
        });
        if (ok && words.length) {
          var text = card.textContent.toLowerCase();
          ok = words.every(function (w) { return text.indexOf(w) >= 0; });
        }
        card.hidden = !ok;
        var row = document.getElementById("row-" + card.getAttribute("data-job"));
        if (row) { row.hidden = !ok; }
        if (ok) { n += 1; }
      });
      var theme = bar.querySelector('select[data-filter="theme"]');
      each("tr[data-theme]", function (row) { row.hidden = !!(theme && theme.value && row.getAttribute("data-theme") !== theme.value); });
      shown.textContent = n === cards.length ? "" : "showing " + n + " of " + cards.length + " jobs";
    };
    search.addEventListener("input", apply);
    Array.prototype.forEach.call(menus, function (menu) { menu.addEventListener("change", apply); });
  }

  each("details.all", function (list) {
    var box = list.querySelector("input.within");
    box.hidden = false;
    box.addEventListener("input", function () {
      var words = box.value.toLowerCase().split(/\s+/).filter(Boolean);
      each("li", function (li) {
        var text = li.textContent.toLowerCase();
        li.hidden = !words.every(function (w) { return text.indexOf(w) >= 0; });
      }, list);
    });
  });

  // On a phone the job cards start folded (their titles and trends still show); a link to one opens it.
  var open = function () {
    var target = location.hash && document.getElementById(location.hash.slice(1));
    if (target && target.tagName === "DETAILS") { target.open = true; }
  };
  if (window.matchMedia && window.matchMedia("(max-width: 600px)").matches) {
    each("details.cluster", function (card) { card.open = false; });
  }
  window.addEventListener("hashchange", open);
  open();
})();
