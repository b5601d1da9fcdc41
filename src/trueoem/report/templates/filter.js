(function () {
  "use strict";
  var q = document.getElementById("q");
  var wl = document.getElementById("wl");
  var shown = document.getElementById("shown");
  var boxes = Array.prototype.slice.call(document.querySelectorAll("input[data-verdict]"));
  var rows = Array.prototype.slice.call(document.querySelectorAll("#assets tbody tr"));
  if (!q || !wl || !shown) { return; }
  document.getElementById("filters").hidden = false;
  function apply() {
    var text = q.value.toLowerCase();
    var on = {};
    var n = 0;
    boxes.forEach(function (b) { on[b.getAttribute("data-verdict")] = b.checked; });
    rows.forEach(function (r) {
      var ok = on[r.getAttribute("data-verdict")] === true &&
        (!wl.checked || r.getAttribute("data-wl") === "1") &&
        (text === "" || r.textContent.toLowerCase().indexOf(text) !== -1);
      r.hidden = !ok;
      if (ok) { n += 1; }
    });
    shown.textContent = String(n);
  }
  q.addEventListener("input", apply);
  wl.addEventListener("change", apply);
  boxes.forEach(function (b) { b.addEventListener("change", apply); });
  apply();
}());
