//! Sharing one wheel's work out to a few threads.
//!
//! Wheels are unpacked and staged a core's worth at a time, but one large
//! wheel would keep a single core busy while the others wait for it: scipy
//! is a third of the science set's bytes and arrives last, and jedi holds
//! 6,000 of the 11,471 files of jupyterlab's closure. Such a wheel's
//! entries are split into consecutive parts (so each thread keeps to a few
//! folders), one per thread the install can spare.
//!
//! It never decides how many threads the machine can spare: the install
//! lends a wheel its idle staging slots (a [`Lender`]), asked once the
//! wheel's size is known.

use std::sync::{Mutex, PoisonError};

/// Threads lent to one wheel's work, given back when dropped.
pub(crate) struct Loan {
    /// How many threads may work on it, the caller's own included.
    pub(crate) threads: usize,
    _returned_on_drop: Option<Box<dyn Send>>,
}

impl Loan {
    /// `threads` threads, held as long as `guard` lives.
    pub(crate) fn new(threads: usize, guard: Option<Box<dyn Send>>) -> Self {
        Self {
            threads: threads.max(1),
            _returned_on_drop: guard,
        }
    }

    /// The caller's own thread only.
    pub(crate) fn alone() -> Self {
        Self::new(1, None)
    }
}

/// Asked with how many threads a wheel's work could keep busy, lends what
/// it can spare.
pub(crate) type Lender = dyn Fn(usize) -> Loan + Send + Sync;

/// How many threads, `at_most` of them, keep busy with `amount` of work
/// when each needs at least `per_thread` of it.
pub(crate) fn threads_for(amount: u64, per_thread: u64, at_most: usize) -> usize {
    let wanted = usize::try_from(amount / per_thread.max(1)).unwrap_or(usize::MAX);
    wanted.clamp(1, at_most.max(1))
}

/// `items` in at most `parts` consecutive, non-empty parts of about equal
/// total `weight` (always one part, empty or not).
pub(crate) fn split_by_weight<T>(
    items: Vec<T>,
    parts: usize,
    weight: impl Fn(&T) -> u64,
) -> Vec<Vec<T>> {
    let parts = parts.clamp(1, items.len().max(1)) as u128;
    let total: u128 = items.iter().map(|item| u128::from(weight(item))).sum();
    let mut split: Vec<Vec<T>> = Vec::new();
    let mut current = Vec::new();
    let mut done: u128 = 0;
    for item in items {
        done += u128::from(weight(&item));
        current.push(item);
        // Cut when this part reaches its share of the whole.
        let cut = split.len() as u128 + 1;
        if cut < parts && done * parts >= total * cut {
            split.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() || split.is_empty() {
        split.push(current);
    }
    split
}

/// `work` on each part, the first on this thread and the others on their
/// own; the results in the parts' order.
pub(crate) fn in_parallel<T: Send, R: Send>(parts: Vec<T>, work: impl Fn(T) -> R + Sync) -> Vec<R> {
    // Each part waits in its slot for whichever thread takes it: its own,
    // or this one when the system refuses to start a thread.
    let slots: Vec<Mutex<Option<T>>> = parts
        .into_iter()
        .map(|part| Mutex::new(Some(part)))
        .collect();
    let take = |slot: &Mutex<Option<T>>| slot.lock().unwrap_or_else(PoisonError::into_inner).take();
    let work = &work;
    std::thread::scope(|scope| {
        let threads: Vec<_> = slots
            .iter()
            .skip(1)
            .map(|slot| {
                std::thread::Builder::new()
                    .spawn_scoped(scope, move || take(slot).map(work))
                    .ok()
            })
            .collect();
        let mut results = Vec::with_capacity(slots.len());
        results.extend(slots.first().and_then(take).map(work));
        for (slot, thread) in slots.iter().skip(1).zip(threads) {
            results.extend(match thread {
                Some(thread) => thread
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
                None => take(slot).map(work),
            });
        }
        results
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threads_follow_the_amount_of_work_up_to_the_limit() {
        assert_eq!(threads_for(0, 1500, 4), 1);
        assert_eq!(threads_for(2999, 1500, 4), 1);
        assert_eq!(threads_for(3000, 1500, 4), 2);
        assert_eq!(threads_for(4507, 1500, 4), 3);
        assert_eq!(threads_for(12_000, 1500, 2), 2);
        assert_eq!(threads_for(12_000, 1500, 0), 1);
        assert_eq!(threads_for(12_000, 0, 3), 3);
    }

    #[test]
    fn parts_are_consecutive_and_of_about_equal_weight() {
        let split = |len: usize, parts: usize| split_by_weight((0..len).collect(), parts, |_| 1);
        assert_eq!(split(0, 3), [Vec::<usize>::new()]);
        assert_eq!(split(2, 5).len(), 2);
        for (len, parts) in [(10, 1), (10, 3), (4501, 3), (3000, 2)] {
            let split = split(len, parts);
            assert_eq!(split.len(), parts, "{len} in {parts}");
            let sizes: Vec<usize> = split.iter().map(Vec::len).collect();
            let (smallest, largest) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
            assert!(largest - smallest <= 1, "{sizes:?}");
            let joined: Vec<usize> = split.into_iter().flatten().collect();
            assert_eq!(joined, (0..len).collect::<Vec<_>>());
        }
        // By weight: one heavy item is a part of its own; no part is empty.
        let weights = [100u64, 1, 1, 1, 1];
        let split = split_by_weight(weights.to_vec(), 2, |weight| *weight);
        assert_eq!(split, [vec![100], vec![1, 1, 1, 1]]);
        let split = split_by_weight(vec![1u64, 1, 100], 3, |weight| *weight);
        assert_eq!(split, [vec![1, 1, 100]]);
        let split = split_by_weight(vec![0u64, 0, 0], 2, |weight| *weight);
        assert_eq!(split.concat(), [0, 0, 0]);
        assert!(split.iter().all(|part| !part.is_empty()));
    }

    #[test]
    fn parts_run_on_their_own_threads_and_come_back_in_order() {
        let here = std::thread::current().id();
        let results = in_parallel(vec![0u64, 1, 2, 3], |part| {
            std::thread::sleep(std::time::Duration::from_millis(10 * (3 - part)));
            (part, std::thread::current().id())
        });
        let parts: Vec<u64> = results.iter().map(|(part, _)| *part).collect();
        assert_eq!(parts, [0, 1, 2, 3]);
        assert_eq!(results[0].1, here);
        let threads: std::collections::HashSet<_> =
            results.iter().map(|(_, thread)| *thread).collect();
        assert_eq!(threads.len(), 4);
    }
}
