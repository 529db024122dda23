/* Rapport agent app, live: one websocket per tab (/ws/agent) keeps the page current.
 *
 * Include once on every signed-in page:
 *   <script src="/static/realtime/live.js" data-user="USER_ID" defer></script>
 * It relies on these ids and attributes of the agent templates:
 *   #views-nav                      sidebar views with counts         (refreshed)
 *   [data-list] / #main > .empty    the inbox list or its empty state (refreshed on inbox pages)
 *   .page-head                      title and status tabs with counts (refreshed on inbox pages)
 *   .convo[data-conversation=ID]    the conversation page
 *   #timeline > #message-ID         the timeline; new messages come from
 *                                   GET /conversations/ID/messages/MID (HX-Request: true)
 *   #conversation-head, #properties refreshed when someone else changes the conversation
 *   [data-row=ID]                   an inbox row, dropped when its conversation is deleted
 *   #composer, #composer-text, input[name=mode]   typing signals ("reply" or "note")
 *   .sidebar-foot                   where the presence, notification and sound toggles go
 *   [data-presence-user=ID]         any element that should show an agent's presence
 * Text from the server is put on screen with textContent; fragments are Django-escaped HTML.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.RapportLive) return;
  var ME = Number(script.getAttribute("data-user") || 0);
  var WS_URL = script.getAttribute("data-ws") ||
    (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws/agent";
  var HEARTBEAT_MS = 25000;
  var TYPING_SHOW_MS = 6000;
  var SOUND_KEY = "rapport.live.sound";

  var live = window.RapportLive = {
    socket: null, retries: 0, presence: {}, typing: {}, conversationId: 0,
    refreshTimer: 0, typingSent: 0, typingIdle: 0, connected: false
  };

  function $(selector, root) { return (root || document).querySelector(selector); }
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    for (var name in attrs || {}) node.setAttribute(name, attrs[name]);
    if (text != null) node.textContent = text;
    return node;
  }

  // ---- the socket ---------------------------------------------------------------------
  function connect() {
    var socket = new WebSocket(WS_URL);
    live.socket = socket;
    socket.onopen = function () {
      var again = live.retries > 0;
      live.retries = 0; live.connected = true;
      document.documentElement.classList.remove("live-offline");
      applyPresence();
      socket.heartbeat = setInterval(function () { send({ type: "ping" }); }, HEARTBEAT_MS);
      watchPage();
      if (again) refreshAll();  // whatever changed while we were away
    };
    socket.onmessage = function (event) {
      var frame; try { frame = JSON.parse(event.data); } catch (e) { return; }
      var handler = HANDLERS[frame.type];
      if (handler) handler(frame);
    };
    socket.onclose = function (event) {
      clearInterval(socket.heartbeat);
      live.connected = false;
      if (event.code === 4401) return;  // signed out: the next page load goes to the login
      document.documentElement.classList.add("live-offline");
      applyPresence();
      var delay = Math.min(30000, 1000 * Math.pow(2, live.retries)) * (0.5 + Math.random() / 2);
      live.retries += 1;
      setTimeout(connect, delay);
    };
  }
  function send(frame) {
    if (live.socket && live.socket.readyState === 1) live.socket.send(JSON.stringify(frame));
  }

  // ---- what page are we on ------------------------------------------------------------
  function conversationId() {
    var convo = $(".convo[data-conversation]");
    return convo ? Number(convo.getAttribute("data-conversation")) : 0;
  }
  function lastMessageId() {
    var last = 0;
    document.querySelectorAll("#timeline > [id^='message-']").forEach(function (item) {
      last = Math.max(last, Number(item.id.slice(8)) || 0);
    });
    return last;
  }
  function onInboxPage() { return !!($("[data-list]") || $("#main > .empty")); }

  function watchPage() {
    live.conversationId = conversationId();
    if (live.conversationId) {
      send({ type: "watch", conversation_id: live.conversationId, last_id: lastMessageId() });
      markRead(lastMessageId());
    } else send({ type: "unwatch" });
    bindComposer();
  }

  // ---- refreshing parts of the page ---------------------------------------------------
  function refresh(selectors) {
    return fetch(location.href, { credentials: "same-origin", headers: { "X-Rapport-Live": "1" } })
      .then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (html) {
        if (!html) return;
        var fresh = new DOMParser().parseFromString(html, "text/html");
        selectors.forEach(function (selector) { swap(selector, fresh); });
      }).catch(function () { /* offline: the next event or reconnect tries again */ });
  }
  function swap(selector, fresh) {
    var parts = selector.split("|");  // "a|b": whichever of the two exists
    var old = null, neu = null;
    parts.forEach(function (s) { old = old || $(s); neu = neu || $(s, fresh); });
    if (!old || !neu) return;
    if (old.contains(document.activeElement) && document.activeElement !== document.body) return;  // don't yank what the agent is using
    var node = document.importNode(neu, true);
    old.replaceWith(node);
    if (window.htmx) window.htmx.process(node);
  }
  function refreshList() {
    clearTimeout(live.refreshTimer);
    live.refreshTimer = setTimeout(function () {
      if (onInboxPage()) {
        var scroller = $("#main");
        if ((window.scrollY || 0) > 200 || (scroller && scroller.scrollTop > 200)) { newActivityPill(); return; }
        refresh([".page-head", "[data-list]|#main > .empty", "#views-nav"]);
      } else refresh(["#views-nav"]);
    }, 300);  // a burst of events is one refresh
  }
  function refreshConversation() {
    if (live.conversationId) refresh(["#conversation-head", "#properties"]);
  }
  function refreshAll() { refreshList(); refreshConversation(); }

  function newActivityPill() {
    if ($(".live-pill")) return;
    var pill = el("button", { type: "button", "class": "live-pill" }, "New activity — show");
    pill.addEventListener("click", function () {
      pill.remove(); window.scrollTo(0, 0);
      refresh([".page-head", "[data-list]|#main > .empty", "#views-nav"]);
    });
    document.body.appendChild(pill);
  }

  function addMessage(frame) {
    var timeline = $("#timeline");
    if (!timeline || frame.conversation_id !== live.conversationId) return;
    if (document.getElementById("message-" + frame.id)) return;  // already shown (our own reply)
    var url = "/conversations/" + frame.conversation_id + "/messages/" + frame.id;
    fetch(url, { credentials: "same-origin", headers: { "HX-Request": "true" } })
      .then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (html) {
        if (!html || document.getElementById("message-" + frame.id)) return;
        var holder = document.createElement("template");
        holder.innerHTML = html.trim();  // a server-rendered, autoescaped fragment
        var item = holder.content.firstElementChild;
        if (!item) return;
        var stick = timeline.scrollHeight - timeline.scrollTop - timeline.clientHeight < 120 ||
          window.innerHeight + window.scrollY >= document.body.scrollHeight - 120;
        var next = Array.prototype.find.call(timeline.children, function (child) {
          return Number(child.id.slice(8)) > frame.id;
        });
        timeline.insertBefore(item, next || null);
        item.classList.add("live-new");
        if (window.htmx) window.htmx.process(item);
        if (stick) item.scrollIntoView({ block: "nearest" });
        if (frame.direction === "in") markRead(frame.id);
      });
  }

  function markRead(messageId) {
    if (!document.hidden) send({ type: "read", conversation_id: live.conversationId, up_to: messageId });
    else live.unreadUpTo = messageId;
  }

  // ---- typing (collision) -------------------------------------------------------------
  function composerMode() {
    var checked = $("#composer input[name=mode]:checked");
    return checked && checked.value === "note" ? "note" : "reply";
  }
  function bindComposer() {
    var text = $("#composer-text");
    if (!text || text.liveBound) return;
    text.liveBound = true;
    text.addEventListener("input", function () {
      var now = Date.now();
      if (now - live.typingSent > 2500) {
        send({ type: "typing", conversation_id: live.conversationId, mode: composerMode(), active: true });
        live.typingSent = now;
      }
      clearTimeout(live.typingIdle);
      live.typingIdle = setTimeout(stopTyping, 4000);
    });
  }
  function stopTyping() {
    clearTimeout(live.typingIdle);
    if (!live.typingSent) return;
    live.typingSent = 0;
    send({ type: "typing", conversation_id: live.conversationId, mode: composerMode(), active: false });
  }
  function typingHint() {
    var composer = $("#composer");
    if (!composer) return null;
    var hint = $(".live-typing");
    if (!hint) {
      hint = el("div", { "class": "live-typing", role: "status", "aria-live": "polite" });
      composer.parentNode.insertBefore(hint, composer);
    }
    return hint;
  }
  function showTyping() {
    var hint = typingHint();
    if (!hint) return;
    var now = Date.now(), lines = [];
    for (var key in live.typing) {
      var who = live.typing[key];
      if (who.until < now) { delete live.typing[key]; continue; }
      if (who.from === "visitor") lines.push("The customer is typing…");
      else lines.push(who.name + (who.mode === "note" ? " is writing a note…" : " is replying…"));
    }
    hint.textContent = lines.join(" · ");
    hint.classList.toggle("is-collision", lines.some(function (l) { return l.indexOf("replying") > 0; }));
  }

  // ---- presence -----------------------------------------------------------------------
  function applyPresence() {
    document.querySelectorAll("[data-presence-user]").forEach(function (node) {
      var status = live.presence[node.getAttribute("data-presence-user")] || "offline";
      node.setAttribute("data-presence", status);
      node.setAttribute("title", (node.getAttribute("data-presence-name") || "") + " · " + status);
    });
    var toggle = $(".live-presence");
    if (toggle) {
      var mine = live.presence[String(ME)] || "offline";
      toggle.setAttribute("data-presence", mine);
      toggle.setAttribute("aria-pressed", String(mine === "online"));
      // Without a connection nobody sees our status: say so instead of a red "Online".
      toggle.querySelector("span").textContent =
        !live.connected ? (live.retries ? "Reconnecting…" : "Connecting…")
          : mine === "away" ? "Away" : "Online";
    }
  }

  // ---- notifications and sound --------------------------------------------------------
  function soundOn() { try { return localStorage.getItem(SOUND_KEY) === "on"; } catch (e) { return false; } }
  function beep() {
    if (!soundOn()) return;
    var Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) return;
    var ctx = live.audio || (live.audio = new Ctx());
    var osc = ctx.createOscillator(), gain = ctx.createGain();
    osc.frequency.value = 880; gain.gain.setValueAtTime(0.15, ctx.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.0001, ctx.currentTime + 0.35);
    osc.connect(gain); gain.connect(ctx.destination); osc.start(); osc.stop(ctx.currentTime + 0.35);
  }
  function notify(title, body, conversation) {
    beep();
    if (!("Notification" in window) || Notification.permission !== "granted") return;
    if (!document.hidden && conversation === live.conversationId) return;
    var note = new Notification(title, { body: body || "", tag: "rapport-" + conversation });
    note.onclick = function () { window.focus(); location.href = "/conversations/" + conversation; };
  }

  function controls() {
    var foot = $(".sidebar-foot");
    if (!foot || $(".live-controls")) return;
    var box = el("div", { "class": "live-controls" });
    var presence = el("button", { type: "button", "class": "nav-item live-presence", "aria-pressed": "true", title: "Switch between online and away" });
    presence.appendChild(el("i", { "aria-hidden": "true" }));
    presence.appendChild(el("span", {}, "Online"));
    presence.addEventListener("click", function () {
      var next = live.presence[String(ME)] === "away" ? "online" : "away";
      send({ type: "presence", status: next });
    });
    box.appendChild(presence);
    if ("Notification" in window && Notification.permission === "default") {
      var ask = el("button", { type: "button", "class": "nav-item live-notify" }, "Enable notifications");
      ask.addEventListener("click", function () {  // browsers only ask after a click
        Notification.requestPermission().then(function () { ask.remove(); });
      });
      box.appendChild(ask);
    }
    var sound = el("button", { type: "button", "class": "nav-item live-sound", "aria-pressed": String(soundOn()) }, "Sound");
    sound.addEventListener("click", function () {
      try { localStorage.setItem(SOUND_KEY, soundOn() ? "off" : "on"); } catch (e) { return; }
      sound.setAttribute("aria-pressed", String(soundOn()));
      beep();
    });
    box.appendChild(sound);
    foot.insertBefore(box, foot.firstChild);
  }

  // ---- a conversation an admin deleted ------------------------------------------------
  function conversationDeleted(id) {
    var row = $("[data-list] [data-row='" + Number(id) + "']");
    if (row) (row.closest("li") || row).remove();  // at once, even while the list waits to refresh
    refreshList();
    if (id !== live.conversationId) return;
    var convo = $(".convo[data-conversation]");
    if (!convo || !$("#timeline", convo) || $(".live-deleted", convo)) return;
    var notice = el("div", { "class": "live-deleted", role: "alert" }, "This conversation was deleted. ");
    notice.appendChild(el("a", { href: "/inbox" }, "Back to the inbox"));
    var timeline = $("#timeline", convo);  // under the conversation's head, above its messages
    timeline.parentNode.insertBefore(notice, timeline);
    convo.classList.add("is-deleted");
    stopTyping();
    // Nothing more can be written to it: the composer and the controls would only answer "not found".
    convo.querySelectorAll("#conversation-head button, #composer textarea, #composer button, #properties select, #properties button, #properties input")
      .forEach(function (control) { control.disabled = true; });
  }

  // ---- frames from the server ---------------------------------------------------------
  var HANDLERS = {
    hello: function (frame) { live.presence = frame.presence || {}; applyPresence(); },
    presence: function (frame) { live.presence[String(frame.user_id)] = frame.status; applyPresence(); },
    message: function (frame) {
      addMessage(frame);
      if (!frame.replay) refreshList();
      if (frame.direction === "in" && frame.conversation_id === live.conversationId) {
        delete live.typing.visitor; showTyping();
      }
    },
    mention: function (frame) {
      notify(frame.author + " mentioned you", frame.preview, frame.conversation_id);
    },
    assigned: function (frame) {
      notify("Assigned to you: #" + frame.conversation_id, frame.customer + " — " + frame.subject, frame.conversation_id);
    },
    conversation: function (frame) {
      if (frame.change === "deleted") { conversationDeleted(frame.conversation_id); return; }
      refreshList();
      if (frame.change === "created") notify("New conversation", frame.customer + ": " + frame.subject, frame.conversation_id);
      if (frame.conversation_id === live.conversationId && frame.actor_id !== ME) refreshConversation();
    },
    delivery_failed: function (frame) {
      refreshList();
      if (frame.conversation_id === live.conversationId) {
        var old = document.getElementById("message-" + frame.id);
        if (old) old.remove();
        addMessage(frame);
      }
    },
    typing: function (frame) {
      if (frame.conversation_id && frame.conversation_id !== live.conversationId) return;
      var key = frame.from === "visitor" ? "visitor" : "user" + frame.user_id;
      if (frame.active) live.typing[key] = { from: frame.from, name: frame.name, mode: frame.mode, until: Date.now() + TYPING_SHOW_MS };
      else delete live.typing[key];
      showTyping();
      setTimeout(showTyping, TYPING_SHOW_MS + 50);
    },
    receipt: function (frame) {
      if (frame.conversation_id !== live.conversationId) return;
      document.querySelectorAll("#timeline > .msg-out").forEach(function (item) {
        var id = Number(item.id.slice(8));
        var footer = item.querySelector(".delivery");
        if (!footer) return;
        var seen = footer.querySelector(".live-seen") || footer.appendChild(el("span", { "class": "live-seen" }));
        seen.textContent = id <= frame.read_up_to ? " · Seen" : (id <= frame.delivered_up_to ? " · Delivered" : "");
      });
    },
    error: function () { /* a refused watch: the page itself already said "not found" */ }
  };

  // ---- start --------------------------------------------------------------------------
  function start() {
    var css = el("link", { rel: "stylesheet", href: script.src.replace(/live\.js(\?.*)?$/, "live.css") });
    document.head.appendChild(css);
    controls();
    connect();
    document.addEventListener("htmx:beforeRequest", function (e) {
      if (e.target && e.target.closest && e.target.closest("#composer")) stopTyping();
    });
    document.addEventListener("htmx:afterSettle", function () {
      controls(); applyPresence(); bindComposer();
      if (conversationId() !== live.conversationId) watchPage();
    });
    document.addEventListener("visibilitychange", function () {
      if (!document.hidden && live.unreadUpTo) { markRead(live.unreadUpTo); live.unreadUpTo = 0; }
    });
    window.addEventListener("online", function () { if (!live.connected) { live.retries = 0; } });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
