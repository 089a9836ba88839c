//! One project's files, sorted into versions, each file judged for the
//! target: usable (with its tag rank) or unusable (with the reason).
//!
//! This is where pip's file-level rules live: wheel tags, the files'
//! `Requires-Python`, yanked files, `--no-binary`, `--hash` restrictions and
//! `--exclude-newer`. Version-level rules (specifiers, pre-releases,
//! preferences) are the provider's.
//!
//! A version's files are judged when the resolver first asks about that
//! version, not when the listing arrives: a page lists thousands of files
//! (every wheel of every release) and a resolution looks at a handful of
//! versions, so judging them all up front was most of a warm resolution.

use std::collections::BTreeMap;
use std::str::FromStr;
use std::sync::{Arc, OnceLock};

use pep440_rs::{Version, VersionSpecifiers};
use pipit_index::{FileOrigin, ListedFile, ProjectListing, WheelFilename, Yanked};
use pipit_python::Tags;
use version_ranges::Ranges;

use crate::reason::Unusable;

/// The facts about the target and the user's rules that judge a file.
pub(crate) struct FileRules {
    /// The target's accepted wheel tags, best first.
    pub tags: Arc<Tags>,
    /// The target's full Python version, for `Requires-Python`.
    pub python: Version,
    /// `--ignore-requires-python`.
    pub ignore_requires_python: bool,
    /// `--no-binary` names this project (or `:all:`).
    pub no_binary: bool,
    /// The user's `--hash` values for this project (`algorithm:hex`); empty
    /// means any file.
    pub hashes: Vec<String>,
    /// `--exclude-newer`: files uploaded after this (or with no upload time,
    /// from an index) do not exist for this resolution.
    pub exclude_newer: Option<jiff::Timestamp>,
}

/// How good a usable wheel is for the target: tag rank first, then the
/// higher build tag (PEP 427), as pip sorts them.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Rank {
    /// Position of the wheel's best tag in the target's list.
    pub tag: usize,
    /// The build tag, negated into "lower is better" order.
    pub build: std::cmp::Reverse<(u64, String)>,
}

/// A file's tag rank (lower is better) when usable, else why not.
pub(crate) type Verdict = Result<Rank, Unusable>;

/// All files of one version, judged on first use.
pub(crate) struct VersionFiles {
    /// The files of the version, in listing order.
    files: Vec<ListedFile>,
    /// One verdict per file, in the same order, once asked for.
    verdicts: OnceLock<Vec<Verdict>>,
    /// The project's rules, shared by all its versions.
    rules: Arc<FileRules>,
}

impl std::fmt::Debug for VersionFiles {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_struct("VersionFiles")
            .field("files", &self.files)
            .field("verdicts", &self.verdicts.get())
            .finish_non_exhaustive()
    }
}

/// What a project offers the target, by version.
#[derive(Debug, Default)]
pub(crate) struct Candidates {
    /// Versions (ascending) and their files.
    pub versions: BTreeMap<Version, VersionFiles>,
    /// Index files dropped because `--exclude-newer` could not date them.
    pub undated: usize,
    /// Files dropped because they were uploaded at or after `--exclude-newer`.
    pub too_new: usize,
}

impl Candidates {
    /// Sorts the files of `listing` into versions, to be judged by `rules`
    /// when asked, keeping the files (not copies: a page's files are most
    /// of a resolution's memory). Only `--exclude-newer` applies now, since
    /// the counts of files it drops explain an empty result.
    pub fn new(listing: ProjectListing, rules: FileRules) -> Self {
        let rules = Arc::new(rules);
        let mut candidates = Candidates::default();
        for listed in listing.files {
            if let Some(cutoff) = rules.exclude_newer {
                match upload_time(&listed) {
                    Some(uploaded) if uploaded < cutoff => {}
                    Some(_) => {
                        candidates.too_new += 1;
                        continue;
                    }
                    // Local find-links files carry no upload time and are
                    // the user's own choice: kept. Index files that cannot
                    // be dated might be newer, so they are left out.
                    None if matches!(listed.origin, FileOrigin::FindLinks) => {}
                    None => {
                        candidates.undated += 1;
                        continue;
                    }
                }
            }
            // Looked up before `entry`, which would take a copy of the
            // version for each of the version's files.
            let files = match candidates.versions.get_mut(&listed.version) {
                Some(files) => files,
                None => candidates
                    .versions
                    .entry(listed.version.clone())
                    .or_insert_with(|| VersionFiles {
                        files: Vec::new(),
                        verdicts: OnceLock::new(),
                        rules: rules.clone(),
                    }),
            };
            files.files.push(listed);
        }
        // Kept for the whole resolution: without the doubling's spare room.
        for version in candidates.versions.values_mut() {
            version.files.shrink_to_fit();
        }
        candidates
    }

    /// The file of the newest version in `range` with a usable, unyanked
    /// file: a final release, else a pre-release. Walks newest first and
    /// stops at the first usable final release, so older versions are not
    /// judged.
    pub fn newest_usable(&self, range: &Ranges<Version>) -> Option<&ListedFile> {
        let mut newest_prerelease = None;
        for (version, files) in self.versions.iter().rev() {
            if !range.contains(version) {
                continue;
            }
            let Ok(file) = files.best(false) else {
                continue;
            };
            if !version.any_prerelease() {
                return Some(file);
            }
            newest_prerelease.get_or_insert(file);
        }
        newest_prerelease
    }
}

impl VersionFiles {
    /// Each file with its verdict, judging the version's files on first call.
    pub fn judged(&self) -> impl Iterator<Item = (&ListedFile, &Verdict)> {
        let verdicts = self.verdicts.get_or_init(|| {
            self.files
                .iter()
                .map(|listed| judge(listed, &self.rules))
                .collect()
        });
        self.files.iter().zip(verdicts)
    }

    /// The file to install: the usable wheel with the best rank, a
    /// non-yanked one before a yanked one, and a yanked one only when
    /// `yanked_allowed` (the user pinned this version with `==`/`===`).
    /// Otherwise, the reason that best explains why the version cannot be
    /// used.
    pub fn best(&self, yanked_allowed: bool) -> Result<&ListedFile, Unusable> {
        let usable = self
            .judged()
            .filter_map(|(file, verdict)| verdict.as_ref().ok().map(|rank| (file, rank)));
        let mut best: Option<(&ListedFile, bool, &Rank)> = None;
        for (file, rank) in usable {
            let yanked = is_yanked(file);
            if yanked && !yanked_allowed {
                continue;
            }
            let better = match best {
                None => true,
                Some((_, best_yanked, best_rank)) => (yanked, rank) < (best_yanked, best_rank),
            };
            if better {
                best = Some((file, yanked, rank));
            }
        }
        if let Some((file, _, _)) = best {
            return Ok(file);
        }
        Err(self.unusable_reason())
    }

    /// Every usable file of the version (for `--generate-hashes`).
    pub fn usable_files(&self) -> impl Iterator<Item = &pipit_index::IndexFile> {
        self.judged()
            .filter(|(_, verdict)| verdict.is_ok())
            .map(|(listed, _)| &listed.file)
    }

    /// The most telling reason when no file is usable: a yanked usable
    /// wheel first (pinning fixes it), then the closest miss.
    fn unusable_reason(&self) -> Unusable {
        if let Some((file, _)) = self
            .judged()
            .find(|(file, verdict)| verdict.is_ok() && is_yanked(file))
        {
            let reason = match &file.file.yanked {
                Yanked::Yanked(reason) => reason.clone(),
                Yanked::NotYanked => None,
            };
            return Unusable::Yanked { reason };
        }
        let reasons: Vec<&Unusable> = self
            .judged()
            .filter_map(|(_, verdict)| verdict.as_ref().err())
            .collect();
        let rank = |reason: &Unusable| match reason {
            Unusable::RequiresPython { .. } => 0,
            Unusable::HashMismatch => 1,
            Unusable::NoCompatibleWheel { .. } => 2,
            Unusable::NoBinary => 3,
            Unusable::SourceOnly => 4,
            _ => 5,
        };
        let Some(first) = reasons.iter().min_by_key(|reason| rank(reason)) else {
            return Unusable::SourceOnly;
        };
        if let Unusable::NoCompatibleWheel { .. } = first {
            // Name every tag set offered, not just the first file's.
            let mut offered: Vec<String> = reasons
                .iter()
                .filter_map(|reason| match reason {
                    Unusable::NoCompatibleWheel { offered } => Some(offered.clone()),
                    _ => None,
                })
                .flatten()
                .collect();
            offered.sort();
            offered.dedup();
            offered.truncate(4);
            return Unusable::NoCompatibleWheel { offered };
        }
        (*first).clone()
    }
}

/// Whether the index marks the file yanked (PEP 592).
pub(crate) fn is_yanked(listed: &ListedFile) -> bool {
    matches!(listed.file.yanked, Yanked::Yanked(_))
}

fn judge(listed: &ListedFile, rules: &FileRules) -> Verdict {
    let file = &listed.file;
    // Only algorithms both sides know can rule a file out; a file the index
    // gives no comparable hash for is checked when it is downloaded.
    let comparable: Vec<String> = file
        .hashes
        .iter()
        .filter(|(algorithm, _)| {
            rules
                .hashes
                .iter()
                .any(|wanted| wanted.starts_with(&format!("{algorithm}:")))
        })
        .map(|(algorithm, hex)| format!("{algorithm}:{}", hex.to_ascii_lowercase()))
        .collect();
    if !comparable.is_empty() && !comparable.iter().any(|hash| rules.hashes.contains(hash)) {
        return Err(Unusable::HashMismatch);
    }
    if !rules.ignore_requires_python {
        if let Some(required) = file.requires_python.as_deref() {
            // pip ignores a Requires-Python it cannot parse.
            if let Ok(specifiers) = VersionSpecifiers::from_str(required) {
                if !specifiers.contains(&rules.python) {
                    return Err(Unusable::RequiresPython {
                        required: specifiers.to_string(),
                        target: rules.python.to_string(),
                    });
                }
            }
        }
    }
    let Some(wheel) = WheelFilename::parse(&file.filename) else {
        return Err(Unusable::SourceOnly);
    };
    if rules.no_binary {
        return Err(Unusable::NoBinary);
    }
    let compressed = format!(
        "{}-{}-{}",
        wheel.python_tags.join("."),
        wheel.abi_tags.join("."),
        wheel.platform_tags.join(".")
    );
    match rules.tags.wheel_priority(&compressed) {
        Ok(Some(tag)) => Ok(Rank {
            tag,
            build: std::cmp::Reverse(build_key(wheel.build_tag.as_deref())),
        }),
        _ => Err(Unusable::NoCompatibleWheel {
            offered: vec![compressed],
        }),
    }
}

/// A build tag as PEP 427 sorts it: leading digits as a number, then the rest.
fn build_key(tag: Option<&str>) -> (u64, String) {
    let Some(tag) = tag else {
        return (0, String::new());
    };
    let digits = tag.len() - tag.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let number = tag[..digits].parse().unwrap_or(0);
    (number, tag[digits..].to_string())
}

/// The file's PEP 700 upload time, when the index gave one.
fn upload_time(listed: &ListedFile) -> Option<jiff::Timestamp> {
    listed
        .file
        .upload_time
        .as_deref()
        .and_then(|text| jiff::Timestamp::from_str(text).ok())
}

#[cfg(test)]
mod tests {

    use pipit_index::{CoreMetadata, IndexFile};
    use pipit_python::Tag;

    use super::*;

    fn listing(files: &[(&str, &str)]) -> ProjectListing {
        let files = files
            .iter()
            .map(|(filename, sha256)| ListedFile {
                origin: FileOrigin::FindLinks,
                file: IndexFile {
                    filename: filename.to_string(),
                    url: url::Url::parse(&format!("https://example.invalid/{filename}"))
                        .expect("valid URL")
                        .into(),
                    hashes: pipit_index::Hashes::from([("sha256".to_string(), sha256.to_string())]),
                    requires_python: None,
                    yanked: Yanked::NotYanked,
                    core_metadata: CoreMetadata::Absent,
                    size: None,
                    upload_time: None,
                },
                version: Version::from_str("1.0").expect("valid version"),
            })
            .collect();
        ProjectListing {
            name: "a".to_string(),
            files,
        }
    }

    fn judged(hashes: &[String]) -> Vec<Verdict> {
        let rules = FileRules {
            tags: Arc::new(Tags::new(vec![Tag::new("py3", "none", "any")])),
            python: Version::from_str("3.11.4").expect("valid version"),
            ignore_requires_python: false,
            no_binary: false,
            hashes: hashes.to_vec(),
            exclude_newer: None,
        };
        let listing = listing(&[("a-1.0-py3-none-any.whl", "aa"), ("a-1.0.tar.gz", "bb")]);
        let candidates = Candidates::new(listing.clone(), rules);
        let files = &candidates.versions[&listing.files[0].version];
        assert!(files.verdicts.get().is_none(), "judged only when asked");
        files.judged().map(|(_, verdict)| verdict.clone()).collect()
    }

    #[test]
    fn hashes_rule_out_only_files_with_a_comparable_digest() {
        let verdicts = judged(&["sha256:aa".to_string()]);
        assert!(verdicts[0].is_ok());
        assert_eq!(verdicts[1], Err(Unusable::HashMismatch));
        // A different sha256 rules the wheel out.
        let verdicts = judged(&["sha256:cc".to_string()]);
        assert_eq!(verdicts[0], Err(Unusable::HashMismatch));
        // Only a sha512 from the user: the index's sha256 cannot decide,
        // so the download will.
        let verdicts = judged(&["sha512:dd".to_string()]);
        assert!(verdicts[0].is_ok());
    }

    #[test]
    fn newest_usable_prefers_final_releases_and_judges_no_older_versions() {
        let files = [
            ("a-0.9-py3-none-any.whl", "0.9"),
            ("a-1.0-py3-none-any.whl", "1.0"),
            ("a-1.5-cp99-none-any.whl", "1.5"),
            ("a-2.0.tar.gz", "2.0"),
            ("a-2.1rc1-py3-none-any.whl", "2.1rc1"),
        ];
        let names = files.map(|(name, _)| name);
        let mut listing = listing(&names.map(|name| (name, "aa")));
        for (listed, (_, version)) in listing.files.iter_mut().zip(files) {
            listed.version = Version::from_str(version).expect("valid version");
        }
        let rules = FileRules {
            tags: Arc::new(Tags::new(vec![Tag::new("py3", "none", "any")])),
            python: Version::from_str("3.11.4").expect("valid version"),
            ignore_requires_python: false,
            no_binary: false,
            hashes: Vec::new(),
            exclude_newer: None,
        };
        let candidates = Candidates::new(listing, rules);
        let version = |text: &str| Version::from_str(text).expect("valid version");
        let newest = |range: Ranges<Version>| {
            candidates
                .newest_usable(&range)
                .map(|file| file.file.filename.clone())
        };
        assert_eq!(newest(Ranges::full()).as_deref(), Some(names[1]));
        assert!(
            candidates.versions[&version("0.9")]
                .verdicts
                .get()
                .is_none(),
            "stopped at the first usable final release"
        );
        assert_eq!(
            newest(Ranges::higher_than(version("2.0"))).as_deref(),
            Some(names[4]),
            "a pre-release when no final release is usable"
        );
        assert_eq!(newest(Ranges::higher_than(version("3"))), None);
    }

    #[test]
    fn build_tags_sort_by_number_then_text() {
        assert!(build_key(Some("2")) > build_key(Some("1abc")));
        assert!(build_key(Some("10")) > build_key(Some("9")));
        assert!(build_key(Some("1b")) > build_key(Some("1a")));
        assert_eq!(build_key(None), (0, String::new()));
    }
}
