/* holdpoint.js — small conveniences; every page works without it. */
(function () {
  "use strict";
  /* Ask before destructive actions: <button data-confirm="Reject this approval?"> */
  document.addEventListener("submit", function (ev) {
    var b = ev.submitter;
    var msg = (b && b.getAttribute("data-confirm")) || ev.target.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) { ev.preventDefault(); }
  });
  /* Live countdowns: <time data-deadline="ISO">in 3 h 20 min</time> */
  function span(ms) {
    var s = Math.floor(Math.abs(ms) / 1000);
    if (s < 60) { return s + " s"; }
    if (s < 3600) { return Math.floor(s / 60) + " min"; }
    if (s < 86400) { return Math.floor(s / 3600) + " h " + Math.floor((s % 3600) / 60) + " min"; }
    return Math.floor(s / 86400) + " d " + Math.floor((s % 86400) / 3600) + " h";
  }
  function tick() {
    var els = document.querySelectorAll("time[data-deadline]");
    for (var i = 0; i < els.length; i++) {
      var d = Date.parse(els[i].getAttribute("datetime")) - Date.now();
      els[i].textContent = d >= 0 ? "in " + span(d) : span(d) + " overdue";
    }
  }
  if (document.querySelector("time[data-deadline]")) { setInterval(tick, 30000); }
})();
