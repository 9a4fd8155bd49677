// report.html: sort each ranking (themes, customer jobs, role work) by clicking a header, and light up a cluster's row when its bubble is hovered.
// Everything is readable without this script; it only adds interaction.
(function () {
  "use strict";
  document.querySelectorAll("table.rank").forEach(function (table) {
    table.classList.add("js");
    var headers = table.querySelectorAll("th");
    headers.forEach(function (th, column) {
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
        headers.forEach(function (other) { other.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      }
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sort(); } });
    });
  });
  document.querySelectorAll(".map a[data-id]").forEach(function (bubble) {
    var row = document.getElementById("row-" + bubble.getAttribute("data-id"));
    if (!row) { return; }
    bubble.addEventListener("mouseenter", function () { row.classList.add("hl"); });
    bubble.addEventListener("mouseleave", function () { row.classList.remove("hl"); });
  });
})();
