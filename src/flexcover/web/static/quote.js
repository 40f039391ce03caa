// 缴费试算: each form marked data-quote shows, as the base is typed, what it costs a month —
// asked of the public calculator (POST /api/v1/calc/contribution), so the page and the bill
// use one rule. Without JavaScript the form still works; the bill shows the amount.
(function () {
  "use strict";
  function field(form, name, fallback) {
    var input = form.querySelector('[name="' + name + '"]');
    return (input && input.value) || form.getAttribute("data-" + name) || fallback;
  }
  function quote(form) {
    var out = form.querySelector("output");
    var base = field(form, "base_yuan", "").trim();
    if (!out) return;
    if (!base) { out.textContent = ""; return; }
    var body = {
      jurisdiction: field(form, "jurisdiction", ""),
      month: form.getAttribute("data-month"),
      base_yuan: base,
      schemes: [field(form, "scheme", "employee_pension")]
    };
    fetch("/api/v1/calc/contribution", {
      method: "POST",
      headers: {"Content-Type": "application/json", "Accept-Language": document.documentElement.lang},
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().then(function (answer) { return {ok: response.ok, answer: answer}; });
    }).then(function (result) {
      if (!result.ok) { out.textContent = result.answer.detail || ""; out.className = "error"; return; }
      var text = out.getAttribute("data-per-month").replace("{amount}", result.answer.total_yuan);
      if ((result.answer.carried_forward || []).length) text += out.getAttribute("data-provisional");
      out.textContent = text;
      out.className = "quote";
    }).catch(function () { out.textContent = ""; });
  }
  document.querySelectorAll("form[data-quote]").forEach(function (form) {
    var timer = null;
    form.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { quote(form); }, 250);
    });
    form.addEventListener("change", function () { quote(form); });
    quote(form);
  });
})();
