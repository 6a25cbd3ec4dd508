// Public pages, progressive only: live character counts and a local copy of the message draft.
(function () {
  "use strict";
  var KEY = "liuyanban-draft-";

  function counters() {
    document.querySelectorAll("[data-count]").forEach(function (el) {
      var out = document.getElementById(el.id + "_count");
      if (!out) return;
      var max = parseInt(el.getAttribute("data-count"), 10);
      var template = out.textContent.replace(/\d+\s*\/\s*\d+/, "{n} / {max}");
      function update() {
        var n = el.value.length;
        out.textContent = template.replace("{n}", n).replace("{max}", max);
        out.classList.toggle("over", n > max);
      }
      el.addEventListener("input", update);
      update();
    });
  }

  function fields(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && el.type !== "file" && el.type !== "hidden" && el.type !== "submit" &&
        el.name !== "csrfmiddlewaretoken" && el.name !== "idempotency_key";
    });
  }

  function drafts() {
    document.querySelectorAll("form[data-draft]").forEach(function (form) {
      var key = KEY + form.getAttribute("data-draft");
      var saved = {};
      try { saved = JSON.parse(localStorage.getItem(key) || "{}"); } catch (e) { saved = {}; }
      var empty = fields(form).every(function (el) { return !el.value; });
      if (empty) {
        fields(form).forEach(function (el) {
          if (saved[el.name]) { el.value = saved[el.name]; el.dispatchEvent(new Event("input")); }
        });
      }
      form.addEventListener("input", function () {
        var data = {};
        fields(form).forEach(function (el) { data[el.name] = el.value; });
        try { localStorage.setItem(key, JSON.stringify(data)); } catch (e) { /* private mode */ }
      });
    });
    document.querySelectorAll("[data-clear-draft]").forEach(function (el) {
      try { localStorage.removeItem(KEY + el.getAttribute("data-clear-draft")); } catch (e) { /* ignore */ }
    });
  }

  function focusErrors() {
    var summary = document.getElementById("error-summary") || document.getElementById("preview");
    if (summary) summary.focus();
  }

  document.addEventListener("DOMContentLoaded", function () { drafts(); counters(); focusErrors(); });
})();
