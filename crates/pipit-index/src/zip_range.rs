//! A wheel's METADATA through HTTP range requests, without downloading the
//! wheel: for indexes that offer no PEP 658 metadata file but answer
//! `Range: bytes=…` (most static file servers and CDNs do). Local wheels
//! (find-links folders) are read the same way, through the file, so a
//! large wheelhouse costs a few small reads per wheel, not its size.
//!
//! ```text
//!  wheel on the server                          requests
//!  ┌──────────────────────────────┐
//!  │ local header + data, …       │
//!  │ …dist-info/METADATA entry    │ ◄── 2: bytes=<entry start>-<next entry start - 1>
//!  │ …                            │     (skipped when the tail already holds it)
//!  │ central directory            │ ◄── 1b: only if it starts before the tail
//!  │ [zip64 end record + locator] │
//!  │ end of central directory     │ ◄── 1: bytes=-TAIL_SIZE (the tail, and the total size)
//!  │ [comment ≤ 64 KiB]           │
//!  └──────────────────────────────┘
//! ```
//!
//! So a wheel costs two small requests, three when its central directory is
//! larger than the tail, one when the tail holds everything; never the whole
//! file. A server that answers `200` instead of `206` does not support
//! ranges (and one that answers `416` refuses the range asked for): the
//! response body is dropped unread and the functions return `Ok(None)`, so
//! that the caller downloads the wheel instead.
//!
//! The central directory is parsed by hand against the ZIP specification
//! (PKWARE's APPNOTE, sections 4.3.12 to 4.3.16) rather than with the `zip`
//! crate over a sparse `Read + Seek` buffer: `zip::ZipArchive` wants a
//! reader over the whole file and seeks where it likes (it looks for
//! prepended data, reads records it does not need), so a sparse buffer
//! would need to fail or invent bytes on reads outside what was fetched;
//! and the parts needed here (end records, central directory entries, one
//! local header) are a few fixed little-endian layouts. (The zip crate over
//! a local file would work, but reads the central directory entry by entry:
//! a seek and a read each, thousands for a large wheel.)

use std::future::Future;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;
use std::task::{Context, Poll, Waker};

use flate2::read::DeflateDecoder;
use reqwest::header::{ACCEPT_ENCODING, CONTENT_RANGE, RANGE};
use reqwest::StatusCode;
use url::Url;

use crate::error::MetadataError;
use crate::metadata::{find_metadata_entry, DistMetadata, MAX_METADATA_SIZE};
use crate::simple::redact;

/// The first request's size: enough for the end record with the largest
/// possible comment (22 + 65 535 bytes) and the ZIP64 end record and locator
/// (56 + 20), plus the central directory of a wheel of about 150 files.
pub const TAIL_SIZE: u64 = 80 * 1024;

const END_OF_CENTRAL_DIRECTORY: u32 = 0x0605_4b50;
const ZIP64_END_OF_CENTRAL_DIRECTORY: u32 = 0x0606_4b50;
const ZIP64_END_LOCATOR: u32 = 0x0706_4b50;
const CENTRAL_DIRECTORY_HEADER: u32 = 0x0201_4b50;
const LOCAL_FILE_HEADER: u32 = 0x0403_4b50;

/// The core metadata of the wheel `filename` at `url`, read with range
/// requests and checked against the file name; `Ok(None)` when the server
/// does not support ranges.
pub async fn wheel_metadata_by_range(
    client: &reqwest::Client,
    url: &Url,
    filename: &str,
) -> Result<Option<DistMetadata>, MetadataError> {
    let Some(bytes) = wheel_metadata_bytes_by_range(client, url, filename).await? else {
        return Ok(None);
    };
    let metadata = DistMetadata::parse(&bytes, &format!("{}!METADATA", redact(url)))?;
    metadata.check_wheel_filename(filename)?;
    Ok(Some(metadata))
}

/// The METADATA bytes of the wheel `filename` at `url` (for a cache to keep
/// as they are); `Ok(None)` when the server does not support ranges.
pub async fn wheel_metadata_bytes_by_range(
    client: &reqwest::Client,
    url: &Url,
    filename: &str,
) -> Result<Option<Vec<u8>>, MetadataError> {
    let Some(remote) = SparseZip::open_remote(client, url).await? else {
        return Ok(None);
    };
    metadata_bytes(remote, filename).await
}

/// The METADATA bytes of the local wheel file `path`, read the same way: the
/// tail, the central directory and the one entry, a few small reads
/// whatever the wheel's size. Only stored and deflated entries are read.
pub(crate) fn local_wheel_metadata_bytes(
    path: &Path,
    filename: &str,
) -> Result<Vec<u8>, MetadataError> {
    let read_error = |source| MetadataError::Read {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(read_error)?;
    let total = file.metadata().map_err(read_error)?.len();
    let local = LocalFile {
        file,
        path: path.to_path_buf(),
    };
    let tail_start = total.saturating_sub(TAIL_SIZE);
    let tail = local.read_range(tail_start, total)?;
    let zip = SparseZip {
        ranges: local,
        total,
        tail_start,
        tail,
    };
    let short = || MetadataError::Zip {
        wheel: filename.to_string(),
        message: "a local read did not complete".to_string(),
    };
    // Reading a local file never waits: the future is ready when first polled.
    let mut context = Context::from_waker(Waker::noop());
    match std::pin::pin!(metadata_bytes(zip, filename)).poll(&mut context) {
        Poll::Ready(read) => read?.ok_or_else(short),
        Poll::Pending => {
            debug_assert!(false, "a local range read waited");
            Err(short())
        }
    }
}

/// The METADATA bytes of wheel `filename` from its tail onwards; `Ok(None)`
/// when the source stopped honouring ranges.
async fn metadata_bytes<R: Ranges>(
    mut zip: SparseZip<R>,
    filename: &str,
) -> Result<Option<Vec<u8>>, MetadataError> {
    let zip_error = |message: String| MetadataError::Zip {
        wheel: filename.to_string(),
        message,
    };
    let end = find_end_record(&zip.tail).map_err(zip_error)?;
    let end_position = zip.tail_start + end.position as u64;
    let directory = if end.zip64_locator_offset.is_some() || end.needs_zip64() {
        let offset = end.zip64_locator_offset.ok_or_else(|| {
            zip_error("the end record asks for zip64 but there is no zip64 locator".to_string())
        })?;
        if offset + 56 > end_position {
            return Err(zip_error(format!(
                "the zip64 end record offset {offset} is past the end record"
            )));
        }
        let Some(record) = zip.read(offset, offset + 56).await? else {
            return Ok(None);
        };
        parse_zip64_end_record(&record).map_err(zip_error)?
    } else {
        end.directory
    };
    let directory_end = directory
        .offset
        .checked_add(directory.size)
        .filter(|directory_end| *directory_end <= end_position)
        .ok_or_else(|| zip_error("the central directory runs past the end record".to_string()))?;

    let Some(central) = zip.read(directory.offset, directory_end).await? else {
        return Ok(None);
    };
    let entries = parse_central_directory(&central, directory.entries).map_err(zip_error)?;
    let name = find_metadata_entry(filename, entries.iter().map(|entry| entry.name.as_str()))?;
    let Some(entry) = entries.iter().find(|entry| entry.name == name) else {
        return Err(zip_error(format!("`{name}` vanished from the listing")));
    };

    let (entry_start, entry_end) =
        entry_range(entry, &entries, directory.offset).map_err(zip_error)?;
    let Some(local) = zip.read(entry_start, entry_end).await? else {
        return Ok(None);
    };
    read_local_entry(&local, entry).map(Some).map_err(zip_error)
}

/// A file read by byte ranges: a wheel on an HTTP server, or on disk.
trait Ranges {
    /// The file, for messages.
    fn name(&self) -> String;

    /// Exactly the bytes `start..end`; `None` when the source stopped
    /// honouring ranges.
    async fn fetch_exact(&self, start: u64, end: u64) -> Result<Option<Vec<u8>>, MetadataError>;
}

/// A remote wheel.
struct Http<'a> {
    client: &'a reqwest::Client,
    url: &'a Url,
}

impl Ranges for Http<'_> {
    fn name(&self) -> String {
        redact(self.url)
    }

    async fn fetch_exact(&self, start: u64, end: u64) -> Result<Option<Vec<u8>>, MetadataError> {
        let range = format!("bytes={start}-{}", end - 1);
        let Some(part) = fetch(self.client, self.url, range).await? else {
            return Ok(None);
        };
        if part.start != start || part.bytes.len() as u64 != end - start {
            return Err(MetadataError::BadRange {
                url: redact(self.url),
                message: format!(
                    "asked for bytes {start}..{end}, got {} bytes from offset {}",
                    part.bytes.len(),
                    part.start
                ),
            });
        }
        Ok(Some(part.bytes))
    }
}

/// A wheel on disk.
struct LocalFile {
    file: std::fs::File,
    path: std::path::PathBuf,
}

impl LocalFile {
    fn read_range(&self, start: u64, end: u64) -> Result<Vec<u8>, MetadataError> {
        let read_error = |source| MetadataError::Read {
            path: self.path.clone(),
            source,
        };
        let length = usize::try_from(end.saturating_sub(start)).unwrap_or(usize::MAX);
        let mut bytes = vec![0; length];
        let mut file = &self.file;
        file.seek(SeekFrom::Start(start)).map_err(read_error)?;
        file.read_exact(&mut bytes).map_err(read_error)?;
        Ok(bytes)
    }
}

impl Ranges for LocalFile {
    fn name(&self) -> String {
        self.path.display().to_string()
    }

    async fn fetch_exact(&self, start: u64, end: u64) -> Result<Option<Vec<u8>>, MetadataError> {
        self.read_range(start, end).map(Some)
    }
}

/// The part of a file read so far: one contiguous run up to the end of
/// the file, grown towards the start when the central directory needs it.
/// Pieces far from it (the METADATA entry) are read on their own and not
/// kept.
struct SparseZip<R> {
    ranges: R,
    total: u64,
    tail_start: u64,
    tail: Vec<u8>,
}

impl<'a> SparseZip<Http<'a>> {
    /// Fetch the tail; `None` when the server ignores the range.
    async fn open_remote(
        client: &'a reqwest::Client,
        url: &'a Url,
    ) -> Result<Option<Self>, MetadataError> {
        let Some(part) = fetch(client, url, format!("bytes=-{TAIL_SIZE}")).await? else {
            return Ok(None);
        };
        if part.start + part.bytes.len() as u64 != part.total {
            return Err(MetadataError::BadRange {
                url: redact(url),
                message: format!(
                    "asked for the last {TAIL_SIZE} bytes, got {} bytes from offset {} of {}",
                    part.bytes.len(),
                    part.start,
                    part.total
                ),
            });
        }
        Ok(Some(SparseZip {
            ranges: Http { client, url },
            total: part.total,
            tail_start: part.start,
            tail: part.bytes,
        }))
    }
}

impl<R: Ranges> SparseZip<R> {
    /// The bytes `start..end` of the file; `None` when the source stopped
    /// honouring ranges.
    async fn read(&mut self, start: u64, end: u64) -> Result<Option<Vec<u8>>, MetadataError> {
        if start > end || end > self.total {
            return Err(MetadataError::BadRange {
                url: self.ranges.name(),
                message: format!(
                    "bytes {start}..{end} are outside the {} byte file",
                    self.total
                ),
            });
        }
        if start >= self.tail_start {
            let from = usize::try_from(start - self.tail_start).unwrap_or(usize::MAX);
            let to = usize::try_from(end - self.tail_start).unwrap_or(usize::MAX);
            return self
                .tail
                .get(from..to)
                .map(|bytes| Some(bytes.to_vec()))
                .ok_or_else(|| MetadataError::BadRange {
                    url: self.ranges.name(),
                    message: format!("bytes {start}..{end} are not in the fetched tail"),
                });
        }
        // Overlapping the tail: fetch only the missing front and keep it.
        let fetch_end = end.min(self.tail_start);
        let Some(part) = self.ranges.fetch_exact(start, fetch_end).await? else {
            return Ok(None);
        };
        if end <= self.tail_start {
            return Ok(Some(part));
        }
        let mut grown = part;
        grown.extend_from_slice(&self.tail);
        self.tail = grown;
        self.tail_start = start;
        let to = usize::try_from(end - start).unwrap_or(usize::MAX);
        Ok(self.tail.get(..to).map(<[u8]>::to_vec))
    }
}

struct Part {
    start: u64,
    total: u64,
    bytes: Vec<u8>,
}

/// One range request. `None` for a `200` (no range support) or a `416`: the
/// body is dropped without being read, so the whole file is never
/// transferred.
async fn fetch(
    client: &reqwest::Client,
    url: &Url,
    range: String,
) -> Result<Option<Part>, MetadataError> {
    let http_error = |source| MetadataError::Http {
        url: redact(url),
        source,
    };
    let response = client
        .get(url.clone())
        .header(RANGE, range)
        // A compressed answer's Content-Range would count compressed bytes.
        .header(ACCEPT_ENCODING, "identity")
        .send()
        .await
        .map_err(http_error)?;
    match response.status() {
        StatusCode::PARTIAL_CONTENT => {}
        // 200: ranges are not supported. 416: not this range (some servers
        // refuse suffix ranges, and an empty file has no last bytes); either
        // way, downloading the whole file is what is left.
        StatusCode::OK | StatusCode::RANGE_NOT_SATISFIABLE => return Ok(None),
        status => {
            return Err(MetadataError::Status {
                url: redact(url),
                status: status.as_u16(),
            })
        }
    }
    let content_range = response
        .headers()
        .get(CONTENT_RANGE)
        .and_then(|value| value.to_str().ok())
        .map(str::to_string);
    let (start, total) = content_range
        .as_deref()
        .and_then(parse_content_range)
        .ok_or_else(|| MetadataError::BadRange {
            url: redact(url),
            message: format!("unusable Content-Range {content_range:?}"),
        })?;
    let bytes = response.bytes().await.map_err(http_error)?.to_vec();
    Ok(Some(Part {
        start,
        total,
        bytes,
    }))
}

/// `bytes <first>-<last>/<total>` → (first, total). A `*` total is
/// unusable: the size of the file is what the tail read is for.
fn parse_content_range(value: &str) -> Option<(u64, u64)> {
    let rest = value.trim().strip_prefix("bytes")?.trim_start();
    let (range, total) = rest.split_once('/')?;
    let (first, _last) = range.split_once('-')?;
    Some((first.trim().parse().ok()?, total.trim().parse().ok()?))
}

fn u16_at(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(bytes.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

fn u64_at(bytes: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(bytes.get(at..at + 8)?.try_into().ok()?))
}

/// Where the central directory is and how many entries it has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Directory {
    entries: u64,
    size: u64,
    offset: u64,
}

/// The end of central directory record found in a tail.
#[derive(Debug)]
struct EndRecord {
    /// Offset of the record in the tail.
    position: usize,
    directory: Directory,
    /// From the ZIP64 locator just before the record, if there is one.
    zip64_locator_offset: Option<u64>,
}

impl EndRecord {
    /// APPNOTE 4.4.1.4: a field at its maximum means "see the ZIP64 record".
    fn needs_zip64(&self) -> bool {
        self.directory.entries == 0xffff
            || self.directory.size == 0xffff_ffff
            || self.directory.offset == 0xffff_ffff
    }
}

/// APPNOTE 4.3.16: scan back from the end for the record's signature,
/// accepting it only where its comment length reaches exactly to the end
/// (a comment may itself hold the signature bytes).
fn find_end_record(tail: &[u8]) -> Result<EndRecord, String> {
    let last = tail
        .len()
        .checked_sub(22)
        .ok_or_else(|| format!("{} bytes is too short for a zip file", tail.len()))?;
    let first = last.saturating_sub(0xffff);
    for position in (first..=last).rev() {
        if u32_at(tail, position) != Some(END_OF_CENTRAL_DIRECTORY) {
            continue;
        }
        let comment_length = u16_at(tail, position + 20).unwrap_or(u16::MAX) as usize;
        if position + 22 + comment_length != tail.len() {
            continue;
        }
        let field = |at| u16_at(tail, position + at).unwrap_or(0);
        let (this_disk, directory_disk) = (field(4), field(6));
        if this_disk != 0 && this_disk != 0xffff || directory_disk != 0 && directory_disk != 0xffff
        {
            return Err("multi-disk zip archives are not supported".to_string());
        }
        let zip64_locator_offset = position
            .checked_sub(20)
            .filter(|locator| u32_at(tail, *locator) == Some(ZIP64_END_LOCATOR))
            .and_then(|locator| u64_at(tail, locator + 8));
        return Ok(EndRecord {
            position,
            directory: Directory {
                entries: u64::from(field(10)),
                size: u64::from(u32_at(tail, position + 12).unwrap_or(0)),
                offset: u64::from(u32_at(tail, position + 16).unwrap_or(0)),
            },
            zip64_locator_offset,
        });
    }
    Err("no end of central directory record: not a zip file".to_string())
}

/// APPNOTE 4.3.14: the ZIP64 end of central directory record.
fn parse_zip64_end_record(record: &[u8]) -> Result<Directory, String> {
    if u32_at(record, 0) != Some(ZIP64_END_OF_CENTRAL_DIRECTORY) {
        return Err("the zip64 locator does not point at a zip64 end record".to_string());
    }
    let read = |at| u64_at(record, at).ok_or_else(|| "truncated zip64 end record".to_string());
    Ok(Directory {
        entries: read(32)?,
        size: read(40)?,
        offset: read(48)?,
    })
}

/// One central directory entry, with ZIP64 sizes and offset applied.
#[derive(Debug, Clone, PartialEq, Eq)]
struct CentralEntry {
    name: String,
    method: u16,
    crc32: u32,
    compressed_size: u64,
    uncompressed_size: u64,
    local_offset: u64,
}

/// APPNOTE 4.3.12 and 4.5.3 (the ZIP64 extra field).
fn parse_central_directory(bytes: &[u8], expected: u64) -> Result<Vec<CentralEntry>, String> {
    let truncated = || "truncated central directory".to_string();
    let mut entries = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        if u32_at(bytes, at) != Some(CENTRAL_DIRECTORY_HEADER) {
            return Err(format!("bad central directory entry signature at {at}"));
        }
        let header = bytes.get(at..at + 46).ok_or_else(truncated)?;
        let method = u16_at(header, 10).ok_or_else(truncated)?;
        let crc32 = u32_at(header, 16).ok_or_else(truncated)?;
        let mut compressed_size = u64::from(u32_at(header, 20).ok_or_else(truncated)?);
        let mut uncompressed_size = u64::from(u32_at(header, 24).ok_or_else(truncated)?);
        let name_length = usize::from(u16_at(header, 28).ok_or_else(truncated)?);
        let extra_length = usize::from(u16_at(header, 30).ok_or_else(truncated)?);
        let comment_length = usize::from(u16_at(header, 32).ok_or_else(truncated)?);
        let mut local_offset = u64::from(u32_at(header, 42).ok_or_else(truncated)?);
        let name_start = at + 46;
        let name = bytes
            .get(name_start..name_start + name_length)
            .ok_or_else(truncated)?;
        let extra = bytes
            .get(name_start + name_length..name_start + name_length + extra_length)
            .ok_or_else(truncated)?;

        // The ZIP64 extra field holds, in this order, only the values whose
        // 32-bit field is at its maximum.
        let mut field = 0;
        while field + 4 <= extra.len() {
            let id = u16_at(extra, field).ok_or_else(truncated)?;
            let size = usize::from(u16_at(extra, field + 2).ok_or_else(truncated)?);
            let data = extra
                .get(field + 4..field + 4 + size)
                .ok_or_else(truncated)?;
            if id == 0x0001 {
                let mut values = data
                    .chunks_exact(8)
                    .map(|chunk| u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8])));
                let mut take = |slot: &mut u64| -> Result<(), String> {
                    if *slot == 0xffff_ffff {
                        *slot = values.next().ok_or("short zip64 extra field")?;
                    }
                    Ok(())
                };
                take(&mut uncompressed_size)?;
                take(&mut compressed_size)?;
                take(&mut local_offset)?;
            }
            field += 4 + size;
        }

        // Wheel entry names are ASCII in practice; the UTF-8 flag (bit 11)
        // or CP437 only matter for other bytes, which cannot name METADATA.
        entries.push(CentralEntry {
            name: String::from_utf8_lossy(name).into_owned(),
            method,
            crc32,
            compressed_size,
            uncompressed_size,
            local_offset,
        });
        at = name_start + name_length + extra_length + comment_length;
    }
    if entries.len() as u64 != expected {
        return Err(format!(
            "the end record announces {expected} entries, the central directory holds {}",
            entries.len()
        ));
    }
    Ok(entries)
}

/// The bytes of `entry`'s local record: from its local header to where the
/// next entry (or the central directory) starts. That covers the local
/// header, whose extra field may differ from the central one, and a data
/// descriptor, without guessing their sizes. An entry too large to be
/// metadata is refused before anything is fetched.
fn entry_range(
    entry: &CentralEntry,
    entries: &[CentralEntry],
    directory_offset: u64,
) -> Result<(u64, u64), String> {
    if entry.compressed_size > MAX_METADATA_SIZE || entry.uncompressed_size > MAX_METADATA_SIZE {
        return Err(format!(
            "`{}` is {} bytes ({} compressed), more than metadata can be",
            entry.name, entry.uncompressed_size, entry.compressed_size
        ));
    }
    let next = entries
        .iter()
        .map(|other| other.local_offset)
        .filter(|offset| *offset > entry.local_offset)
        .min()
        .unwrap_or(directory_offset)
        .min(directory_offset);
    // Local header (30 bytes), name and extra field (each at most 0xffff),
    // data, and a ZIP64 data descriptor (24 bytes).
    let longest = entry.compressed_size + 30 + 2 * 0xffff + 24;
    let end = next.min(entry.local_offset.saturating_add(longest));
    if end
        < entry
            .local_offset
            .saturating_add(30 + entry.compressed_size)
    {
        return Err(format!(
            "`{}` does not fit between its local header offset {} and the next record at {next}",
            entry.name, entry.local_offset
        ));
    }
    Ok((entry.local_offset, end))
}

/// APPNOTE 4.3.7: the local header, then the stored or deflated data,
/// checked against the central directory's size and CRC-32.
fn read_local_entry(bytes: &[u8], entry: &CentralEntry) -> Result<Vec<u8>, String> {
    let truncated = || format!("truncated local entry `{}`", entry.name);
    if u32_at(bytes, 0) != Some(LOCAL_FILE_HEADER) {
        return Err(format!("bad local header signature for `{}`", entry.name));
    }
    let name_length = usize::from(u16_at(bytes, 26).ok_or_else(truncated)?);
    let extra_length = usize::from(u16_at(bytes, 28).ok_or_else(truncated)?);
    let data_start = 30 + name_length + extra_length;
    let compressed_size = usize::try_from(entry.compressed_size).map_err(|_| truncated())?;
    let data_end = data_start
        .checked_add(compressed_size)
        .ok_or_else(truncated)?;
    let data = bytes.get(data_start..data_end).ok_or_else(truncated)?;
    if entry.uncompressed_size > MAX_METADATA_SIZE {
        return Err(format!(
            "`{}` is {} bytes, more than metadata can be",
            entry.name, entry.uncompressed_size
        ));
    }
    let contents = match entry.method {
        0 => data.to_vec(),
        8 => {
            let mut out = Vec::with_capacity(usize::try_from(entry.uncompressed_size).unwrap_or(0));
            DeflateDecoder::new(data)
                .take(MAX_METADATA_SIZE + 1)
                .read_to_end(&mut out)
                .map_err(|error| format!("cannot inflate `{}`: {error}", entry.name))?;
            out
        }
        method => {
            return Err(format!(
                "`{}` uses compression method {method}; only stored and deflate are supported",
                entry.name
            ))
        }
    };
    if contents.len() as u64 != entry.uncompressed_size {
        return Err(format!(
            "`{}` inflates to {} bytes, the central directory says {}",
            entry.name,
            contents.len(),
            entry.uncompressed_size
        ));
    }
    let mut crc = flate2::Crc::new();
    crc.update(&contents);
    if crc.sum() != entry.crc32 {
        return Err(format!("`{}` fails its crc-32 check", entry.name));
    }
    Ok(contents)
}

#[cfg(test)]
mod tests;
