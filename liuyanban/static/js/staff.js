/* Staff workbench: fill a reply or reason box from a picked template (works without it too). */
document.addEventListener("change", function (event) {
  var select = event.target;
  if (!(select instanceof HTMLSelectElement) || !/_template$/.test(select.id) || !select.value) return;
  var form = select.form;
  var box = form && (form.querySelector("textarea[name=body]") || form.querySelector("textarea[name=reason]") || form.querySelector("textarea[name=comment]"));
  if (box && (!box.value.trim() || window.confirm(box.dataset.replaceText || "用模板替换当前内容？"))) {
    box.value = select.value;
    box.focus();
  }
});

/* Routing suggestions: "选用" fills the lead unit (without JS, pick it in the list below). */
document.addEventListener("click", function (event) {
  var button = event.target instanceof Element ? event.target.closest("[data-pick-lead]") : null;
  if (!button) return;
  var form = button.closest("form");
  if (!form) return;
  var id = button.getAttribute("data-pick-lead");
  var select = form.querySelector("select[name=lead]");
  var hidden = form.querySelector("input[name=lead_pick]");
  if (select && select.querySelector('option[value="' + id + '"]')) select.value = id;
  else if (hidden) hidden.value = id;
  button.textContent = button.dataset.pickedText || "✓";
});
