/* TreatyQA page script: copy, links, print, export, feedback, and the interface language of
   what Gradio draws itself. Nothing here talks to anything but this page and its own server. */
(function () {
  "use strict";
  if (window.treatyqa) return;
  if ("scrollRestoration" in history) history.scrollRestoration = "manual"; // no jump on reload

  const $ = (sel, root) => (root || document).querySelector(sel);
  const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));
  const strings = () => ($("#tq-i18n") || { dataset: {} }).dataset;
  let pendingUrl = null; // the address a followed link asked for, set once the view is there
  let navPending = false;

  // ---------------------------------------------------------------- the bridge to Python
  function bridge(request) {
    const box = $("#tq-bridge textarea, #tq-bridge input");
    const go = $("#tq-bridge-go");
    if (!box || !go) return;
    box.value = JSON.stringify(request);
    box.dispatchEvent(new Event("input", { bubbles: true }));
    setTimeout(() => go.click(), 0);
  }

  function navigate(spec, url, push) {
    const [kind, key] = spec.split(":");
    pendingUrl = push === false ? null : url;
    navPending = true;
    bridge(kind === "clause" ? { action: "nav", clause: key } : { action: "nav", article: Number(key) });
  }

  // ---------------------------------------------------------------- copy
  async function copyText(text) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch (e) {
      const area = document.createElement("textarea"); // older browsers, http on another host
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.opacity = "0";
      document.body.appendChild(area);
      area.select();
      const ok = document.execCommand("copy");
      area.remove();
      return ok;
    }
  }

  function flash(button) {
    if (!button.dataset.label) button.dataset.label = button.textContent;
    button.textContent = "✓ " + (strings().copied || "Copied");
    button.classList.add("tq-copied");
    setTimeout(() => { button.textContent = button.dataset.label; button.classList.remove("tq-copied"); }, 1600);
  }

  function absolute(href) {
    return new URL(href, location.origin + location.pathname).href;
  }

  // ---------------------------------------------------------------- print and export
  function print(exchange) {
    document.body.classList.toggle("tq-print-one", !!exchange);
    $$(".tq-print-target").forEach((x) => x.classList.remove("tq-print-target"));
    if (exchange) exchange.classList.add("tq-print-target");
    window.print();
    setTimeout(() => document.body.classList.remove("tq-print-one"), 500);
  }

  function ownCss() {
    // the chat's own stylesheet (a copy that does not apply to the page), less the dark theme
    const sheet = $("#tq-css") && $("#tq-css").sheet;
    return Array.from((sheet && sheet.cssRules) || [])
      .map((rule) => rule.cssText)
      .filter((text) => !text.startsWith(".dark"))
      .join("\n");
  }

  function exportDoc(exchange) {
    const items = exchange ? [exchange] : $$("#tq-chat .tq-exchange");
    if (!items.length) return null;
    const s = strings();
    const lang = s.lang || document.documentElement.lang || "kk";
    const body = document.createElement("div");
    body.className = "tq-export";
    for (const item of items) {
      const copy = item.cloneNode(true);
      copy.removeAttribute("id");
      $$(".tq-tools, .tq-exchange-tools, .tq-feedback, details.tq-open-article", copy).forEach((n) => n.remove());
      $$("details", copy).forEach((d) => d.setAttribute("open", ""));
      $$("a[href]", copy).forEach((a) => a.setAttribute("href", absolute(a.getAttribute("href"))));
      $$("[data-tq-nav]", copy).forEach((a) => a.removeAttribute("data-tq-nav"));
      body.appendChild(copy);
    }
    const when = new Date();
    const stamp = when.toISOString().slice(0, 10);
    const first = items[0].querySelector(".tq-hit[data-citation]");
    const name = "treatyqa-" + (exchange && first ? first.dataset.citation.replace(/\./g, "-") + "-" : "") + stamp + ".html";
    const esc = (t) => String(t).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]));
    const html =
      '<!doctype html>\n<html lang="' + esc(lang) + '"><head><meta charset="utf-8">' +
      "<title>" + esc(s.title || "TreatyQA") + "</title><style>\n" +
      "body{font-family:system-ui,'Segoe UI','Noto Sans','DejaVu Sans',Arial,sans-serif;max-width:62rem;margin:1.5rem auto;padding:0 1rem;color:#0f172a;background:#fff;line-height:1.45}\n" +
      "h1{font-size:1.3rem;margin:0}.tq-export-meta{color:#475569;font-size:.9rem;margin:.2rem 0 1rem}\n" +
      ownCss() +
      "\n@media print{.tq-exchange+.tq-exchange{break-before:page}mark{print-color-adjust:exact;-webkit-print-color-adjust:exact}}\n" +
      "</style></head><body>\n<h1>" + esc(s.title || "TreatyQA") + "</h1>\n" +
      '<p class="tq-export-meta">' + esc(s.agreement || "") + "<br>" + esc(s.exported || "") + ": " +
      esc(when.toLocaleString(lang === "ru" ? "ru-RU" : "kk-KZ")) + "</p>\n" +
      body.outerHTML + "\n</body></html>\n";
    const blob = new Blob([html], { type: "text/html;charset=utf-8" });
    const link = document.createElement("a");
    link.href = URL.createObjectURL(blob);
    link.download = name;
    document.body.appendChild(link);
    link.click();
    setTimeout(() => { URL.revokeObjectURL(link.href); link.remove(); }, 1000);
    return html;
  }

  // ---------------------------------------------------------------- clicks
  document.addEventListener("click", (event) => {
    const nav = event.target.closest("a[data-tq-nav]");
    if (nav && !event.ctrlKey && !event.metaKey && !event.shiftKey && event.button === 0) {
      event.preventDefault();
      navigate(nav.dataset.tqNav, nav.getAttribute("href"));
      return;
    }
    const tool = event.target.closest("[data-tq-action]");
    if (tool) {
      const action = tool.dataset.tqAction;
      const exchange = tool.closest(".tq-exchange");
      if (action === "copy-citation") copyText(tool.dataset.copy).then((ok) => ok && flash(tool));
      else if (action === "copy-link") copyText(absolute(tool.dataset.link)).then((ok) => ok && flash(tool));
      else if (action === "print") print(exchange);
      else if (action === "export") exportDoc(exchange);
      return;
    }
    const fb = event.target.closest("[data-tq-fb]");
    if (fb) {
      const box = fb.closest(".tq-feedback");
      const comment = $(".tq-fb-comment", box);
      bridge({ action: "feedback", id: box.dataset.id, verdict: fb.dataset.tqFb, comment: comment ? comment.value : "" });
      return;
    }
    if (event.target.closest("#tq-ask")) busy(true);
  }, true);

  document.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && event.target.closest && event.target.closest("#tq-question")) busy(true);
  }, true);

  window.addEventListener("popstate", () => {
    const params = new URLSearchParams(location.search);
    if (params.get("clause")) navigate("clause:" + params.get("clause"), null, false);
    else if (params.get("article")) navigate("article:" + params.get("article"), null, false);
  });

  function busy(on) {
    const notice = $("#tq-notice");
    document.body.classList.toggle("tq-busy", on);
    if (!notice) return;
    let line = $(".tq-busy-line", notice.parentElement);
    if (on && !line) {
      line = document.createElement("p");
      line.className = "tq-busy-line";
      line.setAttribute("role", "status");
      notice.insertAdjacentElement("beforebegin", line);
    }
    if (line) line.textContent = on ? strings().asking || "…" : "";
    if (line && !on) line.remove();
  }

  // ---------------------------------------------------------------- after Python answered
  let lastCount = 0;
  function afterAsk() {
    busy(false);
    const all = $$("#tq-chat .tq-exchange");
    if (all.length > lastCount && all.length) all[all.length - 1].scrollIntoView({ block: "start" });
    lastCount = all.length;
  }

  function afterNav() {
    // after the bridge: only a followed link moves the page (a rating does not)
    if (!navPending) return;
    navPending = false;
    if (pendingUrl) history.pushState(null, "", pendingUrl);
    pendingUrl = null;
    let tries = 40;
    const show = () => {
      const target = $("#tq-article tr.tq-cited");
      const view = $("#tq-article .tq-article-view");
      if (target && target.getClientRects().length) target.scrollIntoView({ block: "center" });
      else if (!target && view && view.getClientRects().length) $("#tq-tabs").scrollIntoView({ block: "start" });
      else if (tries-- > 0) setTimeout(show, 50);
    };
    show();
  }

  function afterArticle() {
    const view = $("#tq-article .tq-article-view");
    if (view && view.dataset.article) history.replaceState(null, "", "?article=" + view.dataset.article);
  }

  function afterLoad() {
    lastCount = $$("#tq-chat .tq-exchange").length;
    sync();
    const params = new URLSearchParams(location.search);
    if (params.get("q")) {
      params.delete("q"); // a reload must not ask again: the answer is in the history now
      const rest = params.toString();
      history.replaceState(null, "", location.pathname + (rest ? "?" + rest : ""));
      const all = $$("#tq-chat .tq-exchange");
      if (all.length) all[all.length - 1].scrollIntoView({ block: "start" });
    } else if (params.get("clause")) {
      // the browse tab is drawn a moment after the load: wait until the row has a box
      let tries = 40;
      const show = () => {
        const target = $("#tq-article tr.tq-cited");
        if (target && target.getClientRects().length) target.scrollIntoView({ block: "center" });
        else if (tries-- > 0) setTimeout(show, 50);
      };
      show();
    } else {
      window.scrollTo(0, 0);
    }
  }

  // ---------------------------------------------------------------- Gradio's own strings, <html lang>
  const GRADIO = {
    "Use via API": "gradioApi", "Использовать через API": "gradioApi",
    "Loading...": "gradioLoading", "Загрузка...": "gradioLoading",
    "Error": "gradioError", "Ошибка": "gradioError",
    "Close": "gradioClose", "Закрыть": "gradioClose",
    "More tabs": "gradioMoreTabs", "Gradio footer navigation": "gradioFooter",
  };
  const originals = new WeakMap();
  function translateGradio(root) {
    const s = strings();
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    const skip = (node) => node.parentElement && node.parentElement.closest("#tq-chat, #tq-article, #tq-header, textarea, script, style");
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (skip(node)) continue;
      const original = originals.get(node) || node.nodeValue.trim();
      const key = GRADIO[original];
      if (!key || !s[key]) continue;
      originals.set(node, original);
      if (node.nodeValue.trim() !== s[key]) node.nodeValue = node.nodeValue.replace(node.nodeValue.trim(), s[key]);
    }
    $$("[aria-label], [title]").forEach((el) => {
      for (const attr of ["aria-label", "title"]) {
        const value = el.getAttribute(attr);
        const key = value && GRADIO[el.dataset["tqOrig" + attr.replace("-", "")] || value];
        if (key && s[key]) {
          el.dataset["tqOrig" + attr.replace("-", "")] = el.dataset["tqOrig" + attr.replace("-", "")] || value;
          el.setAttribute(attr, s[key]);
        }
      }
    });
  }

  let scheduled = false;
  function sync() {
    scheduled = false;
    const lang = strings().lang;
    if (lang && document.documentElement.lang !== lang) document.documentElement.lang = lang;
    translateGradio(document.body);
  }
  new MutationObserver(() => {
    if (!scheduled) { scheduled = true; setTimeout(sync, 50); }
  }).observe(document.documentElement, { childList: true, subtree: true, characterData: true });

  window.treatyqa = { afterAsk, afterNav, afterArticle, afterLoad, print, exportDoc, copyText, sync };
})();
