//! A global allocator that counts live bytes and their high-water mark, so a
//! benchmark can say how much memory one step needed on top of what was
//! already allocated.
//!
//! It counts the sizes requested from the allocator (`Layout::size`), not the
//! allocator's own overhead, and a `realloc` counts as its larger size only
//! (a moved block briefly holds both). The counters are exact for a
//! single-threaded program, which the benchmark is.
//!
//! This module is the crate's only unsafe code: `GlobalAlloc` is an unsafe
//! trait and its methods forward raw pointers to [`System`].

#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

/// [`System`] plus two counters.
pub struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// Plain loads and stores rather than read-modify-write operations: locked
// instructions on every allocation slowed the measured steps by several per
// cent. The counts are exact while one thread allocates at a time, which holds
// here: the benchmark starts no threads.
/// One thread's counters.
struct ThreadCounters {
    /// Allocation calls made by this thread: a deterministic measure of work
    /// (the same input always makes the same calls), unlike time.
    calls: Cell<u64>,
    /// Bytes allocated minus bytes freed by this thread (negative when it
    /// frees more than it allocated), and its high-water mark.
    live: Cell<i64>,
    peak: Cell<i64>,
}

thread_local! {
    /// Per thread, so that tests running side by side do not count each
    /// other's calls and bytes.
    static THREAD: ThreadCounters = const {
        ThreadCounters { calls: Cell::new(0), live: Cell::new(0), peak: Cell::new(0) }
    };
}

/// Allocation calls (`alloc`, `alloc_zeroed`, a growing `realloc`) this
/// thread has made.
pub fn calls() -> u64 {
    THREAD.with(|t| t.calls.get())
}

fn grew(bytes: usize) {
    // `try_with`: a thread being torn down may still free and allocate.
    let _ = THREAD.try_with(|t| {
        t.calls.set(t.calls.get() + 1);
        let live = t.live.get().wrapping_add(bytes as i64);
        t.live.set(live);
        if live > t.peak.get() {
            t.peak.set(live);
        }
    });
    let now = LIVE.load(Ordering::Relaxed).wrapping_add(bytes);
    LIVE.store(now, Ordering::Relaxed);
    if now > PEAK.load(Ordering::Relaxed) {
        PEAK.store(now, Ordering::Relaxed);
    }
}

fn shrank(bytes: usize) {
    let _ = THREAD.try_with(|t| t.live.set(t.live.get().wrapping_sub(bytes as i64)));
    let now = LIVE.load(Ordering::Relaxed).wrapping_sub(bytes);
    LIVE.store(now, Ordering::Relaxed);
}

// SAFETY: every method forwards its arguments unchanged to `System`, which
// upholds `GlobalAlloc`'s contract; the counters never touch the memory.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's guarantees on `layout` are passed on as they are.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            grew(layout.size());
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as for `alloc`.
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if !ptr.is_null() {
            grew(layout.size());
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by `System` with `layout` (every
        // allocation of this allocator is `System`'s).
        unsafe { System.dealloc(ptr, layout) };
        shrank(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as for `dealloc`; `new_size` is passed on unchanged.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            let old = layout.size();
            if new_size >= old {
                grew(new_size - old);
            } else {
                shrank(old - new_size);
            }
        }
        new
    }
}

/// Memory use of one measured step, from [`Span::start`] on.
#[derive(Debug, Clone, Copy)]
pub struct Span {
    start: usize,
}

impl Span {
    /// Starts a measurement: the high-water mark is reset to what is live now.
    /// Spans do not nest.
    pub fn start() -> Span {
        let live = LIVE.load(Ordering::Relaxed);
        PEAK.store(live, Ordering::Relaxed);
        Span { start: live }
    }

    /// The most bytes live at once since the start, above what was live then.
    pub fn peak(&self) -> usize {
        PEAK.load(Ordering::Relaxed).saturating_sub(self.start)
    }

    /// Bytes still live now, above what was live at the start (what the step
    /// returned and kept).
    pub fn retained(&self) -> usize {
        LIVE.load(Ordering::Relaxed).saturating_sub(self.start)
    }
}

/// Memory use of one step on this thread only: bytes this thread allocated
/// and did not free, so tests running side by side do not see each other's.
/// Memory another thread frees for this one is not seen.
#[derive(Debug, Clone, Copy)]
pub struct ThreadSpan {
    start: i64,
}

impl ThreadSpan {
    /// Starts a measurement: this thread's high-water mark is reset to what
    /// it holds now. Spans do not nest.
    pub fn start() -> ThreadSpan {
        THREAD.with(|t| {
            let live = t.live.get();
            t.peak.set(live);
            ThreadSpan { start: live }
        })
    }

    /// The most bytes this thread held at once since the start, above what it held then.
    pub fn peak(&self) -> usize {
        THREAD.with(|t| t.peak.get().saturating_sub(self.start).max(0) as usize)
    }

    /// Bytes this thread still holds, above what it held at the start.
    pub fn retained(&self) -> usize {
        THREAD.with(|t| t.live.get().saturating_sub(self.start).max(0) as usize)
    }
}
