// Every page: behaviour that used to sit in inline handlers (the Content-Security-Policy
// allows scripts only from our own files). A select marked data-autosubmit submits its form.
(function () {
  "use strict";
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () {
      if (select.form) { select.form.submit(); }
    });
  });
})();
