//! Everything the solver waits for, fetched on the async runtime with
//! bounded parallelism: project listings (judged into [`Candidates`]) and
//! candidate metadata.
//!
//! The solver runs on a thread of its own and blocks on a slot only when it
//! needs an answer now; prefetches fill slots ahead of time, so resolution
//! time is dominated by the slowest few requests rather than their sum.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use pep508_rs::PackageName;
use pipit_index::{
    list_project_with, CandidateMetadataError, DistMetadata, FindLinks, IndexClient, IndexFile,
    ListError, ProjectListing,
};
use pipit_python::Tags;
use tokio::runtime::Handle;
use tokio::sync::{watch, Semaphore};

use crate::candidates::{Candidates, FileRules};
use crate::request::ResolveOptions;

/// A value filled once by a task and awaited by any number of waiters,
/// async or blocking.
pub(crate) struct Slot<T> {
    sender: watch::Sender<Option<T>>,
}

/// Fills its slot with `fallback` if dropped before the task filled it (a
/// panicking or cancelled fetch), so the solver never waits forever.
struct FillOnDrop<T: Clone> {
    slot: Arc<Slot<T>>,
    fallback: Option<T>,
}

impl<T: Clone> FillOnDrop<T> {
    fn fill(mut self, value: T) {
        self.fallback = None;
        self.slot.fill(value);
    }
}

impl<T: Clone> Drop for FillOnDrop<T> {
    fn drop(&mut self) {
        if let Some(fallback) = self.fallback.take() {
            self.slot.fill(fallback);
        }
    }
}

/// The slot of `key`, and whether it is new (the caller then starts the
/// fetch that fills it).
fn slot_for<K, T>(slots: &Mutex<HashMap<K, Arc<Slot<T>>>>, key: &K) -> (Arc<Slot<T>>, bool)
where
    K: std::hash::Hash + Eq + Clone,
    T: Clone,
{
    let mut slots = slots.lock().unwrap_or_else(PoisonError::into_inner);
    match slots.get(key) {
        Some(slot) => (slot.clone(), false),
        None => {
            let slot = Arc::new(Slot::new());
            slots.insert(key.clone(), slot.clone());
            (slot, true)
        }
    }
}

/// The error a fetch that never finished leaves behind.
fn interrupted() -> pipit_index::IndexError {
    pipit_index::IndexError::Client {
        message: "a fetch stopped before it finished".to_string(),
    }
}

impl<T: Clone> Slot<T> {
    fn new() -> Self {
        Slot {
            sender: watch::Sender::new(None),
        }
    }

    fn fill(&self, value: T) {
        self.sender.send_replace(Some(value));
    }

    /// Waits for the value.
    pub async fn get(&self) -> T {
        let mut receiver = self.sender.subscribe();
        let value = match receiver.wait_for(Option::is_some).await {
            Ok(value) => value.clone(),
            // The sender lives as long as `self`, so it cannot be gone.
            Err(_) => None,
        };
        value.expect("a slot is awaited only while it exists")
    }
}

/// A project's candidates, or why it could not be listed.
pub(crate) type ListingResult = Result<Arc<Candidates>, Arc<ListError>>;

/// A candidate's metadata, or why not.
#[derive(Clone)]
pub(crate) enum MetadataResult {
    /// Parsed and matching the file name.
    Ok(Arc<DistMetadata>),
    /// Malformed: this candidate is unusable, the resolution goes on.
    Invalid(String),
    /// Could not be fetched: the resolution stops.
    Failed(Arc<CandidateMetadataError>),
}

/// The user's per-project file rules, owned so tasks can use them.
pub(crate) struct Rules {
    /// The target's tags.
    pub tags: Arc<Tags>,
    /// The target's full Python version.
    pub python: pep440_rs::Version,
    /// The options.
    pub options: ResolveOptions,
    /// `--hash` values per project.
    pub hashes: HashMap<PackageName, Vec<String>>,
}

impl Rules {
    fn for_project(&self, name: &PackageName) -> FileRules {
        FileRules {
            tags: self.tags.clone(),
            python: self.python.clone(),
            ignore_requires_python: self.options.ignore_requires_python,
            no_binary: self.options.no_binary.contains(name),
            hashes: self.hashes.get(name).cloned().unwrap_or_default(),
            exclude_newer: self.options.exclude_newer,
        }
    }
}

/// The fetch side of the resolver.
pub(crate) struct Fetcher {
    handle: Handle,
    client: IndexClient,
    find_links: FindLinks,
    rules: Arc<Rules>,
    /// Listings the caller made up front (direct references).
    fixed: HashMap<PackageName, ProjectListing>,
    permits: Semaphore,
    listings: Mutex<HashMap<PackageName, Arc<Slot<ListingResult>>>>,
    metadata: Mutex<HashMap<String, Arc<Slot<MetadataResult>>>>,
}

impl Fetcher {
    /// A fetcher on `handle`'s runtime.
    pub fn new(
        handle: Handle,
        client: IndexClient,
        find_links: FindLinks,
        rules: Rules,
        fixed: HashMap<PackageName, ProjectListing>,
    ) -> Arc<Self> {
        let permits = Semaphore::new(rules.options.concurrency.max(1));
        Arc::new(Fetcher {
            handle,
            client,
            find_links,
            rules: Arc::new(rules),
            fixed,
            permits,
            listings: Mutex::new(HashMap::new()),
            metadata: Mutex::new(HashMap::new()),
        })
    }

    /// The rules files are judged by.
    pub fn rules(&self) -> &Rules {
        &self.rules
    }

    /// The slot of `name`'s listing, starting the fetch if nobody has.
    pub fn listing(self: &Arc<Self>, name: &PackageName) -> Arc<Slot<ListingResult>> {
        let (slot, start) = slot_for(&self.listings, name);
        if start {
            let this = self.clone();
            let name = name.clone();
            let guard = FillOnDrop {
                slot: slot.clone(),
                fallback: Some(Err(Arc::new(ListError::Index(interrupted())))),
            };
            self.handle.spawn(async move {
                let result = this.fetch_listing(&name).await;
                guard.fill(result);
            });
        }
        slot
    }

    async fn fetch_listing(&self, name: &PackageName) -> ListingResult {
        let listing = match self.fixed.get(name) {
            Some(listing) => listing.clone(),
            None => {
                let _permit = self.permits.acquire().await;
                let upload_times = self.rules.options.exclude_newer.is_some();
                list_project_with(
                    Some(&self.client),
                    &self.find_links,
                    name.as_ref(),
                    upload_times,
                )
                .await
                .map_err(Arc::new)?
            }
        };
        Ok(Arc::new(Candidates::new(
            listing,
            self.rules.for_project(name),
        )))
    }

    /// The slot of `file`'s metadata, starting the fetch if nobody has.
    pub fn metadata(self: &Arc<Self>, file: &IndexFile) -> Arc<Slot<MetadataResult>> {
        let (slot, start) = slot_for(&self.metadata, &file.url.to_string());
        if start {
            let this = self.clone();
            let file = file.clone();
            let guard = FillOnDrop {
                slot: slot.clone(),
                fallback: Some(MetadataResult::Failed(Arc::new(
                    CandidateMetadataError::Index(interrupted()),
                ))),
            };
            self.handle.spawn(async move {
                let _permit = this.permits.acquire().await;
                let result = match this.client.dist_metadata(&file).await {
                    Ok((metadata, _source)) => MetadataResult::Ok(Arc::new(metadata)),
                    Err(CandidateMetadataError::Metadata(error)) => {
                        MetadataResult::Invalid(error.to_string())
                    }
                    Err(error @ CandidateMetadataError::SourceDistribution { .. }) => {
                        MetadataResult::Invalid(error.to_string())
                    }
                    Err(error) => MetadataResult::Failed(Arc::new(error)),
                };
                guard.fill(result);
            });
        }
        slot
    }

    /// Blocks the (non-runtime) solver thread until `slot` is filled.
    pub fn wait<T: Clone>(&self, slot: &Slot<T>) -> T {
        self.handle.block_on(slot.get())
    }
}

impl Fetcher {
    /// Starts fetching what the solver will probably ask about `name` next:
    /// its listing, then the metadata of its newest usable version in
    /// `range` (final releases first).
    pub fn prefetch(
        self: &Arc<Self>,
        name: &PackageName,
        range: version_ranges::Ranges<pep440_rs::Version>,
    ) {
        let slot = self.listing(name);
        let this = self.clone();
        self.handle.spawn(async move {
            let Ok(candidates) = slot.get().await else {
                return;
            };
            if let Some(file) = candidates.newest_usable(&range) {
                this.metadata(&file.file);
            }
        });
    }
}
