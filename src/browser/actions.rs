//! What can be done in one tab, over its CDP session: navigate, run page scripts, the `act`
//! kinds (click, type, press, hover, select, fill, scrollIntoView, wait, resize, evaluate),
//! screenshots and PDFs. Elements are named by a snapshot ref or a CSS selector.

use super::cdp::Cdp;
use super::snapshot::RESOLVE_JS;
use super::BrowserError;
use base64::Engine as _;
use serde_json::{json, Value};
use std::time::Duration;

/// Longest a `wait` (or a page load) may take.
pub const MAX_WAIT: Duration = Duration::from_secs(30);
/// Default page-load wait after a navigation.
pub const LOAD_TIMEOUT: Duration = Duration::from_secs(20);

/// One tab's session.
pub struct Tab<'a> {
    /// The connection.
    pub cdp: &'a Cdp,
    /// The tab's flattened session id.
    pub session: &'a str,
}

/// A rendered image.
#[derive(Debug, Clone)]
pub struct Image {
    /// The bytes.
    pub bytes: Vec<u8>,
    /// `image/png` or `image/jpeg`.
    pub mime: &'static str,
}

fn page_error(msg: &str) -> BrowserError {
    let msg = msg
        .trim_start_matches("Uncaught ")
        .trim_start_matches("Error: ");
    let first = msg.lines().next().unwrap_or(msg).to_string();
    if let Some(m) = first.strip_prefix("STALE: ") {
        BrowserError::Stale(m.into())
    } else if let Some(m) = first.strip_prefix("NOTFOUND: ") {
        BrowserError::NotFound(m.into())
    } else if let Some(m) = first.strip_prefix("INVALID: ") {
        BrowserError::Invalid(m.into())
    } else if let Some(m) = first.strip_prefix("TIMEOUT: ") {
        BrowserError::Timeout(m.into())
    } else {
        BrowserError::Failed(format!("page script failed: {first}"))
    }
}

impl Tab<'_> {
    async fn cmd(&self, method: &str, params: Value) -> Result<Value, BrowserError> {
        Ok(self.cdp.call(Some(self.session), method, params).await?)
    }

    /// Evaluates `expression` in the page (promises awaited), returning its JSON value.
    pub async fn eval(&self, expression: &str, timeout: Duration) -> Result<Value, BrowserError> {
        let r = self
            .cdp
            .call_within(
                Some(self.session),
                "Runtime.evaluate",
                json!({"expression": expression, "returnByValue": true, "awaitPromise": true,
                       "userGesture": true}),
                timeout + Duration::from_secs(2),
            )
            .await?;
        if let Some(ex) = r.get("exceptionDetails") {
            let msg = ex["exception"]["description"]
                .as_str()
                .or_else(|| ex["exception"]["value"].as_str())
                .or_else(|| ex["text"].as_str())
                .unwrap_or("exception");
            return Err(page_error(msg));
        }
        Ok(r["result"]["value"].clone())
    }

    /// Calls page function `func` (JS source; may use `__cgEl`) with JSON `args`.
    pub async fn call_fn(&self, func: &str, args: Value) -> Result<Value, BrowserError> {
        let expr = format!("(() => {{ {RESOLVE_JS}\n return ({func})(...{args}); }})()");
        self.eval(&expr, MAX_WAIT).await
    }

    /// Navigates and waits (bounded) for the page's `load`.
    pub async fn navigate(&self, url: &str) -> Result<Value, BrowserError> {
        let r = self.cmd("Page.navigate", json!({"url": url})).await?;
        if let Some(err) = r["errorText"].as_str().filter(|s| !s.is_empty()) {
            return Err(if err.contains("BLOCKED_BY_CLIENT") {
                BrowserError::Forbidden(format!(
                    "navigation to {url} blocked by the browser's SSRF policy"
                ))
            } else {
                BrowserError::Navigation(format!("navigation to {url} failed: {err}"))
            });
        }
        self.wait_loaded().await
    }

    /// Waits (bounded) until the document has loaded; `{url, title}`.
    pub async fn wait_loaded(&self) -> Result<Value, BrowserError> {
        let js = format!(
            "new Promise((res) => {{ const done = () => res({{url: location.href, title: document.title}});
               if (document.readyState === 'complete') return done();
               addEventListener('load', done, {{once: true}});
               setTimeout(done, {}); }})",
            LOAD_TIMEOUT.as_millis()
        );
        self.eval(&js, LOAD_TIMEOUT).await
    }

    async fn center(
        &self,
        r#ref: Option<&str>,
        selector: Option<&str>,
    ) -> Result<(f64, f64), BrowserError> {
        let v = self
            .call_fn(
                "(ref, sel) => { const el = __cgEl(ref, sel); el.scrollIntoView({block: 'center', inline: 'center'});
                  const r = el.getBoundingClientRect(); return {x: r.left + r.width / 2, y: r.top + r.height / 2}; }",
                json!([r#ref, selector]),
            )
            .await?;
        Ok((
            v["x"].as_f64().unwrap_or(0.0),
            v["y"].as_f64().unwrap_or(0.0),
        ))
    }

    async fn mouse(
        &self,
        kind: &str,
        x: f64,
        y: f64,
        button: &str,
        clicks: u32,
    ) -> Result<(), BrowserError> {
        self.cmd(
            "Input.dispatchMouseEvent",
            json!({"type": kind, "x": x, "y": y, "button": button, "clickCount": clicks}),
        )
        .await
        .map(|_| ())
    }

    /// Clicks an element (real mouse events at its centre).
    pub async fn click(
        &self,
        r#ref: Option<&str>,
        sel: Option<&str>,
        double: bool,
        button: &str,
    ) -> Result<(), BrowserError> {
        let (x, y) = self.center(r#ref, sel).await?;
        self.mouse("mouseMoved", x, y, "none", 0).await?;
        let n = if double { 2 } else { 1 };
        for c in 1..=n {
            self.mouse("mousePressed", x, y, button, c).await?;
            self.mouse("mouseReleased", x, y, button, c).await?;
        }
        Ok(())
    }

    /// Moves the mouse over an element.
    pub async fn hover(&self, r#ref: Option<&str>, sel: Option<&str>) -> Result<(), BrowserError> {
        let (x, y) = self.center(r#ref, sel).await?;
        self.mouse("mouseMoved", x, y, "none", 0).await
    }

    /// Focuses an element and types `text` (as keyboard input); `submit` presses Enter after.
    pub async fn type_text(
        &self,
        r#ref: Option<&str>,
        sel: Option<&str>,
        text: &str,
        submit: bool,
    ) -> Result<(), BrowserError> {
        self.call_fn(
            "(ref, sel) => { const el = __cgEl(ref, sel); el.scrollIntoView({block: 'center'}); el.focus();
              if (typeof el.setSelectionRange === 'function' && el.value !== undefined) { try { el.setSelectionRange(el.value.length, el.value.length); } catch (e) {} } return true; }",
            json!([r#ref, sel]),
        )
        .await?;
        self.cmd("Input.insertText", json!({"text": text})).await?;
        if submit {
            self.press("Enter").await?;
        }
        Ok(())
    }

    /// Presses a key (`Enter`, `Tab`, `Escape`, `Backspace`, arrows, or one character).
    pub async fn press(&self, key: &str) -> Result<(), BrowserError> {
        let (code, key_code, text): (String, u32, Option<String>) = match key {
            "Enter" => ("Enter".into(), 13, Some("\r".into())),
            "Tab" => ("Tab".into(), 9, None),
            "Escape" => ("Escape".into(), 27, None),
            "Backspace" => ("Backspace".into(), 8, None),
            "Delete" => ("Delete".into(), 46, None),
            "ArrowLeft" => ("ArrowLeft".into(), 37, None),
            "ArrowUp" => ("ArrowUp".into(), 38, None),
            "ArrowRight" => ("ArrowRight".into(), 39, None),
            "ArrowDown" => ("ArrowDown".into(), 40, None),
            "Space" | " " => ("Space".into(), 32, Some(" ".into())),
            k if k.chars().count() == 1 => {
                let c = k.chars().next().unwrap_or(' ');
                let up = c.to_ascii_uppercase();
                let code = if c.is_ascii_alphabetic() {
                    format!("Key{up}")
                } else if c.is_ascii_digit() {
                    format!("Digit{c}")
                } else {
                    String::new()
                };
                (code, up as u32, Some(k.to_string()))
            }
            other => return Err(BrowserError::Invalid(format!("unknown key {other}"))),
        };
        let key_name = if key == "Space" { " " } else { key };
        let mut down = json!({"type": if text.is_some() { "keyDown" } else { "rawKeyDown" }, "key": key_name,
            "code": code, "windowsVirtualKeyCode": key_code});
        if let Some(t) = &text {
            down["text"] = json!(t);
        }
        self.cmd("Input.dispatchKeyEvent", down).await?;
        self.cmd(
            "Input.dispatchKeyEvent",
            json!({"type": "keyUp", "key": key_name, "code": code, "windowsVirtualKeyCode": key_code}),
        )
        .await?;
        Ok(())
    }

    /// Sets form fields: each `{ref|selector, value}` (a checkbox takes `true`/`false`).
    pub async fn fill(&self, fields: &[Value]) -> Result<usize, BrowserError> {
        let v = self
            .call_fn(
                "(fields) => { let n = 0; for (const f of fields) { const el = __cgEl(f.ref, f.selector);
                   if (el.type === 'checkbox' || el.type === 'radio') { el.checked = f.value === true || f.value === 'true'; }
                   else { const proto = el.tagName === 'TEXTAREA' ? HTMLTextAreaElement.prototype : el.tagName === 'SELECT' ? HTMLSelectElement.prototype : HTMLInputElement.prototype;
                     const set = Object.getOwnPropertyDescriptor(proto, 'value').set; set.call(el, String(f.value ?? '')); }
                   el.dispatchEvent(new Event('input', {bubbles: true})); el.dispatchEvent(new Event('change', {bubbles: true})); n++; } return n; }",
                json!([fields]),
            )
            .await?;
        Ok(v.as_u64().unwrap_or(0) as usize)
    }

    /// Chooses options of a `<select>` by value or label.
    pub async fn select(
        &self,
        r#ref: Option<&str>,
        sel: Option<&str>,
        values: &[String],
    ) -> Result<Value, BrowserError> {
        self.call_fn(
            "(ref, sel, values) => { const el = __cgEl(ref, sel); if (el.tagName !== 'SELECT') throw new Error('INVALID: not a <select>');
               const want = Array.from(el.options).filter(o => values.includes(o.value) || values.includes(o.text.trim()));
               if (!want.length) throw new Error('NOTFOUND: no option matches ' + values.join(', '));
               if (el.multiple) { for (const o of el.options) o.selected = want.includes(o); } else { el.value = want[0].value; }
               const chosen = Array.from(el.selectedOptions).map(o => o.value);
               el.dispatchEvent(new Event('input', {bubbles: true})); el.dispatchEvent(new Event('change', {bubbles: true})); return chosen; }",
            json!([r#ref, sel, values]),
        )
        .await
    }

    /// Scrolls an element into view.
    pub async fn scroll_into_view(
        &self,
        r#ref: Option<&str>,
        sel: Option<&str>,
    ) -> Result<(), BrowserError> {
        self.call_fn(
            "(ref, sel) => { __cgEl(ref, sel).scrollIntoView({block: 'center', inline: 'center'}); return true; }",
            json!([r#ref, sel]),
        )
        .await
        .map(|_| ())
    }

    /// Waits for a condition (`selector` visible, `text` present, `textGone` absent, `url`
    /// contains, or just `timeMs`), at most `timeout` (capped at [`MAX_WAIT`]).
    pub async fn wait(&self, args: &Value, timeout: Duration) -> Result<Value, BrowserError> {
        let timeout = timeout.min(MAX_WAIT);
        let cond = json!({
            "selector": args["selector"], "text": args["text"], "textGone": args["textGone"],
            "url": args["url"], "timeMs": args["timeMs"].as_u64().map(|t| t.min(timeout.as_millis() as u64)),
        });
        self.call_fn(
            "(c, timeout) => new Promise((res, rej) => { const start = Date.now();
               const ok = () => { if (c.timeMs != null) return Date.now() - start >= c.timeMs;
                 if (c.selector) { const el = document.querySelector(c.selector); if (!el) return false; const r = el.getBoundingClientRect(); if (!(r.width || r.height)) return false; }
                 if (c.text && !(document.body && document.body.innerText.includes(c.text))) return false;
                 if (c.textGone && document.body && document.body.innerText.includes(c.textGone)) return false;
                 if (c.url && !location.href.includes(c.url)) return false; return true; };
               const tick = () => { if (ok()) return res({waitedMs: Date.now() - start, url: location.href});
                 if (Date.now() - start > timeout) return rej(new Error('TIMEOUT: condition not met within ' + timeout + ' ms'));
                 setTimeout(tick, 50); }; tick(); })",
            json!([cond, timeout.as_millis() as u64]),
        )
        .await
    }

    /// Sets the viewport size.
    pub async fn resize(&self, width: u32, height: u32) -> Result<(), BrowserError> {
        self.cmd(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": width, "height": height, "deviceScaleFactor": 1, "mobile": false}),
        )
        .await
        .map(|_| ())
    }

    /// A screenshot of the viewport, the full page, or one element; `jpeg` with `quality`.
    pub async fn screenshot(
        &self,
        r#ref: Option<&str>,
        selector: Option<&str>,
        full_page: bool,
        jpeg: bool,
        quality: Option<u64>,
    ) -> Result<Image, BrowserError> {
        let mut p = json!({"format": if jpeg { "jpeg" } else { "png" }});
        if jpeg {
            p["quality"] = json!(quality.unwrap_or(80).min(100));
        }
        let clip = if r#ref.is_some() || selector.is_some() {
            let r = self
                .call_fn(
                    "(ref, sel, full) => { const el = __cgEl(ref, sel); if (!full) el.scrollIntoView({block: 'center', inline: 'center'});
                      let r = el.getBoundingClientRect();
                      if (full && (el === document.body || el === document.documentElement)) {
                        const d = document.documentElement;
                        return {x: 0, y: 0, width: Math.max(d.scrollWidth, innerWidth), height: Math.max(d.scrollHeight, innerHeight)}; }
                      return {x: r.left + scrollX, y: r.top + scrollY, width: r.width, height: r.height}; }",
                    json!([r#ref, selector, full_page]),
                )
                .await?;
            Some(r)
        } else if full_page {
            Some(
                self.eval(
                    "(() => { const d = document.documentElement; return {x: 0, y: 0,
                       width: Math.max(d.scrollWidth, innerWidth), height: Math.max(d.scrollHeight, innerHeight)}; })()",
                    MAX_WAIT,
                )
                .await?,
            )
        } else {
            None
        };
        if let Some(mut c) = clip {
            let w = c["width"].as_f64().unwrap_or(0.0);
            let h = c["height"].as_f64().unwrap_or(0.0);
            if w < 1.0 || h < 1.0 {
                return Err(BrowserError::Invalid(
                    "the element has no visible area to capture".into(),
                ));
            }
            c["scale"] = json!(1);
            p["clip"] = c;
            p["captureBeyondViewport"] = json!(true);
        }
        let r = self.cmd("Page.captureScreenshot", p).await?;
        let bytes = decode(&r["data"])?;
        Ok(Image {
            bytes,
            mime: if jpeg { "image/jpeg" } else { "image/png" },
        })
    }

    /// The page as a PDF.
    pub async fn pdf(&self) -> Result<Vec<u8>, BrowserError> {
        let r = self
            .cmd("Page.printToPDF", json!({"printBackground": true}))
            .await?;
        decode(&r["data"])
    }
}

fn decode(data: &Value) -> Result<Vec<u8>, BrowserError> {
    base64::engine::general_purpose::STANDARD
        .decode(data.as_str().unwrap_or_default())
        .map_err(|e| BrowserError::Failed(format!("bad image data from the browser: {e}")))
}
