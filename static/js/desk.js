// Keyboard shortcuts and small helpers for the desk. No inline scripts anywhere.
(function () {
  "use strict";
  function typing(el) {
    return el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT" || el.isContentEditable);
  }

  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches("[data-autosubmit]")) { el.form.submit(); }
    if (el.matches("[data-canned-target]") && el.value) {
      var target = document.getElementById(el.getAttribute("data-canned-target"));
      if (target) {
        target.value = target.value ? target.value.replace(/\s*$/, "") + "\n\n" + el.value : el.value;
        target.focus();
      }
      el.value = "";
    }
  });

  // On a phone the queue's filters fold away unless one of them is in use.
  if (window.matchMedia("(max-width: 640px)").matches) {
    document.querySelectorAll("details[data-close-on-phone]").forEach(function (details) {
      var used = Array.prototype.some.call(details.querySelectorAll("select, input"), function (el) {
        return el.tagName === "SELECT" ? el.selectedIndex > 0 : el.value !== "";
      });
      if (!used) { details.open = false; }
    });
  }

  // Queue: j/k move the selection, Enter opens it.
  var rows = Array.prototype.slice.call(document.querySelectorAll("[data-keyboard-list] tbody tr[data-href]"));
  var selected = -1;
  function select(index) {
    if (!rows.length) { return; }
    if (selected >= 0) { rows[selected].classList.remove("selected"); }
    selected = Math.max(0, Math.min(rows.length - 1, index));
    rows[selected].classList.add("selected");
    rows[selected].scrollIntoView({ block: "nearest" });
  }
  rows.forEach(function (row) {
    row.addEventListener("click", function (event) {
      if (event.target.closest("a, button, input, select")) { return; }
      window.location = row.getAttribute("data-href");
    });
  });

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey && event.key === "Enter" && typing(document.activeElement)) {
      var form = document.activeElement.form;
      if (form) { event.preventDefault(); form.requestSubmit(); }
      return;
    }
    if (typing(document.activeElement) || event.ctrlKey || event.metaKey || event.altKey) { return; }
    var body = document.getElementById("id_body");
    switch (event.key) {
      case "j": select(selected + 1); break;
      case "k": select(selected - 1); break;
      case "Enter": if (selected >= 0) { window.location = rows[selected].getAttribute("data-href"); } break;
      case "/":
        // The queue's own search where there is one, else the header's (every staff page).
        var search = document.getElementById("id_q") || document.getElementById("header-q");
        if (search) { event.preventDefault(); search.focus(); search.select(); }
        break;
      case "n": window.location = "/desk/next/"; break;
      case "t":
        var take = document.querySelector("[data-key='t']");
        if (take) { take.click(); }
        break;
      case "r":
      case "i":
        if (body) {
          event.preventDefault();
          var radio = document.querySelector("input[name='visibility'][value='" + (event.key === "r" ? "public" : "internal") + "']");
          if (radio) { radio.checked = true; }
          body.focus();
        }
        break;
      default: return;
    }
  });
})();
