use std::io::{Cursor, Write as _};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipWriter};

use super::*;

/// A zip of `entries`, each stored or deflated, with an optional comment
/// and, if asked, the ZIP64 end records.
fn zip_of(entries: &[(&str, &[u8], CompressionMethod)], comment: &str, zip64: bool) -> Vec<u8> {
    let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
    for (name, contents, method) in entries {
        writer
            .start_file(
                *name,
                SimpleFileOptions::default().compression_method(*method),
            )
            .unwrap();
        writer.write_all(contents).unwrap();
    }
    writer.set_comment(comment);
    if zip64 {
        // The zip crate writes the ZIP64 end record whenever it has a ZIP64 comment.
        writer.set_zip64_comment(Some("z64"));
    }
    writer.finish().unwrap().into_inner()
}

/// What the remote reader does, over bytes in memory.
fn metadata_of(bytes: &[u8], name: &str) -> Vec<u8> {
    let end = find_end_record(bytes).unwrap();
    let directory = match end.zip64_locator_offset {
        Some(offset) => {
            let offset = usize::try_from(offset).unwrap();
            parse_zip64_end_record(&bytes[offset..offset + 56]).unwrap()
        }
        None => end.directory,
    };
    let start = usize::try_from(directory.offset).unwrap();
    let size = usize::try_from(directory.size).unwrap();
    let entries = parse_central_directory(&bytes[start..start + size], directory.entries).unwrap();
    let entry = entries.iter().find(|entry| entry.name == name).unwrap();
    let offset = usize::try_from(entry.local_offset).unwrap();
    read_local_entry(&bytes[offset..], entry).unwrap()
}

#[test]
fn reads_deflated_and_stored_entries() {
    let text = b"Name: a\nVersion: 1\n".repeat(50);
    let bytes = zip_of(
        &[
            ("a/__init__.py", b"x = 1\n", CompressionMethod::Deflated),
            ("a-1.dist-info/METADATA", &text, CompressionMethod::Deflated),
            (
                "a-1.dist-info/WHEEL",
                b"Wheel-Version: 1.0\n",
                CompressionMethod::Stored,
            ),
        ],
        "",
        false,
    );
    assert_eq!(metadata_of(&bytes, "a-1.dist-info/METADATA"), text);
    assert_eq!(
        metadata_of(&bytes, "a-1.dist-info/WHEEL"),
        b"Wheel-Version: 1.0\n"
    );
}

#[test]
fn finds_the_end_record_behind_a_comment_holding_its_signature() {
    let mut comment = String::from("PK\u{5}\u{6} a comment that looks like an end record ");
    comment.push_str(&"c".repeat(3000));
    let bytes = zip_of(
        &[(
            "a-1.dist-info/METADATA",
            b"Name: a\n",
            CompressionMethod::Stored,
        )],
        &comment,
        false,
    );
    let end = find_end_record(&bytes).unwrap();
    assert_eq!(end.position + 22 + comment.len(), bytes.len());
    assert_eq!(end.directory.entries, 1);
    assert_eq!(metadata_of(&bytes, "a-1.dist-info/METADATA"), b"Name: a\n");
}

#[test]
fn follows_the_zip64_end_record() {
    let bytes = zip_of(
        &[
            ("a/__init__.py", b"", CompressionMethod::Stored),
            (
                "a-1.dist-info/METADATA",
                b"Name: a\nVersion: 1\n",
                CompressionMethod::Deflated,
            ),
        ],
        "and a comment",
        true,
    );
    let end = find_end_record(&bytes).unwrap();
    let locator = end.zip64_locator_offset.expect("a zip64 locator");
    let locator = usize::try_from(locator).unwrap();
    let zip64 = parse_zip64_end_record(&bytes[locator..locator + 56]).unwrap();
    assert_eq!(zip64.entries, 2);
    assert_eq!(
        metadata_of(&bytes, "a-1.dist-info/METADATA"),
        b"Name: a\nVersion: 1\n"
    );
}

#[test]
fn zip64_extra_fields_replace_saturated_sizes_and_offsets() {
    // One central entry whose sizes and offset are all in the ZIP64 extra.
    let name = b"a-1.dist-info/METADATA";
    let mut entry = Vec::new();
    entry.extend_from_slice(&CENTRAL_DIRECTORY_HEADER.to_le_bytes());
    entry.extend_from_slice(&[45, 0, 45, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    entry.extend_from_slice(&0xdead_beef_u32.to_le_bytes()); // crc
    entry.extend_from_slice(&u32::MAX.to_le_bytes()); // compressed
    entry.extend_from_slice(&u32::MAX.to_le_bytes()); // uncompressed
    entry.extend_from_slice(&(name.len() as u16).to_le_bytes());
    entry.extend_from_slice(&28u16.to_le_bytes()); // extra length
    entry.extend_from_slice(&[0; 6]); // comment length, disk, internal attributes
    entry.extend_from_slice(&[0; 4]); // external attributes
    entry.extend_from_slice(&u32::MAX.to_le_bytes()); // local offset
    entry.extend_from_slice(name);
    entry.extend_from_slice(&1u16.to_le_bytes());
    entry.extend_from_slice(&24u16.to_le_bytes());
    entry.extend_from_slice(&7_000_000_000u64.to_le_bytes()); // uncompressed
    entry.extend_from_slice(&6_000_000_000u64.to_le_bytes()); // compressed
    entry.extend_from_slice(&5_000_000_000u64.to_le_bytes()); // offset
    let entries = parse_central_directory(&entry, 1).unwrap();
    assert_eq!(
        entries,
        [CentralEntry {
            name: "a-1.dist-info/METADATA".to_string(),
            method: 0,
            crc32: 0xdead_beef,
            compressed_size: 6_000_000_000,
            uncompressed_size: 7_000_000_000,
            local_offset: 5_000_000_000,
        }]
    );
}

#[test]
fn rejects_what_is_not_a_zip_or_does_not_check_out() {
    assert!(find_end_record(b"not a zip file at all, just some text")
        .unwrap_err()
        .contains("not a zip file"));
    let bytes = zip_of(&[("m", b"hello", CompressionMethod::Stored)], "", false);
    let end = find_end_record(&bytes).unwrap();
    let start = usize::try_from(end.directory.offset).unwrap();
    let size = usize::try_from(end.directory.size).unwrap();
    let mut entries = parse_central_directory(&bytes[start..start + size], 1).unwrap();
    assert!(parse_central_directory(&bytes[start..start + size], 2)
        .unwrap_err()
        .contains("announces 2 entries"));
    entries[0].crc32 ^= 1;
    assert!(read_local_entry(&bytes, &entries[0])
        .unwrap_err()
        .contains("crc-32"));
}

#[test]
fn parses_content_range() {
    assert_eq!(parse_content_range("bytes 10-19/100"), Some((10, 100)));
    assert_eq!(parse_content_range("bytes 0-0/*"), None);
    assert_eq!(parse_content_range("items 1-2/3"), None);
}

#[test]
fn an_entry_runs_to_the_next_record_and_must_fit_there() {
    let entry = |name: &str, local_offset: u64, compressed_size: u64| CentralEntry {
        name: name.to_string(),
        method: 8,
        crc32: 0,
        compressed_size,
        uncompressed_size: compressed_size * 3,
        local_offset,
    };
    let entries = [
        entry("a/__init__.py", 0, 100),
        entry("a-1.dist-info/METADATA", 200, 500),
        entry("a-1.dist-info/RECORD", 900, 300),
    ];
    assert_eq!(entry_range(&entries[1], &entries, 1300), Ok((200, 900)));
    // The last entry runs to the central directory.
    assert_eq!(entry_range(&entries[2], &entries, 1300), Ok((900, 1300)));
    // Entries listed out of archive order change nothing.
    let shuffled = [entries[2].clone(), entries[0].clone(), entries[1].clone()];
    assert_eq!(entry_range(&entries[1], &shuffled, 1300), Ok((200, 900)));

    let squeezed = entry("a-1.dist-info/METADATA", 200, 800);
    let error = entry_range(&squeezed, &[squeezed.clone(), entries[2].clone()], 1300).unwrap_err();
    assert!(error.contains("does not fit"), "{error}");
    let huge = entry("a-1.dist-info/METADATA", 200, 1 << 40);
    let error = entry_range(&huge, std::slice::from_ref(&huge), 1 << 41).unwrap_err();
    assert!(error.contains("more than metadata can be"), "{error}");
}

#[test]
fn local_wheels_are_read_by_range_too() {
    let text = b"Metadata-Version: 2.1\nName: big\nVersion: 1\n".repeat(20);
    let dir = tempfile::tempdir().unwrap();
    for zip64 in [false, true] {
        // METADATA first, then a central directory larger than the tail:
        // the reader grows the tail, then reads the entry on its own.
        let names: Vec<String> = (0..3000)
            .map(|n| format!("big/a/long/package/path/module_number_{n:05}.py"))
            .collect();
        let mut entries: Vec<(&str, &[u8], CompressionMethod)> = vec![(
            "big-1.dist-info/METADATA",
            &text,
            CompressionMethod::Deflated,
        )];
        entries.extend(
            names
                .iter()
                .map(|name| (name.as_str(), &b"x = 1\n"[..], CompressionMethod::Stored)),
        );
        let bytes = zip_of(&entries, "", zip64);
        let path = dir.path().join("big-1-py3-none-any.whl");
        fs_err::write(&path, &bytes).unwrap();
        let read = local_wheel_metadata_bytes(&path, "big-1-py3-none-any.whl").unwrap();
        assert_eq!(read, text);
    }
    let not_a_zip = dir.path().join("bad-1-py3-none-any.whl");
    fs_err::write(&not_a_zip, b"not a zip").unwrap();
    let error = local_wheel_metadata_bytes(&not_a_zip, "bad-1-py3-none-any.whl").unwrap_err();
    assert!(error.to_string().contains("too short"), "{error}");
}
