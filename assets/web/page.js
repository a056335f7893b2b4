// keyward's pages: local times, the live policy checklist and strength
// meter, and whether the two new passwords match. The pages work without
// it; it only adds what a server round trip per key cannot.
(function () {
  "use strict";
  document.querySelectorAll("time[datetime]").forEach(function (t) {
    var at = new Date(t.getAttribute("datetime"));
    if (!isNaN(at)) {
      t.textContent = at.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
      t.title = at.toLocaleString();
    }
  });
  var input = document.querySelector("input[data-live]");
  if (!input || !window.fetch) { return; }
  var form = input.form;
  var csrf = form.querySelector("input[name=csrf]").value;
  var token = form.getAttribute("data-check-token");
  var login = form.querySelector("input[name=login]");
  var rules = document.getElementById("rules");
  var meter = document.getElementById("meter");
  var strength = document.getElementById("strength");
  var repeat = document.getElementById("repeat");
  var repeatHint = document.getElementById("repeat-hint");
  var timer = null;
  var asked = 0;

  function render(data) {
    rules.textContent = "";
    data.rules.forEach(function (r) {
      var li = document.createElement("li");
      li.className = r.met ? "met" : "unmet";
      li.textContent = r.met ? r.label : (r.message || r.label);
      rules.appendChild(li);
    });
    meter.setAttribute("data-score", input.value ? String(data.strength.score) : "");
    strength.textContent = input.value
      ? "Strength: " + data.strength.label + (data.strength.hint ? ". " + data.strength.hint : "")
      : "";
  }

  function check() {
    var mine = ++asked;
    var body = { password: input.value };
    if (token) { body.token = token; }
    if (login) { body.login = login.value; }
    fetch("/check", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body)
    }).then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data && mine === asked) { render(data); } })
      .catch(function () {});
  }

  function matches() {
    if (!repeat.value) { repeatHint.textContent = ""; return; }
    repeatHint.textContent = repeat.value === input.value ? "The passwords match." : "The passwords differ.";
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(check, 250);
    matches();
  });
  repeat.addEventListener("input", matches);
  if (login) { login.addEventListener("change", function () { if (input.value) { check(); } }); }
})();
