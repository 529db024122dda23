/*! Rapport live chat widget. Add to any page:
 *  <script src="https://rapport.example/static/chat/widget.js" data-inbox="PUBLIC_KEY" async></script>
 * Optional: data-lang="de", data-user-id + data-user-hash (identity verification).
 * Plain JavaScript, no dependencies. Rendered in a Shadow DOM so the page's CSS can't reach it.
 * Every text from visitors or agents goes on screen through textContent, never as markup.
 */
(function () {
  "use strict";
  var script = document.currentScript || document.querySelector("script[data-inbox]");
  if (!script || window.RapportChatLoaded) return;
  window.RapportChatLoaded = true;

  var KEY = script.getAttribute("data-inbox") || "";
  var BASE = new URL(script.src, location.href).origin;
  var API = BASE + "/chat/v1/";
  var STORE = "rapport.chat." + KEY;
  var HEARTBEAT_MS = 25000;
  var TYPING_IDLE_MS = 3000;
  var ACK_MS = 4000;  // no answer over the socket by then: send again over HTTP

  var STRINGS = {
    en: {
      open: "Open chat", close: "Close chat", title: "Chat with us", online: "We're online",
      away: "We're away right now", closedHours: "We're closed right now",
      offline: "No one is available right now. Leave your e-mail address and we'll answer there.",
      email: "E-mail address", name: "Your name", save: "Save", saved: "Thanks! We'll reply to {email}.",
      start: "Start chat", prechat: "Tell us who you are, then ask away.",
      placeholder: "Write a message…", message: "Message", send: "Send", attach: "Attach a file",
      sending: "Sending…", delivered: "Delivered", read: "Read", failed: "Not sent. Tap to retry.",
      typing: "{name} is typing…", agent: "Support", you: "You", messages: "Messages",
      reconnecting: "Connection lost. Reconnecting…", resolved: "This conversation was closed. Write again any time.",
      tooBig: "That file is too large.", error: "Something went wrong. Please try again.",
      unread: "{n} unread"
    },
    de: {
      open: "Chat öffnen", close: "Chat schließen", title: "Schreiben Sie uns", online: "Wir sind online",
      away: "Gerade ist niemand da", closedHours: "Wir haben gerade geschlossen",
      offline: "Gerade ist niemand erreichbar. Hinterlassen Sie Ihre E-Mail-Adresse, wir antworten dorthin.",
      email: "E-Mail-Adresse", name: "Ihr Name", save: "Speichern", saved: "Danke! Wir antworten an {email}.",
      start: "Chat starten", prechat: "Sagen Sie uns, wer Sie sind, und fragen Sie los.",
      placeholder: "Nachricht schreiben…", message: "Nachricht", send: "Senden", attach: "Datei anhängen",
      sending: "Wird gesendet…", delivered: "Zugestellt", read: "Gelesen", failed: "Nicht gesendet. Tippen zum Wiederholen.",
      typing: "{name} schreibt…", agent: "Support", you: "Sie", messages: "Nachrichten",
      reconnecting: "Verbindung unterbrochen. Verbinde neu…", resolved: "Dieses Gespräch wurde beendet. Schreiben Sie uns jederzeit wieder.",
      tooBig: "Diese Datei ist zu groß.", error: "Etwas ist schiefgegangen. Bitte versuchen Sie es noch einmal.",
      unread: "{n} ungelesen"
    }
  };

  var CSS = [
    ":host{all:initial!important}",  // the page's CSS reaches the host element only; reset it
    "*{box-sizing:border-box;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif}",
    ".root{position:fixed;bottom:20px;z-index:2147483000;color:#111827;font-size:15px;line-height:1.4}",
    ".root.right{right:20px}.root.left{left:20px}",
    ".launcher{width:56px;height:56px;border-radius:50%;border:0;background:var(--accent);color:#fff;cursor:pointer;box-shadow:0 6px 20px rgba(0,0,0,.25);display:grid;place-items:center;position:relative}",
    ".launcher:focus-visible,button:focus-visible,textarea:focus-visible,input:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}",
    ".badge{position:absolute;top:-4px;right:-4px;min-width:20px;height:20px;border-radius:10px;background:#dc2626;color:#fff;font-size:12px;display:grid;place-items:center;padding:0 5px}",
    ".panel{position:absolute;bottom:72px;width:370px;max-width:calc(100vw - 40px);height:560px;max-height:calc(100vh - 110px);background:#fff;border-radius:14px;box-shadow:0 12px 40px rgba(0,0,0,.25);display:flex;flex-direction:column;overflow:hidden}",
    ".right .panel{right:0}.left .panel{left:0}",
    "[hidden]{display:none!important}",
    ".head{background:var(--accent);color:#fff;padding:14px 16px;display:flex;align-items:center;gap:10px}",
    ".head h2{margin:0;font-size:16px;font-weight:600}.head p{margin:2px 0 0;font-size:13px;opacity:.9}",
    ".head .grow{flex:1;min-width:0}",
    ".icon{background:transparent;border:0;color:inherit;cursor:pointer;width:36px;height:36px;border-radius:8px;display:grid;place-items:center}",
    ".icon:hover{background:rgba(255,255,255,.15)}",
    ".dot{display:inline-block;width:8px;height:8px;border-radius:50%;background:#9ca3af;margin-right:6px}.dot.on{background:#22c55e}",
    ".log{flex:1;overflow-y:auto;margin:0;padding:14px;list-style:none;display:flex;flex-direction:column;gap:8px;background:#f9fafb}",
    ".msg{max-width:82%;display:flex;flex-direction:column}",
    ".msg.visitor{align-self:flex-end;align-items:flex-end}.msg.agent{align-self:flex-start}",
    ".bubble{padding:8px 12px;border-radius:14px;white-space:pre-wrap;overflow-wrap:anywhere}",
    ".visitor .bubble{background:var(--accent);color:#fff;border-bottom-right-radius:4px}",
    ".agent .bubble{background:#fff;border:1px solid #e5e7eb;border-bottom-left-radius:4px}",
    ".meta{font-size:11px;color:#6b7280;margin-top:2px}",
    ".failed .meta{color:#b91c1c;cursor:pointer}",
    ".greeting .bubble{background:#eef2ff;border:0}",
    ".files{display:flex;flex-direction:column;gap:4px;margin-top:4px}",
    ".files a{color:inherit;font-size:13px}.files img{max-width:220px;max-height:180px;border-radius:8px;display:block}",
    ".typing{padding:0 16px 6px;font-size:12px;color:#6b7280;min-height:18px;background:#f9fafb}",
    ".notice{margin:0;padding:8px 14px;font-size:13px;background:#fef3c7;color:#78350f}",
    ".form{padding:12px 14px;border-top:1px solid #e5e7eb;display:flex;flex-direction:column;gap:8px;background:#fff}",
    ".form p{margin:0;font-size:13px;color:#374151}",
    "label{font-size:12px;color:#374151;display:flex;flex-direction:column;gap:3px}",
    "input[type=text],input[type=email]{font:inherit;padding:8px 10px;border:1px solid #d1d5db;border-radius:8px}",
    ".btn{font:inherit;border:0;border-radius:8px;padding:8px 14px;background:var(--accent);color:#fff;cursor:pointer;font-weight:600}",
    ".composer{display:flex;align-items:flex-end;gap:6px;padding:10px;border-top:1px solid #e5e7eb;background:#fff}",
    ".composer textarea{flex:1;font:inherit;resize:none;border:1px solid #d1d5db;border-radius:10px;padding:8px 10px;max-height:120px;min-height:40px}",
    ".composer .icon{color:#4b5563}.composer .icon:hover{background:#f3f4f6}",
    ".composer .send{color:var(--accent)}",
    ".sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}",
    "@media (max-width:480px){.root.open{inset:0}.root.open .launcher{display:none}.panel{position:fixed;inset:0;width:100%;max-width:none;height:100%;max-height:none;border-radius:0;bottom:0}}"
  ].join("\n");

  // ---- small helpers ------------------------------------------------------------------
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    for (var name in attrs || {}) node.setAttribute(name, attrs[name]);
    if (text != null) node.textContent = text;
    return node;
  }
  function svg(path) {
    var ns = "http://www.w3.org/2000/svg";
    var icon = document.createElementNS(ns, "svg"), attrs = { viewBox: "0 0 24 24", width: "22", height: "22",
      "aria-hidden": "true", fill: "none", stroke: "currentColor", "stroke-width": "2", "stroke-linecap": "round", "stroke-linejoin": "round" };
    for (var name in attrs) icon.setAttribute(name, attrs[name]);
    var p = document.createElementNS(ns, "path"); p.setAttribute("d", path); icon.appendChild(p);
    return icon;
  }
  var ICON = { chat: "M21 15a2 2 0 0 1-2 2H7l-4 4V5a2 2 0 0 1 2-2h14a2 2 0 0 1 2 2z", close: "M18 6 6 18M6 6l12 12",
    send: "M22 2 11 13M22 2l-7 20-4-9-9-4 20-7z",
    clip: "m21.44 11.05-9.19 9.19a6 6 0 0 1-8.49-8.49l9.19-9.19a4 4 0 0 1 5.66 5.66l-9.2 9.19a2 2 0 0 1-2.83-2.83l8.49-8.48" };
  function fmt(text, values) {
    return text.replace(/\{(\w+)\}/g, function (_, k) { return values[k] == null ? "" : String(values[k]); });
  }
  function load() {
    try { return JSON.parse(localStorage.getItem(STORE) || "{}") || {}; } catch (e) { return {}; }
  }
  function save() {
    try { localStorage.setItem(STORE, JSON.stringify({ token: state.token, lastId: state.lastId, contact: state.contact })); } catch (e) { /* private mode: this page only */ }
  }
  function uid() {
    var a = new Uint8Array(12); (window.crypto || window.msCrypto).getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  // ---- state --------------------------------------------------------------------------
  var stored = load();
  var state = {
    token: stored.token || "", lastId: stored.lastId || 0, contact: stored.contact || "",
    config: null, online: false, open: false, unread: 0, socket: null, retries: 0,
    known: {}, pending: {}, acks: {}, maxAgentId: 0, receipts: {}, typingTimer: 0, typingSent: 0, agentTypingTimer: 0
  };
  var t = STRINGS.en;
  var ui = {};

  function request(method, path, body, isForm) {
    var headers = {};
    if (state.token) headers.Authorization = "Bearer " + state.token;
    if (body && !isForm) headers["Content-Type"] = "application/json";
    return fetch(API + path, {
      method: method, headers: headers, credentials: "omit", mode: "cors",
      body: body ? (isForm ? body : JSON.stringify(body)) : undefined
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) {
          // Every refusal is JSON with a reason meant for the visitor (400, 413, 429), and
          // 503 says when to try again (Retry-After, exposed by the CORS headers).
          var error = new Error(data.error || t.error);
          error.status = response.status;
          error.retryAfter = Number(response.headers.get("Retry-After")) || 0;
          throw error;
        }
        return data;
      });
    });
  }

  // ---- building the UI ----------------------------------------------------------------
  function build(config) {
    var lang = (script.getAttribute("data-lang") || config.language || "en").slice(0, 2);
    t = STRINGS[lang] || STRINGS.en;
    var host = el("rapport-chat", {});  // a custom tag: page rules for div/aside never match it
    var shadow = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;
    shadow.appendChild(el("style", {}, CSS));
    var root = el("div", { "class": "root " + config.position, lang: lang });
    root.style.setProperty("--accent", config.color);
    ui.root = root;

    ui.launcher = el("button", { "class": "launcher", type: "button", "aria-label": t.open, "aria-expanded": "false", "aria-controls": "rc-panel" });
    ui.launcher.appendChild(svg(ICON.chat));
    ui.launcher.appendChild(ui.badge = el("span", { "class": "badge", hidden: "" }));
    ui.launcher.addEventListener("click", function () { toggle(!state.open); });

    var panel = ui.panel = el("div", { "class": "panel", id: "rc-panel", role: "dialog", "aria-labelledby": "rc-title" });
    panel.hidden = true;
    var head = el("div", { "class": "head" });
    var titles = el("div", { "class": "grow" });
    titles.appendChild(el("h2", { id: "rc-title" }, config.name || t.title));
    titles.appendChild(ui.status = el("p", {}));
    var close = el("button", { "class": "icon", type: "button", "aria-label": t.close });
    close.appendChild(svg(ICON.close));
    close.addEventListener("click", function () { toggle(false); });
    head.appendChild(titles); head.appendChild(close);

    ui.notice = el("p", { "class": "notice", role: "status", "aria-live": "polite", hidden: "" });
    ui.log = el("ol", { "class": "log", role: "log", "aria-live": "polite", "aria-label": t.messages });
    if (config.greeting) ui.log.appendChild(bubble("agent greeting", config.greeting, config.name || t.agent, null));
    ui.typing = el("div", { "class": "typing", "aria-live": "polite" });

    panel.appendChild(head); panel.appendChild(ui.notice); panel.appendChild(ui.log); panel.appendChild(ui.typing);
    panel.appendChild(ui.contactForm = contactForm(config));
    panel.appendChild(ui.composer = composer(config));
    panel.addEventListener("keydown", function (e) {
      if (e.key === "Escape") { e.preventDefault(); toggle(false); }
    });
    root.appendChild(panel); root.appendChild(ui.launcher);
    shadow.appendChild(root);
    document.body.appendChild(host);
    setAvailability(config);
  }

  function contactForm(config) {
    var form = el("form", { "class": "form", novalidate: "" });
    ui.contactIntro = el("p", {});
    var nameLabel = el("label", {}, t.name), emailLabel = el("label", {}, t.email);
    nameLabel.appendChild(ui.nameInput = el("input", { type: "text", name: "name", autocomplete: "name", maxlength: "200" }));
    emailLabel.appendChild(ui.emailInput = el("input", { type: "email", name: "email", autocomplete: "email", maxlength: "254" }));
    ui.contactButton = el("button", { "class": "btn", type: "submit" }, t.save);
    form.appendChild(ui.contactIntro); form.appendChild(nameLabel); form.appendChild(emailLabel); form.appendChild(ui.contactButton);
    form.addEventListener("submit", function (e) { e.preventDefault(); sendContact(); });
    form.hidden = true;
    return form;
  }

  function composer(config) {
    var form = el("form", { "class": "composer" });
    var fileLabel = el("label", { "class": "icon", title: t.attach });
    fileLabel.appendChild(svg(ICON.clip));
    fileLabel.appendChild(el("span", { "class": "sr" }, t.attach));
    ui.file = el("input", { type: "file", "class": "sr", accept: "image/*,application/pdf,text/plain" });
    ui.file.addEventListener("change", function () { if (ui.file.files[0]) sendFile(ui.file.files[0]); ui.file.value = ""; });
    fileLabel.appendChild(ui.file);
    ui.input = el("textarea", { rows: "1", placeholder: t.placeholder, "aria-label": t.message, maxlength: String(config.max_chars || 5000) });
    ui.input.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); submitText(); }
    });
    ui.input.addEventListener("input", onTyping);
    var send = el("button", { "class": "icon send", type: "submit", "aria-label": t.send });
    send.appendChild(svg(ICON.send));
    form.appendChild(fileLabel); form.appendChild(ui.input); form.appendChild(send);
    form.addEventListener("submit", function (e) { e.preventDefault(); submitText(); });
    return form;
  }

  function bubble(kind, text, author, when) {
    var item = el("li", { "class": "msg " + kind });
    if (author) item.appendChild(el("span", { "class": "sr" }, author + ": "));
    item.appendChild(el("div", { "class": "bubble" }, text));
    var meta = el("div", { "class": "meta" });
    if (when) {
      var date = new Date(when);
      meta.appendChild(el("time", { datetime: date.toISOString() }, date.toLocaleTimeString(ui.root.lang, { hour: "2-digit", minute: "2-digit" })));
    }
    meta.appendChild(el("span", { "class": "mark" }));
    item.appendChild(meta);
    return item;
  }

  function files(item, attachments) {
    if (!attachments || !attachments.length) return;
    var box = el("div", { "class": "files" });
    attachments.forEach(function (file) {
      var link = el("a", { href: BASE + file.url, target: "_blank", rel: "noopener noreferrer" });
      if (file.image) link.appendChild(el("img", { src: BASE + file.url, alt: file.name, loading: "lazy" }));
      else link.textContent = "📎 " + file.name;
      box.appendChild(link);
    });
    item.querySelector(".bubble").appendChild(box);
  }

  function nearBottom() { return ui.log.scrollHeight - ui.log.scrollTop - ui.log.clientHeight < 80; }
  function scrollDown() { ui.log.scrollTop = ui.log.scrollHeight; }
  // ---- messages -----------------------------------------------------------------------
  function show(message) {
    if (state.known[message.id]) return;  // replay after a reconnect, or our own echo
    var stick = nearBottom(), fromVisitor = message.from === "visitor";
    var item = fromVisitor && message.client_id && state.pending[message.client_id];
    var fresh = bubble(fromVisitor ? "visitor" : "agent", message.text, fromVisitor ? t.you : (message.author || t.agent), message.created_at);
    files(fresh, message.attachments);
    fresh.setAttribute("data-id", message.id);
    if (item) { ui.log.replaceChild(fresh, item); delete state.pending[message.client_id]; }
    else insertInOrder(fresh, message.id);
    state.known[message.id] = fresh;
    if (message.id > state.lastId) { state.lastId = message.id; save(); }
    if (fromVisitor) mark(fresh, message.id);
    else {
      state.maxAgentId = Math.max(state.maxAgentId, message.id);
      hideTyping();
      if (!state.open || document.hidden) { state.unread += 1; badge(); }
      acknowledge();
    }
    if (stick || fromVisitor) scrollDown();
  }

  function insertInOrder(item, id) {
    // Keep server order (ids); messages still being sent stay at the bottom.
    var nodes = ui.log.querySelectorAll("[data-id], .pending");
    for (var i = 0; i < nodes.length; i++) {
      var other = nodes[i].getAttribute("data-id");
      if (!other || Number(other) > id) { ui.log.insertBefore(item, nodes[i]); return; }
    }
    ui.log.appendChild(item);
  }

  function mark(item, id) {
    var read = Object.keys(state.receipts).some(function (c) { return state.receipts[c].agent_read_up_to >= id; });
    item.querySelector(".mark").textContent = " · " + (read ? t.read + " ✓✓" : t.delivered + " ✓");
  }
  function remark() {
    for (var id in state.known) if (state.known[id].classList.contains("visitor")) mark(state.known[id], Number(id));
  }

  function acknowledge() {
    if (!state.maxAgentId) return;
    send({ type: "seen", id: state.maxAgentId, read: state.open && !document.hidden });
  }

  function submitText() {
    var text = ui.input.value.trim();
    if (!text) return;
    ui.input.value = "";
    stopTyping();
    post({ text: text, client_id: uid() });
  }

  function post(body, item) {
    item = item || bubble("visitor pending", body.text, t.you, null);
    item.classList.remove("failed");
    item.querySelector(".mark").textContent = t.sending;
    if (!item.parentNode) { ui.log.appendChild(item); scrollDown(); }
    state.pending[body.client_id] = item;
    body.page = location.href;
    return viaSocket(body).catch(function (error) {
      if (error.final) throw error;  // refused by the server: HTTP would say the same
      return session().then(function () {
        return request("POST", "messages", body);
      }).then(function (data) { return data.message; });
    }).then(function (message) {
      message.client_id = body.client_id;
      show(message);
    }).catch(function (error) {
      item.classList.add("failed");
      item.querySelector(".mark").textContent = t.failed;
      var again = function () { clearTimeout(item.retryTimer); item.onclick = null; post(body, item); };
      item.onclick = again;
      notice(error.message);
      // Briefly unavailable (503): try again by itself when the server says, within a minute.
      if (error.status === 503) item.retryTimer = setTimeout(again, Math.min(error.retryAfter || 5, 60) * 1000);
    });
  }

  // Over the signed-in socket; rejects (to fall back on HTTP) when there is none, it closes
  // or no answer comes within ACK_MS. The client_id makes sending twice store it once.
  function viaSocket(body) {
    return new Promise(function (resolve, reject) {
      var socket = state.socket, id = body.client_id;
      if (!socket || socket.readyState !== 1 || !socket.ready) { reject(new Error(t.error)); return; }
      var done = state.acks[id] = function (frame) {
        clearTimeout(timer); delete state.acks[id];
        if (frame.type === "ack") { resolve(frame.message); return; }
        var error = new Error(frame.error || t.error);
        error.final = frame.type === "error" && !frame.retry;
        reject(error);
      };
      var timer = setTimeout(done, ACK_MS, {});
      socket.send(JSON.stringify({ type: "message", text: body.text, client_id: id, page: body.page }));
    });
  }

  function sendFile(file) {
    if (state.config && file.size > state.config.max_file_bytes) { notice(t.tooBig); return; }
    var clientId = uid();
    var item = bubble("visitor pending", "📎 " + file.name, t.you, null);
    item.querySelector(".mark").textContent = t.sending;
    ui.log.appendChild(item); scrollDown();
    state.pending[clientId] = item;
    session().then(function () {
      var form = new FormData();
      form.append("file", file); form.append("client_id", clientId);
      return request("POST", "attachments", form, true);
    }).then(function (data) {
      data.message.client_id = clientId;
      show(data.message);
    }).catch(function (error) {
      item.classList.add("failed"); item.querySelector(".mark").textContent = error.message;
      notice(error.message);
    });
  }

  function sendContact() {
    var email = ui.emailInput.value.trim(), name = ui.nameInput.value.trim();
    if (!email && !name) { ui.emailInput.focus(); return; }
    session().then(function () {
      return request("POST", "contact", { name: name, email: email });
    }).then(function (data) {
      state.contact = data.email || data.name || "1"; save();
      ui.contactForm.hidden = true;
      notice(data.email ? fmt(t.saved, { email: data.email }) : "");
      ui.input.focus();
    }).catch(function (error) { notice(error.message); });
  }

  function notice(text) { ui.notice.textContent = text || ""; ui.notice.hidden = !text; }

  function badge() {
    ui.badge.hidden = state.unread === 0;
    ui.badge.textContent = state.unread > 9 ? "9+" : String(state.unread);
    ui.launcher.setAttribute("aria-label", state.unread ? t.open + " (" + fmt(t.unread, { n: state.unread }) + ")" : t.open);
  }

  function setAvailability(data) {
    state.online = !!data.online;
    ui.status.textContent = "";
    ui.status.appendChild(el("span", { "class": "dot" + (state.online ? " on" : "") }));
    ui.status.appendChild(document.createTextNode(state.online ? t.online : (data.open === false ? t.closedHours : t.away)));
    var needPrechat = state.config.prechat_form && !state.contact;
    var needEmail = !state.online && !state.contact;
    ui.contactForm.hidden = !(needPrechat || needEmail);
    ui.contactIntro.textContent = needEmail ? t.offline : t.prechat;
    ui.contactButton.textContent = needPrechat && state.online ? t.start : t.save;
  }

  // ---- opening and closing ------------------------------------------------------------
  function toggle(open) {
    state.open = open;
    ui.panel.hidden = !open;
    ui.root.classList.toggle("open", open);
    ui.launcher.setAttribute("aria-expanded", String(open));
    if (open) {
      state.unread = 0; badge();
      history();
      connect();
      scrollDown();
      (ui.contactForm.hidden ? ui.input : ui.emailInput).focus();
      acknowledge();
    } else {
      ui.launcher.focus();
    }
  }

  // ---- session, history, socket -------------------------------------------------------
  var starting = null;
  function session() {
    if (state.token) return Promise.resolve(state.token);
    if (!starting) {
      var body = {};
      var userId = script.getAttribute("data-user-id");
      if (userId) { body.user_id = userId; body.user_hash = script.getAttribute("data-user-hash") || ""; }
      starting = request("POST", "inboxes/" + encodeURIComponent(KEY) + "/sessions", body).then(function (data) {
        state.token = data.token; save();
        connect();
        return state.token;
      }).finally(function () { starting = null; });
    }
    return starting;
  }

  var historyLoaded = false;
  function history() {
    if (!state.token || historyLoaded) return;
    historyLoaded = true;
    request("GET", "messages").then(function (data) {
      receipts(data.receipts);
      data.messages.forEach(show);
      state.unread = 0; badge();
      scrollDown();
    }).catch(function (error) {
      historyLoaded = false;
      if (error.status === 403) { state.token = ""; save(); }  // expired token: start afresh
    });
  }

  function receipts(list) { (list || []).forEach(function (r) { state.receipts[r.conversation_id] = r; }); remark(); }

  function send(frame) {
    if (state.socket && state.socket.readyState === 1 && state.socket.authed) state.socket.send(JSON.stringify(frame));
  }

  function connect() {
    if (!state.token || (state.socket && state.socket.readyState <= 1)) return;
    var socket = new WebSocket(BASE.replace(/^http/, "ws") + "/ws/chat");
    state.socket = socket;
    socket.onopen = function () {
      socket.send(JSON.stringify({ type: "auth", token: state.token, last_id: state.lastId }));
      socket.authed = true;
      socket.heartbeat = setInterval(function () { send({ type: "ping" }); }, HEARTBEAT_MS);
    };
    socket.onmessage = function (event) {
      var frame; try { frame = JSON.parse(event.data); } catch (e) { return; }
      if (frame.type === "ready") { socket.ready = true; state.retries = 0; notice(""); setAvailability(frame); }
      else if ((frame.type === "ack" || frame.type === "error") && state.acks[frame.client_id]) state.acks[frame.client_id](frame);
      else if (frame.type === "message") show(frame);
      else if (frame.type === "receipt") receipts([frame]);
      else if (frame.type === "typing") { if (frame.active) showTyping(); else hideTyping(); }
      else if (frame.type === "availability") setAvailability(frame);
      else if (frame.type === "status" && frame.status === "resolved") notice(t.resolved);
    };
    socket.onclose = function (event) {
      clearInterval(socket.heartbeat);
      for (var id in state.acks) state.acks[id]({});  // unanswered: they go over HTTP now
      if (state.socket !== socket) return;
      state.socket = null;
      if (event.code === 4401) { state.token = ""; save(); return; }  // token refused: a new one on next send
      if (event.code === 4403) return;
      if (state.retries > 0) notice(t.reconnecting);
      // Backoff with jitter so a restarted server is not hit by every widget at once.
      var delay = Math.min(30000, 1000 * Math.pow(2, state.retries)) * (0.5 + Math.random() / 2);
      state.retries += 1;
      setTimeout(connect, delay);
    };
  }

  // ---- typing -------------------------------------------------------------------------
  function onTyping() {
    var now = Date.now();
    if (now - state.typingSent > 2000) { send({ type: "typing", active: true }); state.typingSent = now; }
    clearTimeout(state.typingTimer);
    state.typingTimer = setTimeout(stopTyping, TYPING_IDLE_MS);
  }
  function stopTyping() {
    clearTimeout(state.typingTimer);
    if (state.typingSent) { send({ type: "typing", active: false }); state.typingSent = 0; }
  }
  function showTyping() {
    ui.typing.textContent = fmt(t.typing, { name: t.agent });
    clearTimeout(state.agentTypingTimer);
    state.agentTypingTimer = setTimeout(hideTyping, 6000);
  }
  function hideTyping() { ui.typing.textContent = ""; }
  // ---- start --------------------------------------------------------------------------
  function start() {
    request("GET", "inboxes/" + encodeURIComponent(KEY) + "/widget").then(function (config) {
      state.config = config;
      build(config);
      if (state.token || script.getAttribute("data-user-id")) {
        // A returning visitor: listen now, so a reply while the panel is closed shows a badge.
        session().then(function () { connect(); history(); });
      }
      document.addEventListener("visibilitychange", function () { if (!document.hidden && state.open) acknowledge(); });
      window.addEventListener("online", function () { state.retries = 0; connect(); });
      window.RapportChat = { open: function () { toggle(true); }, close: function () { toggle(false); } };
    }).catch(function () { /* inbox switched off: show nothing */ });
  }
  if (document.body) start(); else document.addEventListener("DOMContentLoaded", start);
})();
