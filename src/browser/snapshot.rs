//! Page snapshots: a DOM-derived outline of what a model can read and act on, with numbered
//! element refs (`e1`, `e2`, …).
//!
//! The outline is built in the page by [`SNAPSHOT_JS`]: headings, text blocks, links, buttons,
//! form fields and other interactive elements that are visible, one line each, capped at a
//! character budget. The elements behind the refs are kept on the page's `window`, so a
//! navigation (a new document, a new `window`) invalidates every ref and [`RESOLVE_JS`] says
//! so; a ref is resolved only against the latest snapshot of its tab.

/// Default character budget of a snapshot.
pub const DEFAULT_MAX_CHARS: usize = 20_000;
/// The largest budget a caller may ask for.
pub const MAX_CHARS: usize = 100_000;

/// `(maxChars) => {text, refs, truncated, url, title}`.
pub const SNAPSHOT_JS: &str = r#"(maxChars) => {
  const INTERACTIVE = new Set(['A','BUTTON','INPUT','SELECT','TEXTAREA','SUMMARY','OPTION']);
  const BLOCK = new Set(['P','LI','TD','TH','LABEL','PRE','BLOCKQUOTE','DT','DD','FIGCAPTION','CAPTION','SPAN','DIV']);
  const els = [];
  const lines = [];
  let size = 0, truncated = false;
  const clean = (s, n) => (s || '').replace(/\s+/g, ' ').trim().slice(0, n || 200);
  const visible = (el) => {
    const st = getComputedStyle(el);
    if (st.display === 'none' || st.visibility === 'hidden') return false;
    const r = el.getBoundingClientRect();
    return r.width > 0 || r.height > 0 || el.tagName === 'OPTION';
  };
  const role = (el) => {
    const r = el.getAttribute('role');
    if (r) return r;
    const t = el.tagName;
    if (t === 'A') return 'link';
    if (t === 'BUTTON' || t === 'SUMMARY') return 'button';
    if (t === 'SELECT') return 'combobox';
    if (t === 'TEXTAREA') return 'textbox';
    if (t === 'OPTION') return 'option';
    if (t === 'INPUT') {
      const ty = (el.type || 'text').toLowerCase();
      if (ty === 'checkbox' || ty === 'radio') return ty;
      if (ty === 'submit' || ty === 'button' || ty === 'reset') return 'button';
      return 'textbox';
    }
    return null;
  };
  const name = (el) => {
    const a = el.getAttribute('aria-label');
    if (a) return clean(a);
    if (el.id) {
      const l = document.querySelector('label[for="' + CSS.escape(el.id) + '"]');
      if (l) return clean(l.innerText);
    }
    if (el.tagName === 'INPUT' && ['submit','button','reset'].includes((el.type||'').toLowerCase())) return clean(el.value);
    return clean(el.innerText || el.placeholder || el.title || el.alt || el.name || '');
  };
  const push = (line) => {
    if (truncated) return;
    if (size + line.length + 1 > maxChars) { truncated = true; return; }
    lines.push(line); size += line.length + 1;
  };
  const walk = (el, depth) => {
    if (truncated || !(el instanceof Element)) return;
    const t = el.tagName;
    if (['SCRIPT','STYLE','NOSCRIPT','TEMPLATE','HEAD','SVG'].includes(t)) return;
    if (!visible(el)) return;
    const pad = '  '.repeat(Math.min(depth, 8));
    const r = role(el) || (el.hasAttribute('onclick') || el.isContentEditable && el.getAttribute('contenteditable') !== null ? (el.isContentEditable ? 'textbox' : 'button') : null);
    if (r && (INTERACTIVE.has(t) || el.getAttribute('role') || el.hasAttribute('onclick') || el.isContentEditable)) {
      els.push(el);
      let line = pad + '- ' + r + ' "' + name(el) + '" [ref=e' + els.length + ']';
      if (t === 'INPUT' || t === 'TEXTAREA') {
        if (el.type === 'checkbox' || el.type === 'radio') line += el.checked ? ' [checked]' : '';
        else if (el.value) line += ' value="' + clean(el.value, 100) + '"';
        if (el.disabled) line += ' [disabled]';
      }
      if (t === 'SELECT') line += ' value="' + clean(el.value, 100) + '"';
      if (t === 'A' && el.getAttribute('href')) line += ' -> ' + clean(el.getAttribute('href'), 200);
      push(line);
      if (t === 'SELECT') { for (const o of el.options) { els.push(o); push(pad + '  - option "' + clean(o.text) + '" [ref=e' + els.length + ']' + (o.selected ? ' [selected]' : '')); } }
      if (t !== 'SELECT' && t !== 'A' && t !== 'BUTTON') for (const c of el.children) walk(c, depth + 1);
      return;
    }
    if (/^H[1-6]$/.test(t)) { push(pad + '- heading "' + clean(el.innerText) + '" [level=' + t[1] + ']'); return; }
    if (t === 'IMG') { if (el.alt) push(pad + '- img "' + clean(el.alt) + '"'); return; }
    const direct = Array.from(el.childNodes).filter(n => n.nodeType === 3).map(n => n.textContent).join(' ');
    const text = clean(direct, 500);
    if (text && (BLOCK.has(t) || t === 'BODY' || t === 'SECTION' || t === 'MAIN' || t === 'ARTICLE' || t === 'FORM' || t === 'B' || t === 'STRONG' || t === 'EM')) push(pad + '- text: ' + text);
    for (const c of el.children) walk(c, depth + (text ? 1 : 0));
  };
  if (document.body) walk(document.body, 0);
  Object.defineProperty(window, '__clawgateSnap', { value: { els }, configurable: true, enumerable: false, writable: true });
  return { text: lines.join('\n'), refs: els.length, truncated, url: location.href, title: document.title };
}"#;

/// `(ref, selector) => Element`, or throws `STALE:`/`NOTFOUND:` errors; prepended to the
/// action scripts as `__cgEl`.
pub const RESOLVE_JS: &str = r#"const __cgEl = (ref, sel) => {
  if (ref) {
    const s = window.__clawgateSnap;
    if (!s) throw new Error('STALE: ref ' + ref + ' is from an earlier page (it navigated since the snapshot); take a new snapshot');
    const m = /^e(\d+)$/.exec(ref);
    const el = m ? s.els[parseInt(m[1], 10) - 1] : null;
    if (!el) throw new Error('NOTFOUND: unknown ref ' + ref + ' (the latest snapshot has e1..e' + s.els.length + ')');
    if (!el.isConnected) throw new Error('STALE: ref ' + ref + ' is no longer on the page; take a new snapshot');
    return el;
  }
  if (!sel) throw new Error('INVALID: give a ref (from a snapshot) or a selector');
  let el;
  try { el = document.querySelector(sel); } catch (e) { throw new Error('INVALID: bad selector ' + sel); }
  if (!el) throw new Error('NOTFOUND: no element matches ' + sel);
  return el;
};"#;
