//! Returning freed heap memory to the OS after a burst.
//!
//! glibc's allocator keeps memory freed by a burst of large turns (100 KiB messages, their
//! JSON, the model request) in its arenas: measured, a gateway stayed at 80 MiB after 2,000
//! such turns and 30 s of idleness, from 21 MiB before. Every [`TRIM_EVERY`], when no run is
//! queued or running, the gateway calls `malloc_trim(0)`, which gives free pages of every
//! arena back to the kernel (the figures before and after are in `bench/README.md`). On other
//! platforms (musl, macOS) this is a no-op.
//!
//! Because memory is given back when idle, the allocator need not give it back after every
//! request: [`tune`] raises glibc's trim and mmap thresholds, so a turn's ~200 KiB of buffers
//! are reused by the next turn instead of being returned with `madvise` and faulted in again
//! (measured: one `madvise(MADV_DONTNEED)` of ~210 KiB and its page faults per turn).

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

/// Freed memory the allocator keeps at the top of a heap before returning it (glibc).
pub const TRIM_THRESHOLD: usize = 8 << 20;
/// Allocations at least this large get their own mapping (glibc).
pub const MMAP_THRESHOLD: usize = 4 << 20;

/// Sets the allocator thresholds (call once, before the gateway starts its threads).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
pub fn tune() {
    // SAFETY: mallopt only sets allocator parameters; called at start-up.
    unsafe {
        libc::mallopt(libc::M_TRIM_THRESHOLD, TRIM_THRESHOLD as libc::c_int);
        libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD as libc::c_int);
    }
}

/// Sets the allocator thresholds (nothing to do on this platform).
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn tune() {}

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
