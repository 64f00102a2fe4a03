//! Returning freed heap memory to the OS after a burst.
//!
//! glibc's allocator keeps memory freed by a burst of large turns (100 KiB messages, their
//! JSON, the model request) in its arenas: measured, a gateway stayed at 80 MiB after 2,000
//! such turns and 30 s of idleness, from 21 MiB before. Every [`TRIM_EVERY`], when no run is
//! queued or running, the gateway calls `malloc_trim(0)`, which gives free pages of every
//! arena back to the kernel (the figures before and after are in `bench/README.md`). On other
//! platforms (musl, macOS) this is a no-op.

use std::time::Duration;

/// How often the idle check runs.
pub const TRIM_EVERY: Duration = Duration::from_secs(10);

/// Trims the heap every [`TRIM_EVERY`] while the gateway has no active run; runs until the
/// runtime stops.
pub async fn run(app: crate::app::App) {
    let mut tick = tokio::time::interval(TRIM_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.tick().await;
    loop {
        tick.tick().await;
        if app.active_runs().await.is_empty() {
            trim();
        }
    }
}

/// Gives the allocator's free memory back to the OS; true when some was released.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
pub fn trim() -> bool {
    // SAFETY: malloc_trim takes no pointers and only reorganises the allocator's own free
    // lists under its arena locks; it is safe to call from any thread at any time.
    unsafe { libc::malloc_trim(0) == 1 }
}

/// Gives the allocator's free memory back to the OS (nothing to do on this platform).
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn trim() -> bool {
    false
}

#[cfg(test)]
mod tests {
    #[test]
    fn trimming_is_safe_to_call_any_time() {
        let big: Vec<Vec<u8>> = (0..64).map(|_| vec![1u8; 256 * 1024]).collect();
        drop(big);
        super::trim();
        super::trim();
    }
}
