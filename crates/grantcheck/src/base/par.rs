//! Independent work spread over threads when the `parallel` feature is on (native builds), and
//! done in order on one thread otherwise (the npm package). Results keep the input's order
//! either way, so reports are the same byte for byte.

/// How many threads share the work: 1 without the `parallel` feature, else rayon's count
/// (`RAYON_NUM_THREADS`, or one per core).
pub fn threads() -> usize {
    #[cfg(feature = "parallel")]
    return rayon::current_num_threads();
    #[cfg(not(feature = "parallel"))]
    1
}

/// Runs `f` on one of the pool's threads, the calling thread waiting for it. Work done between
/// the parallel steps then runs on a thread of the pool, not beside the pool's threads: on a
/// machine with as many cores as the pool has threads, the caller's thread would otherwise
/// share a core with a pool thread that is still looking for work, while another core idles.
#[cfg(feature = "parallel")]
pub fn on_pool<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    rayon::scope(|_| f())
}

/// Runs `f`.
#[cfg(not(feature = "parallel"))]
pub fn on_pool<R>(f: impl FnOnce() -> R) -> R {
    f()
}

/// Maps every item, keeping the order.
#[cfg(feature = "parallel")]
pub fn map<'a, T, R, F>(items: &'a [T], f: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    F: Fn(&'a T) -> R + Sync + Send,
{
    use rayon::prelude::*;
    items
        .par_iter()
        .with_max_len(piece_len(items.len()))
        .map(f)
        .collect()
}

/// The most items one thread takes at a time. Left to itself rayon cuts a list into about four
/// pieces per thread, and a thread that finishes early finds nothing left to take while the
/// other works through its last piece alone; pieces of a sixteenth per thread keep both busy to
/// the end where items differ in cost.
#[cfg(feature = "parallel")]
fn piece_len(items: usize) -> usize {
    items.div_ceil(threads() * 16).max(1)
}

/// Maps every item, keeping the order.
#[cfg(not(feature = "parallel"))]
pub fn map<'a, T, R, F>(items: &'a [T], f: F) -> Vec<R>
where
    F: Fn(&'a T) -> R,
{
    items.iter().map(f).collect()
}

/// Runs both, at the same time where there are threads.
#[cfg(feature = "parallel")]
pub fn join<A, B, RA, RB>(a: A, b: B) -> (RA, RB)
where
    A: FnOnce() -> RA + Send,
    B: FnOnce() -> RB + Send,
    RA: Send,
    RB: Send,
{
    rayon::join(a, b)
}

/// Runs both, at the same time where there are threads.
#[cfg(not(feature = "parallel"))]
pub fn join<A, B, RA, RB>(a: A, b: B) -> (RA, RB)
where
    A: FnOnce() -> RA,
    B: FnOnce() -> RB,
{
    (a(), b())
}

/// Memory a check no longer needs, freed on the pool's threads while the caller goes on with the
/// report: large trees of values take as long to free as to build. `wait` returns once all of
/// it is freed.
#[derive(Default)]
pub struct Deferred {
    #[cfg(feature = "parallel")]
    pending: std::sync::Arc<Pending>,
}

/// How many frees are still at work, and the signal that the count fell to nought.
#[cfg(feature = "parallel")]
#[derive(Default)]
struct Pending {
    count: std::sync::Mutex<usize>,
    done: std::sync::Condvar,
}

#[cfg(feature = "parallel")]
impl Pending {
    fn lock(&self) -> std::sync::MutexGuard<'_, usize> {
        // the count is changed in one step under the lock, so it holds even if a holder panicked
        self.count
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Counts one free as done when dropped, even if freeing panicked.
#[cfg(feature = "parallel")]
struct Done(std::sync::Arc<Pending>);

#[cfg(feature = "parallel")]
impl Drop for Done {
    fn drop(&mut self) {
        let mut n = self.0.lock();
        *n = n.saturating_sub(1);
        if *n == 0 {
            self.0.done.notify_all();
        }
    }
}

impl Deferred {
    /// Frees `leftovers` with `free` on the current pool, or at once without threads.
    #[cfg(feature = "parallel")]
    pub fn free<T: Send + 'static>(&self, leftovers: T, free: fn(T)) {
        *self.pending.lock() += 1;
        let done = Done(self.pending.clone());
        rayon::spawn(move || {
            let _done = done;
            free(leftovers);
        });
    }

    /// Frees `leftovers` with `free`.
    #[cfg(not(feature = "parallel"))]
    pub fn free<T>(&self, leftovers: T, free: fn(T)) {
        free(leftovers);
    }

    /// Waits until everything given to `free` is freed.
    #[cfg(feature = "parallel")]
    pub fn wait(&self) {
        let mut n = self.pending.lock();
        while *n > 0 {
            if rayon::current_thread_index().is_some() {
                // a thread of a pool does pending work itself: waiting could keep the freeing
                // from ever running on a pool of one thread
                drop(n);
                if rayon::yield_now() != Some(rayon::Yield::Executed) {
                    std::thread::yield_now();
                }
                n = self.pending.lock();
            } else {
                n = self
                    .pending
                    .done
                    .wait(n)
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
            }
        }
    }

    /// Waits until everything given to `free` is freed (at once: it was freed then).
    #[cfg(not(feature = "parallel"))]
    pub fn wait(&self) {}
}

/// Frees `leftovers` with `free`: later, beside the caller's work, when `deferred` is given.
pub fn free<T: Send + 'static>(deferred: Option<&Deferred>, leftovers: T, free: fn(T)) {
    match deferred {
        Some(d) => d.free(leftovers, free),
        None => free(leftovers),
    }
}

/// Frees every item, spread over threads where there are threads: large trees of values take
/// as long to free as to build.
#[cfg(feature = "parallel")]
pub fn drop_all<T: Send>(items: Vec<T>) {
    use rayon::prelude::*;
    items.into_par_iter().for_each(drop);
}

/// Frees every item.
#[cfg(not(feature = "parallel"))]
pub fn drop_all<T>(items: Vec<T>) {
    drop(items);
}

#[cfg(all(test, feature = "parallel"))]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn wait_returns_once_what_is_freed_later_is_freed() {
        static FREED: AtomicUsize = AtomicUsize::new(0);
        let deferred = super::Deferred::default();
        deferred.free(vec![1u8; 1 << 20], |v| {
            std::thread::sleep(std::time::Duration::from_millis(50));
            drop(v);
            FREED.fetch_add(1, Ordering::SeqCst);
        });
        deferred.wait();
        assert_eq!(FREED.load(Ordering::SeqCst), 1);
    }
}
