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
