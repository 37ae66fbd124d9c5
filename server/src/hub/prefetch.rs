//! A cache prefetch hint for the fanout loop.
//!
//! The fanout walks 10k subscribers and writes to each one's socket; the
//! first touch of each connection's outbox lock and descriptor missed the
//! cache and stalled the loop (two thirds of `ConnHandle::send`'s own time in
//! `perf annotate`). Asking for the connection a few places ahead lets that
//! miss overlap the current subscriber's `send`.
//!
//! This is the crate's only `unsafe`: `_mm_prefetch` is an `unsafe fn`
//! because it takes a raw pointer, but a prefetch never dereferences it and
//! cannot fault or change what the program computes.

/// How many connections ahead a loop over them prefetches. Each visit is a
/// syscall of a few µs, so one ahead already hides a cache miss; two leave
/// slack.
pub const AHEAD: usize = 2;

/// Hint that the cache line holding `value` will be read soon.
#[inline(always)]
pub fn prefetch<T>(value: &T) {
    #[cfg(target_arch = "x86_64")]
    #[allow(unsafe_code)]
    // SAFETY: prefetch has no architectural effect (no load, no fault); the
    // pointer comes from a live reference anyway.
    unsafe {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        _mm_prefetch::<_MM_HINT_T0>(std::ptr::from_ref(value).cast::<i8>());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}
