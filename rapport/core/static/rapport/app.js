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
  /* ---------- search: the box on every page ---------- */
  function searchBox() {
    return $("#search-q") || $("[data-search-box]");
  }
  function focusSearch() {
    var box = searchBox();
    if (!box) return false;
    box.focus();
    box.select();
    return true;
  }
  function closeSuggestions() {
    var holder = $("#search-suggestions");
    if (holder) holder.innerHTML = "";
  }
  function moveInResults(e) {
    // Arrow keys walk from the box through the results under it, and back.
    var scope = e.target.closest(".sidebar-search, .search-page-form") ? e.target.closest("form") : null;
    var list = $all("[data-search-result]", scope && scope.id === "search-form" ? $("#search-results") : scope);
    if (!list.length) return;
    var index = list.indexOf(document.activeElement);
    var step = e.key === "ArrowDown" ? 1 : -1;
    var next = index + step;
    e.preventDefault();
    if (next < 0) { searchBox().focus(); return; }
    list[Math.min(next, list.length - 1)].focus();
  }
  document.addEventListener("keydown", function (e) {
    if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "k") {  // also while typing a reply
      if (focusSearch()) e.preventDefault();
      return;
    }
    if ((e.key === "ArrowDown" || e.key === "ArrowUp") && e.target.closest &&
        e.target.closest(".sidebar-search, #search-form, #search-results")) {
      if (e.target.closest("#search-results")) {
        var list = $all("[data-search-result]", $("#search-results"));
        var index = list.indexOf(document.activeElement) + (e.key === "ArrowDown" ? 1 : -1);
        e.preventDefault();
        if (index < 0) searchBox().focus(); else if (list[index]) list[index].focus();
        return;
      }
      if (e.target.closest("#search-form")) {
        var first = $("[data-search-result]", $("#search-results"));
        if (e.key === "ArrowDown" && first) { e.preventDefault(); first.focus(); }
        return;
      }
      moveInResults(e);
    }
  });
  document.addEventListener("click", function (e) {
    if (!e.target.closest(".sidebar-search")) closeSuggestions();
  });

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
    "s": focusSearch,
    "g": function () { waitingForG = true; setTimeout(function () { waitingForG = false; }, 1200); return true; }
  };
  function onEscape() {
    var overlay = shortcutsOverlay();
    if (overlay && !overlay.hidden) { toggleShortcuts(false); return; }
    if (mentionMenu.isOpen()) { mentionMenu.close(); return; }
    if ($("#search-suggestions .search-pop")) { closeSuggestions(); if (isTyping(document.activeElement)) document.activeElement.blur(); return; }
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
  // WhatsApp's template picker: only the chosen template's variables are shown and posted.
  document.addEventListener("change", function (e) {
    if (!e.target.matches("[data-wa-template-select]")) return;
    $all("[data-wa-template]", e.target.closest("[data-wa-templates]")).forEach(function (set) {
      var chosen = set.dataset.waTemplate === e.target.value;
      set.hidden = !chosen;
      set.disabled = !chosen;
    });
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

  /* ---------- canned replies ----------
     The "Canned reply" button opens a searchable list; typing "/" at the start of a line
     opens the same list and filters it by what follows ("/ref"). Choosing one asks the
     server for its text filled in for this conversation and inserts it at the cursor as
     plain text (the textarea's value, never HTML). */
  var cannedMenu = (function () {
    var LINE_START_SLASH = /(^|\n)\/([\w-]*)$/;
    var cache = {};  // list URL → items, refreshed each time the button opens the list
    // mode "search": opened by the button, typing goes to the list's search field;
    // mode "slash": opened by "/", typing stays in the reply and filters the list.
    var state = { form: null, mode: null, items: null, matches: [], index: 0, start: 0, end: 0, query: "" };

    function el(name) { return state.form && $("[data-canned-" + name + "]", state.form); }
    function textOf(form) { return $("textarea", form); }
    function isOpen() { var menu = el("menu"); return !!menu && !menu.hidden && document.contains(menu); }
    function listUrl(form) { var toggle = $("[data-canned-toggle]", form); return toggle && toggle.dataset.cannedUrl; }

    function fetchJson(url) {
      return fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" }).then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (body) {
          if (response.ok) return body;
          var message = body.error && body.error.message;
          throw new Error(message ? message.charAt(0).toUpperCase() + message.slice(1) : "Rapport answered " + response.status + ". Reload the page and try again.");
        });
      });
    }
    function load(form, fresh) {
      var url = listUrl(form);
      if (!fresh && cache[url]) return Promise.resolve(cache[url]);
      return fetchJson(url).then(function (body) { cache[url] = body.items || []; return cache[url]; });
    }

    function find(query) {
      var q = query.toLowerCase();
      var starts = [], contains = [];
      (state.items || []).forEach(function (reply) {
        if (reply.shortcut.indexOf(q) === 0) starts.push(reply);
        else if ((reply.title + " " + reply.shortcut + (state.mode === "search" ? " " + reply.preview : "")).toLowerCase().indexOf(q) !== -1) contains.push(reply);
      });
      return starts.concat(contains);
    }
    function note(options, message) {
      var item = document.createElement("li");
      item.className = "canned-none";
      item.textContent = message;
      options.appendChild(item);
    }
    function option(reply, i) {
      var item = document.createElement("li");
      item.id = "canned-option-" + reply.id;
      item.setAttribute("role", "option");
      item.setAttribute("aria-selected", i === state.index ? "true" : "false");
      var head = document.createElement("div");
      var shortcut = document.createElement("code");
      shortcut.textContent = "/" + reply.shortcut;
      var title = document.createElement("strong");
      title.textContent = reply.title;
      var scope = document.createElement("small");
      scope.textContent = reply.inbox || "All inboxes";
      head.append(shortcut, title, scope);
      var preview = document.createElement("p");
      preview.textContent = reply.preview;
      item.append(head, preview);
      item.addEventListener("mousedown", function (e) { e.preventDefault(); choose(i); });
      return item;
    }
    function render() {
      var options = el("options"), search = el("search");
      options.textContent = "";
      if (state.items === null) note(options, "Loading canned replies…");
      else if (!state.items.length) note(options, "No canned replies yet. Admins and supervisors add them under Settings → Canned replies.");
      else if (!state.matches.length) note(options, "No canned reply matches “" + state.query + "”.");
      state.matches.forEach(function (reply, i) { options.appendChild(option(reply, i)); });
      var active = state.matches[state.index];
      if (search) search.setAttribute("aria-activedescendant", active ? "canned-option-" + active.id : "");
      var chosen = $("[aria-selected=true]", options);
      if (chosen) chosen.scrollIntoView({ block: "nearest" });
    }
    function filter(query) {
      state.query = query;
      state.matches = find(query);
      state.index = 0;
      // "/" followed by something that is no shortcut (or with no canned replies at all) is
      // just text: get out of the way.
      if (state.mode === "slash" && state.items && !state.matches.length) { close(); return; }
      render();
    }

    function open(form, mode, start, end) {
      if (isOpen() && state.form !== form) close();
      state.form = form;
      state.mode = mode;
      state.start = start;
      state.end = end;
      state.items = cache[listUrl(form)] || null;
      var menu = el("menu");
      menu.hidden = false;
      menu.classList.toggle("is-inline", mode === "slash");
      $("[data-canned-toggle]", form).setAttribute("aria-expanded", "true");
      var search = el("search");
      if (mode === "search") { search.value = ""; search.focus(); }
      filter(mode === "search" ? "" : state.query);
      load(form, mode === "search").then(function (items) {
        if (state.form !== form || !isOpen()) return;
        state.items = items;
        filter(state.query);
        if (isOpen()) el("menu").scrollIntoView({ block: "nearest" });
      }, function (error) { close(); flash(error.message, "error"); });
    }
    function close(refocus) {
      var menu = el("menu");
      if (menu) menu.hidden = true;
      var toggle = state.form && $("[data-canned-toggle]", state.form);
      if (toggle) toggle.setAttribute("aria-expanded", "false");
      if (refocus && state.form) { var text = textOf(state.form); text.focus(); text.setSelectionRange(state.start, state.end); }
      state.mode = null;
      state.matches = [];
    }

    function choose(i) {
      var reply = state.matches[i];
      var form = state.form;
      if (!reply || !form) return;
      var text = textOf(form);
      var start = state.start;
      var end = state.mode === "slash" ? text.selectionStart : state.end;
      var typed = text.value.slice(start, end);  // "/ref" in slash mode
      close();
      fetchJson(listUrl(form) + "/" + reply.id).then(function (body) {
        if (!document.contains(text)) return;
        if (text.value.slice(start, end) !== typed) { start = end = text.selectionStart; }
        text.focus();
        text.setRangeText(body.text, start, end, "end");
        autosize(text);
        if (body.unknown && body.unknown.length) {
          flash("Check before sending: " + body.unknown.join(", ") + " was left as written.", "error");
        }
      }, function (error) { flash(error.message, "error"); });
    }

    function update(text) {
      if (state.mode === "search") return;
      var before = text.value.slice(0, text.selectionStart);
      var match = LINE_START_SLASH.exec(before);
      if (!match || text.selectionStart !== text.selectionEnd) { if (state.mode === "slash") close(); return; }
      state.query = match[2].toLowerCase();
      if (state.mode === "slash" && state.form === text.form) { filter(state.query); return; }
      var start = before.length - match[2].length - 1;
      open(text.form, "slash", start, start);
    }

    function onKey(e) {
      if (!isOpen()) return;
      var inSearch = e.target === el("search");
      if (!inSearch && !(state.mode === "slash" && e.target === textOf(state.form))) return;
      var count = state.matches.length;
      if (e.key === "Escape") {
        close(inSearch);
      } else if ((e.key === "ArrowDown" || e.key === "ArrowUp") && count) {
        state.index = (state.index + (e.key === "ArrowDown" ? 1 : count - 1)) % count;
        render();
      } else if (e.key === "Enter" || (e.key === "Tab" && !inSearch && count)) {
        if (e.ctrlKey || e.metaKey) return;  // Ctrl+Enter still sends
        if (count) choose(state.index);
        else if (!inSearch) { close(); return; }  // nothing to insert: Enter is a new line
      } else {
        return;
      }
      e.preventDefault();
      e.stopImmediatePropagation();
    }
    document.addEventListener("keydown", onKey, true);
    document.addEventListener("input", function (e) {
      if (isOpen() && e.target === el("search")) filter(e.target.value.trim().replace(/^\//, ""));
      else if (e.target.matches("[data-composer] textarea")) update(e.target);
    });
    document.addEventListener("click", function (e) {
      var toggle = e.target.closest("[data-canned-toggle]");
      if (toggle) {
        var form = toggle.closest("[data-composer]");
        if (isOpen() && state.form === form && state.mode === "search") { close(true); return; }
        var text = textOf(form);
        open(form, "search", text.selectionStart, text.selectionEnd);
        return;
      }
      if (isOpen() && !e.target.closest("[data-canned-menu]")) close();
    });
    document.addEventListener("focusout", function (e) {
      if (!isOpen()) return;
      var menu = el("menu");
      var leaving = state.mode === "slash" ? e.target === textOf(state.form) : menu.contains(e.target);
      if (leaving && !(e.relatedTarget && menu.contains(e.relatedTarget))) {
        setTimeout(function () { if (!menu.contains(document.activeElement)) close(); }, 150);
      }
    });
    return { isOpen: isOpen, close: close };
  })();

  /* Settings → Canned replies: a placeholder chip inserts its tag at the cursor. */
  document.addEventListener("click", function (e) {
    var pick = e.target.closest("[data-placeholder]");
    var text = pick && $("[data-canned-text]", pick.form || document);
    if (!text) return;
    text.focus();
    text.setRangeText(pick.dataset.placeholder, text.selectionStart, text.selectionEnd, "end");
    text.dispatchEvent(new Event("input", { bubbles: true }));  // refreshes the preview
  });

  /* A messaging channel's reply window counts down while the page stays open; once it
     closes the agent is told to reload for the template picker (the server refuses free
     text by then anyway). The same words as ReplyWindow.words in channels/base.py. */
  function windowLeft(ms) {
    var minutes = Math.max(Math.floor(ms / 60000), 0);
    var days = Math.floor(minutes / 1440), hours = Math.floor((minutes % 1440) / 60);
    if (days) return days + " d " + hours + " h";
    if (hours) return hours + " h " + (minutes % 60) + " min";
    return minutes + " min";
  }
  function tickReplyWindows() {
    $all("[data-reply-window][data-closes-at]").forEach(function (line) {
      var left = Date.parse(line.dataset.closesAt) - Date.now();
      var words = $("span", line);
      if (!words || isNaN(left)) return;
      if (left > 0) { words.textContent = "Window closes in " + windowLeft(left); return; }
      line.classList.add("is-closed");
      words.textContent = "The window has just closed: reload the page to send an approved template";
      delete line.dataset.closesAt;
    });
  }
  setInterval(tickReplyWindows, 30000);

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

// Channels that split long text (SMS) say how many characters one message holds
// (Composer.segment_length); the reply box counts the messages the reply becomes.
// Past one message each part gives 7 characters to the header that joins them. For SMS
// (160) the count is the network's, as adapters/sms/segments.py counts it: GSM-7 when
// every character is in the GSM alphabet (the extension characters take two), else
// UCS-2 — 70 UTF-16 units in one message, 67 per part.
(function () {
  "use strict";
  var GSM = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
  var GSM_EXTENDED = "^{}\\[~]|€\f";
  function smsUnits(text) {
    var units = 0;
    for (var i = 0; i < text.length; i++) {
      var c = text.charAt(i);
      if (GSM.indexOf(c) >= 0) units += 1;
      else if (GSM_EXTENDED.indexOf(c) >= 0) units += 2;
      else return null;
    }
    return units;
  }
  function count(text, one) {
    var length = Array.from(text).length;
    if (!length) return [0, 0];
    var units = one === 160 ? smsUnits(text) : length;
    if (one === 160 && units === null) {
      units = text.length; // UTF-16 code units: UCS-2
      one = 70;
    }
    return [length, units <= one ? 1 : Math.ceil(units / (one - (one === 70 ? 3 : 7)))];
  }
  document.addEventListener("input", function (e) {
    var box = e.target;
    if (!box.matches || !box.matches("[data-segment-length]")) return;
    var out = box.closest("[data-composer]").querySelector("[data-segments]");
    if (!out) return;
    var one = parseInt(box.getAttribute("data-segment-length"), 10);
    var counted = count(box.value, one);
    var length = counted[0];
    var parts = counted[1];
    out.textContent = length ? length + " characters · " + parts + " message" + (parts === 1 ? "" : "s") : "";
  });
})();
