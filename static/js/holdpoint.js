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
  /*
  ** The activity's one form works without this.  With it, a file uploads as
  ** soon as it is chosen, with a progress bar, and joins the list above the
  ** input; the input is then cleared, so the final submit does not send it
  ** again.  A refusal is shown next to the input, in the server's words.
  */
  function upload(form, box, input) {
    var file = input.files && input.files[0];
    if (!file) { return; }
    var bar = box.querySelector("progress"), status = box.querySelector(".upload-status");
    var err = document.getElementById(input.id + "-error");
    var data = new FormData();
    data.append("csrf", form.querySelector("input[name=csrf]").value);
    data.append("field", box.getAttribute("data-upload-field"));
    data.append("file", file, file.name);
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.getAttribute("data-upload"));
    xhr.setRequestHeader("Accept", "application/json");
    bar.hidden = false;
    bar.value = 0;
    status.textContent = "Uploading " + file.name + "…";
    if (err) { err.textContent = ""; }
    input.removeAttribute("aria-invalid");
    xhr.upload.onprogress = function (ev) {
      if (ev.lengthComputable) { bar.value = Math.round(100 * ev.loaded / ev.total); }
    };
    xhr.onload = function () {
      var j = null;
      try { j = JSON.parse(xhr.responseText); } catch (e) { j = null; }
      bar.hidden = true;
      if (xhr.status === 201 && j && j.evidence) {
        var ev = j.evidence, list = box.parentNode.querySelector("ul.files");
        if (!list) {
          list = document.createElement("ul");
          list.className = "files";
          box.parentNode.insertBefore(list, box);
          var empty = box.parentNode.querySelector(".empty");
          if (empty) { empty.remove(); }
        }
        var li = document.createElement("li"), a = document.createElement("a");
        a.href = ev.download;
        a.textContent = ev.name;
        li.appendChild(a);
        li.appendChild(document.createTextNode(" (" + ev.type + ", uploaded just now)"));
        list.appendChild(li);
        input.value = "";
        status.textContent = "Uploaded " + ev.name + ".";
        var none = document.querySelector("#evidence .empty");     /* the activity's list of every file */
        if (none) { none.textContent = "Uploaded just now: " + ev.name + ". Reload the page for its details."; }
      } else {
        var msg = (j && j.error && (j.error.message || j.error)) || "The upload failed (HTTP " + xhr.status + ").";
        if (typeof msg !== "string") { msg = "The upload failed (HTTP " + xhr.status + ")."; }
        status.textContent = "";
        if (err) { err.textContent = msg; } else { status.textContent = msg; }
        input.setAttribute("aria-invalid", "true");
        input.value = "";
      }
    };
    xhr.onerror = function () {
      bar.hidden = true;
      status.textContent = "The upload failed: the connection was lost. Choose the file again.";
      input.value = "";
    };
    xhr.send(data);
  }
  var forms = document.querySelectorAll("form[data-upload]");
  for (var f = 0; f < forms.length; f++) {
    (function (form) {
      form.addEventListener("change", function (ev) {
        var input = ev.target, box = input.closest && input.closest("[data-upload-field]");
        if (box && input.type === "file") { upload(form, box, input); }
      });
    })(forms[f]);
  }
  /* The browser's time zone: sent with the sign-in, offered on the person's page. */
  var zone = "";
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { zone = ""; }
  var tzs = document.querySelectorAll("[data-browser-tz]");
  for (var t = 0; t < tzs.length; t++) {
    if (tzs[t].tagName === "INPUT") { tzs[t].value = zone; } else { tzs[t].textContent = zone || "unknown"; }
  }
})();
