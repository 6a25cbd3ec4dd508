// Every page: behaviour that used to sit in inline handlers (the Content-Security-Policy
// allows scripts only from our own files). A select marked data-autosubmit submits its form.
(function () {
  "use strict";
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () {
      if (select.form) { select.form.submit(); }
    });
  });

  // Narrow screens: the header's links fold behind the menu button (CSS shows them
  // unfolded when there is room, and always when scripts are off).
  var header = document.querySelector("header.top");
  var toggle = header && header.querySelector(".menu-toggle");
  if (toggle) {
    header.classList.add("foldable");
    toggle.addEventListener("click", function () {
      var open = header.classList.toggle("open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }

  // Tables marked "cards" become one card per row on a phone: each cell is labelled
  // with its column's heading.
  document.querySelectorAll("table.cards").forEach(function (table) {
    var heads = Array.prototype.map.call(
      table.querySelectorAll("thead th"), function (th) { return th.textContent.trim(); });
    table.querySelectorAll("tbody tr").forEach(function (row) {
      Array.prototype.forEach.call(row.children, function (cell, i) {
        if (cell.colSpan > 1 || !heads[i] || cell.hasAttribute("data-label")) { return; }
        cell.setAttribute("data-label", heads[i]);
      });
    });
  });
})();
