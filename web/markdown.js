// @ts-check
/**
 * A small, safe Markdown renderer. Model text is only ever put in the page through
 * `textContent` and a whitelist of elements built with createElement: paragraphs, headings,
 * fenced code, lists, block quotes, emphasis, inline code and http(s) links. No HTML in the
 * input is interpreted: `<script>` and friends stay visible text.
 */
import { h } from "./dom.js";

/** @param {string} url */
function safeUrl(url) {
  try {
    const u = new URL(url, location.href);
    return u.protocol === "http:" || u.protocol === "https:" ? u.href : null;
  } catch {
    return null;
  }
}

const INLINE = /(`[^`\n]+`)|(\*\*[^*\n]+\*\*)|(\*[^*\s][^*\n]*\*|(?<![\w\\])_[^_\n]+_(?![\w]))|(\[[^\]\n]+\]\([^)\s]+\))|(https?:\/\/[^\s<>()]+)/;

/**
 * Renders inline Markdown into `parent`.
 * @param {Node} parent
 * @param {string} text
 */
export function inline(parent, text) {
  let rest = text;
  while (rest) {
    const m = INLINE.exec(rest);
    if (!m) { parent.appendChild(document.createTextNode(rest)); break; }
    if (m.index > 0) parent.appendChild(document.createTextNode(rest.slice(0, m.index)));
    const tok = m[0];
    if (m[1]) parent.appendChild(h("code", { text: tok.slice(1, -1) }));
    else if (m[2]) inline(parent.appendChild(h("strong")), tok.slice(2, -2));
    else if (m[3]) inline(parent.appendChild(h("em")), tok.slice(1, -1));
    else if (m[4]) {
      const close = tok.indexOf("](");
      const href = safeUrl(tok.slice(close + 2, -1));
      const label = tok.slice(1, close);
      if (href) parent.appendChild(h("a", { href, target: "_blank", rel: "noopener noreferrer", text: label }));
      else parent.appendChild(document.createTextNode(tok));
    } else {
      const href = safeUrl(tok);
      parent.appendChild(href ? h("a", { href, target: "_blank", rel: "noopener noreferrer", text: tok })
        : document.createTextNode(tok));
    }
    rest = rest.slice(m.index + tok.length);
  }
}

/**
 * Renders Markdown `src` as a document fragment.
 * @param {string} src
 * @returns {DocumentFragment}
 */
export function render(src) {
  const out = document.createDocumentFragment();
  const lines = String(src ?? "").replace(/\r\n?/g, "\n").split("\n");
  let i = 0;
  /** @type {string[]} */
  let para = [];
  const flush = () => {
    if (para.length) {
      const p = h("p");
      para.forEach((l, n) => { if (n) p.appendChild(h("br")); inline(p, l); });
      out.appendChild(p);
      para = [];
    }
  };
  while (i < lines.length) {
    const line = lines[i];
    const fence = /^\s*(```|~~~)\s*([\w+-]*)/.exec(line);
    if (fence) {
      flush();
      const body = [];
      i++;
      while (i < lines.length && !lines[i].trim().startsWith(fence[1])) body.push(lines[i++]);
      i++;
      const code = h("code", { text: body.join("\n") });
      if (fence[2]) code.dataset.lang = fence[2];
      out.appendChild(h("pre", {}, code));
      continue;
    }
    const head = /^(#{1,6})\s+(.*)$/.exec(line);
    if (head) {
      flush();
      const el = h("h" + Math.min(6, head[1].length + 2));
      inline(el, head[2]);
      out.appendChild(el);
      i++;
      continue;
    }
    const item = /^\s*([-*+]|\d+[.)])\s+/;
    if (item.test(line)) {
      flush();
      const ordered = /\d/.test(item.exec(line)?.[1] ?? "");
      const list = h(ordered ? "ol" : "ul");
      while (i < lines.length && item.test(lines[i])) {
        const li = h("li");
        inline(li, lines[i].replace(item, ""));
        list.appendChild(li);
        i++;
      }
      out.appendChild(list);
      continue;
    }
    if (/^\s*>/.test(line)) {
      flush();
      const body = [];
      while (i < lines.length && /^\s*>/.test(lines[i])) body.push(lines[i++].replace(/^\s*>\s?/, ""));
      const q = h("blockquote");
      q.appendChild(render(body.join("\n")));
      out.appendChild(q);
      continue;
    }
    if (!line.trim()) { flush(); i++; continue; }
    para.push(line);
    i++;
  }
  flush();
  return out;
}
