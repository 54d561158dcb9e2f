// The sandbox page: a small Slack look-alike. The server renders Block Kit
// to HTML; this script shows it, keeps it live (long polling) and sends what
// the person does (slash commands, clicks, modal changes and submissions).
"use strict";

const $ = (sel, root = document) => root.querySelector(sel);
const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));

const ui = {
  me: localStorage.getItem("sandbox.me") || "U0RITA001",
  pane: localStorage.getItem("sandbox.pane") || "C0DBOPS01", // a channel ID, "dm", "estate" or "log"
  homeTab: "home",
  thread: null, // {channel, ts}
  state: null,
  version: "",
  rendered: {}, // what is on screen, to skip unchanged parts
  modalID: "", modalHash: "",
  values: {}, // the open modal's inputs: block -> action -> field
  seen: {}, // user -> channel -> message count seen
  poll: null,
};

// ---- talking to the sandbox

async function act(body) {
  body.user = ui.me;
  try {
    const r = await fetch("/api/act", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
    const out = await r.json().catch(() => ({}));
    if (!r.ok) { toast(out.error || r.statusText); return null; }
    return out;
  } catch (e) { toast(String(e)); return null; }
}

async function loop() {
  for (;;) {
    const ctrl = new AbortController();
    ui.poll = ctrl;
    const user = ui.me;
    try {
      const r = await fetch(`/api/state?user=${encodeURIComponent(user)}&since=${encodeURIComponent(ui.version)}`, { signal: ctrl.signal });
      if (!r.ok) throw new Error(r.statusText);
      const out = await r.json();
      if (user !== ui.me) continue;
      ui.version = out.version;
      ui.state = out.state;
      render();
    } catch (e) {
      if (e.name !== "AbortError") { await new Promise((res) => setTimeout(res, 1000)); }
    }
  }
}

function refresh() { ui.version = ""; if (ui.poll) ui.poll.abort(); }

function toast(text) {
  const t = $("#toast");
  t.textContent = text;
  t.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { t.hidden = true; }, 6000);
}

// ---- rendering

function render() {
  const st = ui.state;
  if (!st) return;
  renderPeople(st);
  renderSidebar(st);
  renderMain(st);
  renderThread(st);
  renderModal(st);
}

function person(id) { return ui.state.people.find((p) => p.ID === id); }

function renderPeople(st) {
  const html = st.people.map((p) => `<button class="person" aria-pressed="${p.ID === ui.me}" data-person="${p.ID}" title="${esc(p.Role)} · ${esc(p.TZ)}">` +
    `<span class="av">${esc(p.Initial)}</span><span>${esc(p.RealName)}<small>${esc(p.Role)} · ${esc(p.TZ)} ${esc(p.LocalTime)}</small></span></button>`).join("");
  if (ui.rendered.people !== html) { $("#people").innerHTML = html; ui.rendered.people = html; }
}

function channelOf(id) { return ui.state.channels.find((c) => c.id === id); }

function unread(c) {
  const seen = ((ui.seen[ui.me] || {})[c.id]) || 0;
  return c.id === ui.pane ? 0 : Math.max(0, count(c) - seen);
}

function count(c) { return c.messages.reduce((n, m) => n + 1 + (m.replies ? m.replies.length : 0), 0); }

function renderSidebar(st) {
  const item = (c, label) => {
    const n = unread(c);
    return `<button class="side-item${ui.pane === c.id ? " active" : ""}${n ? " unread" : ""}" data-pane="${c.id}">${label}${n ? `<span class="badge">${n}</span>` : ""}</button>`;
  };
  const chans = st.channels.filter((c) => !c.dm).map((c) => item(c, `# ${esc(c.name)}`)).join("");
  const apps = st.channels.filter((c) => c.dm).map((c) => item(c, `<span class="av bot" style="width:18px;height:18px;font-size:10px">DB</span> db-restore`)).join("");
  const html = chans + "|" + apps;
  if (ui.rendered.sidebar !== html) {
    $("#channels").innerHTML = chans;
    $("#apps").innerHTML = apps;
    ui.rendered.sidebar = html;
  }
  $$(".sidebar > .side-item").forEach((b) => b.classList.toggle("active", b.dataset.pane === ui.pane));
}

function messageHTML(m, inThread) {
  const author = m.bot ? `<b>${esc(m.author)}</b> <span class="app-badge">APP</span>` : `<b>${esc(m.author)}</b>`;
  const av = m.bot ? `<span class="av bot">DB</span>` : `<span class="av">${esc(m.author.slice(0, 1).toUpperCase())}</span>`;
  let replies = "";
  if (!inThread && m.replies && m.replies.length) {
    replies = `<button class="replies" data-thread="${m.ts}" data-channel="${m.channel}">${m.replies.length} ${m.replies.length === 1 ? "reply" : "replies"}</button>`;
  }
  const eph = m.ephemeral ? `<div class="eph-note">👁 Only visible to you</div>` : "";
  const more = m.ephemeral ? "" : `<button class="msg-more" data-shortcut title="Message shortcuts" aria-label="Restore… (message shortcut)">⋮ Restore…</button>`;
  return `<div class="msg${m.ephemeral ? " ephemeral" : ""}" data-ts="${m.ts}" data-channel="${m.channel}">${more}${av}<div class="msg-body">` +
    `<div class="msg-head">${author} <span class="time">${esc(m.time)}</span>${m.edited ? ' <span class="edited">(edited)</span>' : ""}</div>` +
    `<div class="msg-content">${m.html}</div>${eph}${replies}</div></div>`;
}

function renderMain(st) {
  const box = $("#messages"), head = $("#chan-head"), composer = $("#composer"), tabs = $("#hometabs");
  let headHTML, bodyHTML, showComposer = true, showTabs = false;
  if (ui.pane === "estate") {
    showComposer = false;
    headHTML = `<h1>⚙ Estate &amp; faults</h1><p>The GaussDB emulator's instances, and faults to arm for the next call</p>`;
    bodyHTML = estateHTML(st);
  } else if (ui.pane === "log") {
    showComposer = false;
    headHTML = `<h1>📜 Bot log</h1><p>The real bot's log lines (last 400)</p>`;
    bodyHTML = `<div class="pane log">${esc(st.log.join("\n"))}</div>`;
  } else {
    const c = channelOf(ui.pane) || st.channels[0];
    ui.pane = c.id;
    const seen = (ui.seen[ui.me] = ui.seen[ui.me] || {});
    seen[c.id] = count(c);
    if (c.dm) {
      showTabs = true;
      headHTML = `<h1><span class="av bot" style="width:22px;height:22px;font-size:11px">DB</span> db-restore</h1><p>${esc(c.purpose)}</p>`;
      if (ui.homeTab === "home") {
        showComposer = false;
        bodyHTML = st.home ? `<div class="pane home">${st.home}</div>` : `<div class="empty">The bot has not published a Home tab for ${esc(person(ui.me).RealName)}.</div>`;
      }
    } else {
      headHTML = `<h1># ${esc(c.name)}</h1><p>${esc(c.purpose)}</p>`;
    }
    if (bodyHTML === undefined) {
      bodyHTML = c.messages.length ? c.messages.map((m) => messageHTML(m, false)).join("") :
        `<div class="empty">Nothing here yet.${c.id === "C0DBOPS01" ? " Type <code>/db-restore</code> below." : ""}</div>`;
    }
    $("#box").placeholder = c.dm ? "Message db-restore" : `Message #${c.name}`;
  }
  if (ui.rendered.head !== headHTML) { head.innerHTML = headHTML; ui.rendered.head = headHTML; }
  tabs.hidden = !showTabs;
  $$("#hometabs button").forEach((b) => b.classList.toggle("on", b.dataset.tab === ui.homeTab));
  composer.hidden = !showComposer;
  if (ui.rendered.body !== bodyHTML) {
    const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80 || ui.rendered.bodyPane !== ui.pane;
    box.innerHTML = bodyHTML;
    ui.rendered.body = bodyHTML;
    ui.rendered.bodyPane = ui.pane;
    if (atBottom) box.scrollTop = box.scrollHeight;
  }
}

function estateHTML(st) {
  const armed = st.armed.length ? `<div class="armed">Armed for the next call: <b>${st.armed.map(esc).join(", ")}</b></div>` : "";
  const fault = (id, label, style) => `<button type="button" class="bk-btn${style ? " bk-btn-" + style : ""}" data-fault="${id}">${label}</button>`;
  const rows = st.estate.map((i) => `<tr><td><b>${esc(i.Name)}</b><br><code>${esc(i.ID)}</code></td><td>${esc(i.Version)}</td>` +
    `<td>${esc(i.Status)}</td><td>${esc(i.CaseSensitive)}</td><td>${esc(i.Tags)}</td></tr>`).join("");
  return `<div class="pane"><h3>Make the next call fail</h3>${armed}<div class="faults">` +
    fault("restore-400", "Next restore call → 400", "danger") + fault("restore-500", "Next restore call → 500", "danger") +
    fault("restore-timeout", "Next restore call times out (no answer; the bot gives up at 60 s)", "danger") +
    fault("job-fail", "Next restore job fails") + fault("backup-fail", "Next safety backup fails") + `</div>` +
    `<h3>Instances</h3><table><tr><th>name / ID</th><th>version</th><th>status</th><th>case-sensitive table names</th><th>tags</th></tr>${rows}</table>` +
    `<p>Each instance has four nightly backups (one of orders-prod failed) and is restorable from 7 days ago until a minute ago ` +
    `(legacy-billing has a gap). A restore job runs about a minute; a safety backup a few seconds.</p>` +
    `<p>Policy: production (tag <code>env=prod</code> or a name ending in <code>-prod</code>) needs 2 approvals and a safety backup; ` +
    `<code>payments-*</code> is frozen; everything else needs 1 approval from Alice or @dba-oncall. Olly may not request. ` +
    `Rita and Ada may use <code>break_glass="…"</code>.</p></div>`;
}

function renderThread(st) {
  const pane = $("#thread");
  if (!ui.thread) { pane.hidden = true; ui.rendered.thread = ""; return; }
  const c = st.channels.find((x) => x.messages.some((m) => m.ts === ui.thread.ts && m.channel === ui.thread.channel));
  const parent = c && c.messages.find((m) => m.ts === ui.thread.ts);
  if (!parent) { ui.thread = null; pane.hidden = true; return; }
  const replies = parent.replies || [];
  const html = `<div class="thread-head"><h2>Thread <small class="time"># ${esc(c.name)}</small></h2><button class="icon-btn" data-close-thread aria-label="Close thread">✕</button></div>` +
    `<div class="thread-body">${messageHTML(parent, true)}<div class="count">${replies.length} ${replies.length === 1 ? "reply" : "replies"}</div>` +
    replies.map((m) => messageHTML(m, true)).join("") + `</div>`;
  pane.hidden = false;
  if (ui.rendered.thread !== html) {
    pane.innerHTML = html;
    ui.rendered.thread = html;
    const body = $(".thread-body", pane);
    body.scrollTop = body.scrollHeight;
  }
}

// ---- modals

function renderModal(st) {
  const m = st.modal, overlay = $("#overlay"), box = $("#modal");
  if (!m) {
    overlay.hidden = true;
    ui.modalID = ui.modalHash = "";
    ui.values = {};
    return;
  }
  if (m.id === ui.modalID && m.hash === ui.modalHash) return;
  if (m.id !== ui.modalID) ui.values = {};
  else collectInto(ui.values);
  ui.modalID = m.id;
  ui.modalHash = m.hash;
  box.innerHTML = `<form class="modal-form" data-view="${m.id}" novalidate><div class="modal-head"><h2>${m.title}</h2>` +
    `<button type="button" class="icon-btn" data-close-view aria-label="Close">✕</button></div>` +
    `<div class="modal-body">${m.html}</div><div class="modal-foot">` +
    `<button type="button" class="bk-btn" data-close-view>${m.close || "Cancel"}</button>` +
    (m.submit ? `<button type="submit" class="bk-btn bk-btn-primary">${m.submit}</button>` : "") + `</div></form>`;
  restoreValues(box);
  overlay.hidden = false;
}

// field reads one element's value.
function field(el) {
  const type = el.dataset.act;
  switch (type) {
    case "static_select": case "overflow": {
      const o = el.selectedOptions[0];
      return { type, value: el.value || "", label: o && el.value ? o.textContent : "" };
    }
    case "external_select":
      return { type, value: el.dataset.value || "", label: el.dataset.value ? $("input", el).value : "" };
    case "multi_external_select": {
      const chips = $$(".bk-chip", el);
      return { type, values: chips.map((c) => c.dataset.value), labels: chips.map((c) => $(".bk-chip-text", c).textContent) };
    }
    case "multi_static_select":
      return { type, values: Array.from(el.selectedOptions).map((o) => o.value), labels: Array.from(el.selectedOptions).map((o) => o.textContent) };
    case "radio_buttons": {
      const c = $("input:checked", el);
      return { type, value: c ? c.value : "", label: c ? c.closest("label").querySelector(".bk-choice-text").textContent : "" };
    }
    case "checkboxes":
      return { type, values: $$("input:checked", el).map((c) => c.value) };
    default:
      return { type, value: el.value || "" };
  }
}

// collectInto gathers the open modal's input elements into values.
function collectInto(values) {
  $$("#modal [data-input] [data-act]").forEach((el) => {
    const b = el.dataset.block, a = el.dataset.action;
    (values[b] = values[b] || {})[a] = field(el);
  });
  return values;
}

function modalState() { return collectInto({}); }

// restoreValues puts back what the person had entered when the bot updated
// the modal (Slack keeps inputs whose block_id and action_id stay the same).
function restoreValues(root) {
  $$("[data-input] [data-act]", root).forEach((el) => {
    const f = (ui.values[el.dataset.block] || {})[el.dataset.action];
    if (!f) return;
    switch (f.type) {
      case "static_select":
        if (f.value && $$("option", el).some((o) => o.value === f.value)) el.value = f.value;
        break;
      case "external_select":
        if (f.value) { el.dataset.value = f.value; $("input", el).value = f.label; }
        break;
      case "radio_buttons": {
        const r = $$("input", el).find((i) => i.value === f.value);
        if (r) r.checked = true;
        break;
      }
      case "checkboxes":
        $$("input", el).forEach((i) => { i.checked = (f.values || []).includes(i.value); });
        break;
      case "multi_static_select":
        $$("option", el).forEach((o) => { o.selected = (f.values || []).includes(o.value); });
        break;
      case "multi_external_select":
        $(".bk-chips", el).innerHTML = (f.values || []).map((v, i) => chipHTML(v, (f.labels || [])[i] || v)).join("");
        break;
      default:
        if (f.value) el.value = f.value;
    }
  });
}

async function dispatch(el) {
  const form = el.closest("form.modal-form");
  if (form) {
    collectInto(ui.values);
    await act({ kind: "action", view: form.dataset.view, block: el.dataset.block, action: el.dataset.action,
      value: field(el).value || "", state: modalState() });
    return;
  }
  const home = el.closest("[data-home-view]");
  if (home) {
    await act({ kind: "action", view: home.dataset.homeView, block: el.dataset.block, action: el.dataset.action,
      value: el.dataset.value || field(el).value || "", state: {} });
    return;
  }
  const msg = el.closest(".msg");
  if (!msg) return;
  await act({ kind: "action", channel: msg.dataset.channel, ts: msg.dataset.ts, block: el.dataset.block,
    action: el.dataset.action, value: el.dataset.value || field(el).value || "" });
}

function chipHTML(value, label) {
  return `<span class="bk-chip" data-value="${esc(value)}"><span class="bk-chip-text">${esc(label)}</span>` +
    `<button type="button" class="bk-chip-x" aria-label="Remove ${esc(label)}">×</button></span>`;
}

// ---- confirm dialogs

function confirmDialog(c) {
  return new Promise((resolve) => {
    const box = $("#confirm"), overlay = $("#confirm-overlay");
    box.innerHTML = `<div class="modal-head"><h2>${c.title}</h2></div><div class="modal-body"><p>${c.text}</p></div>` +
      `<div class="modal-foot"><button type="button" class="bk-btn" data-answer="no">${c.deny || "Cancel"}</button>` +
      `<button type="button" class="bk-btn ${c.style === "danger" ? "bk-btn-danger" : "bk-btn-primary"}" data-answer="yes">${c.confirm || "Yes"}</button></div>`;
    overlay.hidden = false;
    box.onclick = (e) => {
      const b = e.target.closest("[data-answer]");
      if (!b) return;
      overlay.hidden = true;
      resolve(b.dataset.answer === "yes");
    };
  });
}

// ---- external selects

async function suggest(ext) {
  const input = $("input", ext), list = $(".bk-ext-options", ext);
  const q = input.value;
  if (q.length < Number(ext.dataset.min || 0)) { list.hidden = true; return; }
  const form = ext.closest("form.modal-form");
  const out = await act({ kind: "suggest", view: form.dataset.view, block: ext.dataset.block, action: ext.dataset.action, value: q });
  if (!out || input.value !== q) return;
  let group = null;
  list.innerHTML = out.options.length ? out.options.map((o) => {
    let h = "";
    if (o.group && o.group !== group) { group = o.group; h += `<div class="group">${esc(group)}</div>`; }
    return h + `<div role="option" data-value="${esc(o.value)}">${esc(o.text)}</div>`;
  }).join("") : `<div class="none">No matches for “${esc(q)}”</div>`;
  list.hidden = false;
}

// ---- events

document.addEventListener("click", async (e) => {
  const t = e.target;
  const p = t.closest("[data-person]");
  if (p) {
    ui.me = p.dataset.person;
    localStorage.setItem("sandbox.me", ui.me);
    ui.thread = null;
    ui.rendered = {};
    ui.modalID = ui.modalHash = "";
    refresh();
    return;
  }
  const pane = t.closest("[data-pane]");
  if (pane) {
    ui.pane = pane.dataset.pane;
    localStorage.setItem("sandbox.pane", ui.pane);
    ui.thread = null;
    if (ui.pane === "dm" && ui.homeTab === "home") act({ kind: "home" });
    render();
    return;
  }
  const tab = t.closest("[data-tab]");
  if (tab) {
    ui.homeTab = tab.dataset.tab;
    if (ui.homeTab === "home") act({ kind: "home" });
    render();
    return;
  }
  const sc = t.closest("[data-shortcut]");
  if (sc) {
    const msg = sc.closest(".msg");
    await act({ kind: "shortcut", channel: msg.dataset.channel, ts: msg.dataset.ts });
    return;
  }
  const th = t.closest("[data-thread]");
  if (th) { ui.thread = { channel: th.dataset.channel, ts: th.dataset.thread }; render(); return; }
  if (t.closest("[data-close-thread]")) { ui.thread = null; render(); return; }
  if (t.closest("[data-close-view]")) { await act({ kind: "close", view: ui.modalID }); return; }
  const f = t.closest("[data-fault]");
  if (f) { if (await act({ kind: "fault", value: f.dataset.fault })) toast("Armed: " + f.textContent); return; }
  const x = t.closest(".bk-chip-x");
  if (x) {
    const ext = x.closest(".bk-external");
    x.closest(".bk-chip").remove();
    collectInto(ui.values);
    if (ext.dataset.dispatch) dispatch(ext);
    return;
  }
  const opt = t.closest(".bk-ext-options [role=option]");
  if (opt && opt.closest(".bk-multi")) {
    const ext = opt.closest(".bk-external");
    if (!$$(".bk-chip", ext).some((c) => c.dataset.value === opt.dataset.value)) {
      $(".bk-chips", ext).insertAdjacentHTML("beforeend", chipHTML(opt.dataset.value, opt.textContent));
    }
    $("input", ext).value = "";
    opt.parentElement.hidden = true;
    collectInto(ui.values);
    if (ext.dataset.dispatch) dispatch(ext);
    return;
  }
  if (opt) {
    const ext = opt.closest(".bk-external");
    ext.dataset.value = opt.dataset.value;
    $("input", ext).value = opt.textContent;
    opt.parentElement.hidden = true;
    if (ext.dataset.dispatch) dispatch(ext);
    return;
  }
  const btn = t.closest('button[data-act="button"]');
  if (btn) {
    if (btn.dataset.confirm && !(await confirmDialog(JSON.parse(btn.dataset.confirm)))) return;
    if (btn.dataset.url) window.open(btn.dataset.url, "_blank", "noopener");
    btn.disabled = true;
    await dispatch(btn);
    btn.disabled = false;
    return;
  }
  $$(".bk-ext-options").forEach((l) => { if (!l.parentElement.contains(t)) l.hidden = true; });
});

document.addEventListener("change", (e) => {
  const el = e.target.closest("[data-act]");
  if (!el || el.dataset.act === "button" || el.dataset.act === "external_select" || el.dataset.act === "multi_external_select") return;
  const inModal = el.closest("form.modal-form");
  if (inModal) {
    collectInto(ui.values);
    if (el.dataset.dispatch) dispatch(el);
    return;
  }
  dispatch(el); // selects in messages act at once
});

let suggestTimer = null;
document.addEventListener("input", (e) => {
  const ext = e.target.closest(".bk-external");
  if (!ext) return;
  if (!ext.classList.contains("bk-multi")) delete ext.dataset.value;
  clearTimeout(suggestTimer);
  suggestTimer = setTimeout(() => suggest(ext), 250);
});
document.addEventListener("focusin", (e) => {
  const ext = e.target.closest && e.target.closest(".bk-external");
  if (ext && Number(ext.dataset.min || 0) === 0) suggest(ext);
});

document.addEventListener("submit", async (e) => {
  e.preventDefault();
  const form = e.target;
  if (form.id === "composer") {
    const box = $("#box"), text = box.value.trim();
    if (!text) return;
    const channel = ui.pane === "dm" ? ((channelOf("dm").messages[0] || {}).channel || "dm") : ui.pane;
    box.value = "";
    const out = await act(text.startsWith("/") ? { kind: "slash", channel, text } : { kind: "say", channel, text });
    if (!out) box.value = text;
    return;
  }
  if (form.classList.contains("modal-form")) {
    const b = $("button[type=submit]", form);
    if (b) b.disabled = true;
    collectInto(ui.values);
    ui.modalHash = ""; // show the bot's answer (errors or an update) even if it looks the same
    await act({ kind: "submit", view: form.dataset.view, state: modalState() });
    if (b) b.disabled = false;
  }
});

document.addEventListener("keydown", (e) => {
  if (e.key === "Escape" && !$("#overlay").hidden && $("#confirm-overlay").hidden) act({ kind: "close", view: ui.modalID });
});

loop();
