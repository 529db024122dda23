/* Rapport agent app: keyboard shortcuts, flash messages, the composer and @mention
   autocomplete. No inline scripts anywhere (the Content-Security-Policy forbids them), so
   everything hooks in here through data- attributes and event delegation, which also keeps
   working for parts htmx swaps in later. */
(function () {
  "use strict";

  document.documentElement.classList.replace("no-js", "js");

  var INBOX_URL = "/inbox";
  var FLASH_MS = 4500;

  /* ---------- helpers ---------- */
  function $(selector, root) { return (root || document).querySelector(selector); }
  function $all(selector, root) { return Array.prototype.slice.call((root || document).querySelectorAll(selector)); }
  function isTyping(el) {
    return !!el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }
  function visible(el) { return !!el && el.offsetParent !== null; }

  /* ---------- flash messages ---------- */
  function dismiss(el) {
    el.classList.add("is-leaving");
    setTimeout(function () { el.remove(); }, 300);
  }
  function flash(message, level) {
    var stack = $("#flash");
    if (!stack || !message) return;
    var el = document.createElement("div");
    el.className = "flash flash-" + (level || "success");
    el.setAttribute("role", level === "error" ? "alert" : "status");
    el.textContent = message;
    stack.appendChild(el);
    setTimeout(function () { dismiss(el); }, level === "error" ? FLASH_MS * 2 : FLASH_MS);
  }
  function errorMessage(xhr) {
    try {
      var doc = new DOMParser().parseFromString(xhr.responseText || "", "text/html");
      var el = doc.querySelector("[data-flash]");
      if (el) return el.textContent.trim();
    } catch (ignored) { /* fall through to the generic message */ }
    return "Something went wrong (" + xhr.status + "). Reload the page and try again.";
  }
  document.addEventListener("rapport:flash", function (e) { flash(e.detail && e.detail.message); });
  document.addEventListener("htmx:responseError", function (e) { flash(errorMessage(e.detail.xhr), "error"); });
  document.addEventListener("htmx:sendError", function () {
    flash("Rapport cannot be reached right now. Check your connection and try again.", "error");
  });
  $all(".flash-stack .flash").forEach(function (el) { setTimeout(function () { dismiss(el); }, FLASH_MS); });

  /* ---------- overlays and menus ---------- */
  function shortcutsOverlay() { return $("#shortcuts"); }
  function toggleShortcuts(show) {
    var overlay = shortcutsOverlay();
    if (!overlay) return;
    overlay.hidden = show === undefined ? !overlay.hidden : !show;
    if (!overlay.hidden) { var close = $("[data-action=close-overlay]", overlay); if (close) close.focus(); }
  }
  document.addEventListener("click", function (e) {
    var action = e.target.closest("[data-action]");
    if (action && action.dataset.action === "shortcuts") { toggleShortcuts(true); return; }
    if (action && action.dataset.action === "close-overlay") { toggleShortcuts(false); return; }
    if (action && action.dataset.action === "copy") { copyNear(action); return; }
    if (action && action.dataset.action === "reveal") { revealNear(action); return; }
    if (e.target === shortcutsOverlay()) toggleShortcuts(false);
    $all("details.user-menu[open]").forEach(function (d) { if (!d.contains(e.target)) d.open = false; });
  });

  function copyNear(button) {
    var row = button.closest(".copy-row");
    var source = row && $("[data-copy-source]", row);
    if (!source || !navigator.clipboard) return;
    navigator.clipboard.writeText(source.textContent.trim()).then(function () { flash("Copied"); });
  }

  /* A secret shown masked (the chat identity secret): Reveal shows it, again hides it. */
  function revealNear(button) {
    var row = button.closest(".copy-row");
    var secret = row && $("[data-secret]", row);
    var mask = row && $("[data-secret-mask]", row);
    if (!secret || !mask) return;
    var show = secret.hidden;
    secret.hidden = !show;
    mask.hidden = show;
    button.textContent = show ? "Hide" : "Reveal";
    button.setAttribute("aria-pressed", show ? "true" : "false");
  }

  /* ---------- filters submit themselves ---------- */
  document.addEventListener("change", function (e) {
    var form = e.target.closest("form[data-autosubmit]");
    if (form) form.requestSubmit();
  });

  /* ---------- inbox list: j / k / Enter ---------- */
  function rows() { return $all("[data-row]"); }
  function selectedIndex(list) {
    for (var i = 0; i < list.length; i++) if (list[i].classList.contains("is-selected")) return i;
    return -1;
  }
  function moveSelection(step) {
    var list = rows();
    if (!list.length) return false;
    var index = selectedIndex(list);
    var next = index === -1 ? 0 : Math.max(0, Math.min(list.length - 1, index + step));
    if (index === list.length - 1 && step > 0) {
      var more = $("[data-load-more]");
      if (more) more.click();  // at the bottom: fetch the next page, the selection stays
      return true;
    }
    if (index >= 0) list[index].classList.remove("is-selected");
    list[next].classList.add("is-selected");
    list[next].scrollIntoView({ block: "nearest" });
    return true;
  }
  function openSelected() {
    var list = rows();
    var index = selectedIndex(list);
    if (index === -1) return false;
    window.location.href = list[index].href;
    return true;
  }

  /* ---------- conversation: shortcuts that press a button ---------- */
  function press(name) {
    var button = $("[data-shortcut=" + name + "]");
    if (!button) return false;
    button.click();
    return true;
  }
  function composerMode(mode) {
    var form = $("[data-composer]");
    if (!form) return false;
    var radio = $("input[name=mode][value=" + mode + "]", form) || $("input[name=mode]", form);
    if (radio && !radio.checked) { radio.checked = true; radio.dispatchEvent(new Event("change", { bubbles: true })); }
    var text = $("textarea", form);
    if (text) { text.focus(); text.scrollIntoView({ block: "nearest" }); }
    return true;
  }
  function focusFilters() {
    var target = $("[data-shortcut-focus]");
    if (!target) return false;
    target.focus();
    return true;
  }

  /* ---------- the key handler ---------- */
  var waitingForG = false;
  var handlers = {
    "?": function () { toggleShortcuts(); return true; },
    "j": function () { return moveSelection(1); },
    "k": function () { return moveSelection(-1); },
    "o": openSelected,
    "Enter": openSelected,
    "r": function () { return composerMode("reply"); },
    "n": function () { return composerMode("note"); },
    "a": function () { return press("assign-me"); },
    "e": function () { return press("resolve"); },
    "/": focusFilters,
    "g": function () { waitingForG = true; setTimeout(function () { waitingForG = false; }, 1200); return true; }
  };
  function onEscape() {
    var overlay = shortcutsOverlay();
    if (overlay && !overlay.hidden) { toggleShortcuts(false); return; }
    if (mentionMenu.isOpen()) { mentionMenu.close(); return; }
    if (isTyping(document.activeElement)) { document.activeElement.blur(); return; }
    $all("details[open]").forEach(function (d) { d.open = false; });
    document.getElementById("nav-toggle").checked = false;
  }
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape") { onEscape(); return; }
    if (isTyping(e.target) || e.metaKey || e.ctrlKey || e.altKey || e.defaultPrevented) return;
    if (waitingForG) {
      waitingForG = false;
      if (e.key === "i") { e.preventDefault(); window.location.href = INBOX_URL; }
      return;
    }
    if (e.key === "Enter" && e.target.closest && e.target.closest("a, button")) return;
    var handler = handlers[e.key];
    if (handler && handler()) e.preventDefault();
  });

  /* ---------- composer ---------- */
  function placeholderFor(form) {
    var text = $("textarea", form);
    var note = $("input[name=mode][value=note]", form);
    if (!text) return;
    text.placeholder = note && note.checked ? text.dataset.notePlaceholder : text.dataset.replyPlaceholder;
  }
  document.addEventListener("change", function (e) {
    var form = e.target.closest("[data-composer]");
    if (!form) return;
    if (e.target.name === "mode") { placeholderFor(form); mentionMenu.close(); }
    if (e.target.type === "file") {
      var label = $("[data-file-label]", form);
      var files = e.target.files;
      if (label) label.textContent = !files.length ? "Attach" : files.length === 1 ? files[0].name : files.length + " files";
    }
  });
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Enter" || !(e.ctrlKey || e.metaKey)) return;
    var form = e.target.closest && e.target.closest("[data-composer]");
    if (!form) return;
    var send = $all("[data-send]", form).filter(visible)[0];
    if (send) { e.preventDefault(); send.click(); }
  });
  document.addEventListener("input", function (e) {
    if (e.target.matches("textarea[data-mention-input]")) {
      autosize(e.target);
      mentionMenu.update(e.target);
    }
    if (e.target.matches("[data-snooze-until]")) {
      var custom = $("input[name=snooze][value=custom]", e.target.form);
      if (custom) custom.checked = true;
    }
  });
  function autosize(text) {
    text.style.height = "auto";
    text.style.height = Math.min(text.scrollHeight + 2, Math.round(window.innerHeight * 0.45)) + "px";
  }

  /* ---------- @mention autocomplete ---------- */
  var mentionMenu = (function () {
    var state = { text: null, menu: null, matches: [], index: 0, start: 0 };
    function staff() {
      var data = document.getElementById("staff-data");
      try { return data ? JSON.parse(data.textContent) : []; } catch (ignored) { return []; }
    }
    function inNoteMode(text) {
      var note = $("input[name=mode][value=note]", text.form);
      return !!note && note.checked;
    }
    function find(query) {
      var q = query.toLowerCase();
      return staff().filter(function (person) {
        var name = person.name.toLowerCase();
        return person.handle.toLowerCase().indexOf(q) === 0 || name.indexOf(q) === 0 ||
          name.split(/\s+/).some(function (word) { return word.indexOf(q) === 0; });
      }).slice(0, 8);
    }
    function render() {
      var menu = state.menu;
      menu.textContent = "";
      state.matches.forEach(function (person, i) {
        var item = document.createElement("li");
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", i === state.index ? "true" : "false");
        var name = document.createElement("span");
        name.textContent = person.name;
        var handle = document.createElement("small");
        handle.textContent = "@" + person.handle;
        item.appendChild(name);
        item.appendChild(handle);
        item.addEventListener("mousedown", function (e) { e.preventDefault(); choose(i); });
        menu.appendChild(item);
      });
      menu.hidden = state.matches.length === 0;
    }
    function update(text) {
      var menu = text.form && $(".mention-menu", text.form);
      if (!menu || !inNoteMode(text)) { close(); return; }
      var before = text.value.slice(0, text.selectionStart);
      var match = /(^|[^\w@])@([\w.+-]*)$/.exec(before);
      if (!match) { close(); return; }
      state.text = text;
      state.menu = menu;
      state.start = before.length - match[2].length - 1;
      state.matches = find(match[2]);
      state.index = 0;
      render();
    }
    function choose(i) {
      var person = state.matches[i];
      var text = state.text;
      if (!person || !text) return;
      var after = text.value.slice(text.selectionStart);
      var inserted = "@" + person.handle + " ";
      text.value = text.value.slice(0, state.start) + inserted + after;
      var caret = state.start + inserted.length;
      text.setSelectionRange(caret, caret);
      text.focus();
      close();
    }
    function isOpen() { return !!state.menu && !state.menu.hidden; }
    function close() {
      if (state.menu) state.menu.hidden = true;
      state.matches = [];
    }
    function onKey(e) {
      if (!isOpen() || e.target !== state.text) return;
      var count = state.matches.length;
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        state.index = (state.index + (e.key === "ArrowDown" ? 1 : count - 1)) % count;
        render();
      } else if (e.key === "Enter" || e.key === "Tab") {
        if (e.ctrlKey || e.metaKey) return;
        choose(state.index);
      } else {
        return;
      }
      e.preventDefault();
      e.stopImmediatePropagation();
    }
    document.addEventListener("keydown", onKey, true);
    document.addEventListener("focusout", function (e) { if (e.target === state.text) setTimeout(close, 150); });
    return { update: update, close: close, isOpen: isOpen };
  })();

  /* ---------- after htmx swaps ---------- */
  function fillTimezones(root) {
    $all("[data-tz-offset]", root).forEach(function (input) { input.value = String(new Date().getTimezoneOffset()); });
  }
  document.addEventListener("htmx:oobAfterSwap", function (e) {
    // Fired on each element that came in: a new message, or the fresh composer.
    var el = e.target;
    if (el.matches && el.matches("#timeline > .msg")) el.scrollIntoView({ block: "nearest", behavior: "smooth" });
    if (el.id === "composer") {
      var text = $("textarea", el);
      if (text) text.focus({ preventScroll: true });
    }
  });
  document.addEventListener("htmx:afterSettle", function () { fillTimezones(document); });

  /* ---------- on load ---------- */
  fillTimezones(document);
  var timeline = $("#timeline");
  if (timeline && timeline.lastElementChild && !window.location.hash) {
    timeline.lastElementChild.scrollIntoView({ block: "nearest" });
  }
})();
