//! Release link order (issue #15, idle RSS).
//!
//! The kernel maps an executable's code into a process a 64–128 KiB window at a time, so where
//! a function sits matters as much as its size: left to the linker, the ~3,000 functions a
//! gateway runs to start, sit idle and serve a turn are spread over the whole 20 MB `.text`
//! and touch most of its windows. `bench/link-order.txt` lists those functions (recorded by
//! `bench/link-order.sh`); lld places them first, together.
//!
//! Applied only where it is known to work: release builds of the `clawgate` binary for
//! `x86_64-unknown-linux-gnu` with rustc ≥ 1.90, whose default linker there is its bundled lld,
//! and no linker configured by the user. `CLAWGATE_LINK_ORDER=0` turns it off. A stale list
//! costs nothing but memory: names it lists that no longer exist are skipped.

use std::path::PathBuf;
use std::process::Command;

fn main() {
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
    let list = PathBuf::from(dir).join("bench").join("link-order.txt");
    println!("cargo:rerun-if-changed={}", list.display());
    println!("cargo:rerun-if-env-changed=CLAWGATE_LINK_ORDER");
    if applies() && list.is_file() {
        let path = list.display();
        println!("cargo:rustc-link-arg-bin=clawgate=-Wl,--symbol-ordering-file={path}");
        println!("cargo:rustc-link-arg-bin=clawgate=-Wl,--no-warn-symbol-ordering");
    }
}

/// Whether this build links with rustc's bundled lld and wants the order.
fn applies() -> bool {
    let var = |k: &str| std::env::var(k).unwrap_or_default();
    if var("CLAWGATE_LINK_ORDER") == "0"
        || var("PROFILE") != "release"
        || var("TARGET") != "x86_64-unknown-linux-gnu"
        || std::env::var_os("RUSTC_LINKER").is_some()
    {
        return false;
    }
    // Flags that choose another linker or turn the bundled one off.
    let flags = var("CARGO_ENCODED_RUSTFLAGS");
    if ["linker", "fuse-ld", "link-self-contained"]
        .iter()
        .any(|f| flags.contains(f))
    {
        return false;
    }
    rustc_minor(&var("RUSTC")).is_some_and(|minor| minor >= 90)
}

/// The minor version of `rustc -vV` (`release: 1.95.0` → 95).
fn rustc_minor(rustc: &str) -> Option<u32> {
    let rustc = if rustc.is_empty() { "rustc" } else { rustc };
    let out = Command::new(rustc).arg("-vV").output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    let release = text.lines().find_map(|l| l.strip_prefix("release: "))?;
    let mut parts = release.split('.');
    (parts.next()? == "1").then_some(())?;
    parts.next()?.parse().ok()
}
