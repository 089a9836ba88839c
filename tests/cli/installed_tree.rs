//! Installed trees written by hand, as pip leaves them: `.dist-info` with
//! METADATA, INSTALLER and a RECORD whose rows are given as pip writes them.

use std::path::{Path, PathBuf};

/// One installed distribution to write.
pub struct Dist<'a> {
    pub name: &'a str,
    pub version: &'a str,
    /// Extra METADATA header lines (`Requires-Dist: x`, `Summary: …`).
    pub metadata: &'a [&'a str],
    /// `(RECORD row, path on disk relative to the folder, contents)`.
    pub files: &'a [(&'a str, &'a str, &'a str)],
}

impl<'a> Dist<'a> {
    /// A distribution with no files besides its `.dist-info`.
    pub fn new(name: &'a str, version: &'a str) -> Self {
        Dist {
            name,
            version,
            metadata: &[],
            files: &[],
        }
    }

    /// Writes it into `base` (a `--target` folder or a site-packages) and
    /// returns its `.dist-info` folder.
    pub fn write(&self, base: &Path) -> PathBuf {
        let folder = format!("{}-{}.dist-info", self.name.replace('-', "_"), self.version);
        let dist_info = base.join(&folder);
        std::fs::create_dir_all(&dist_info).unwrap();
        let mut metadata = format!(
            "Metadata-Version: 2.1\nName: {}\nVersion: {}\n",
            self.name, self.version
        );
        for line in self.metadata {
            metadata.push_str(line);
            metadata.push('\n');
        }
        std::fs::write(dist_info.join("METADATA"), metadata).unwrap();
        std::fs::write(dist_info.join("INSTALLER"), "pip\n").unwrap();
        let mut record = String::new();
        for (row, on_disk, contents) in self.files {
            let path = base.join(on_disk);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, contents).unwrap();
            record.push_str(&format!("{row},,{}\r\n", contents.len()));
        }
        for file in ["METADATA", "INSTALLER", "RECORD"] {
            record.push_str(&format!("{folder}/{file},,\r\n"));
        }
        std::fs::write(dist_info.join("RECORD"), record).unwrap();
        dist_info
    }
}

/// Every path under `dir` (folders end with `/`), except pipit's `.pipit/`.
pub fn tree(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            let relative = path.strip_prefix(dir).unwrap().display().to_string();
            if relative == ".pipit" {
                continue;
            }
            if path.is_dir() {
                out.push(format!("{relative}/"));
                stack.push(path);
            } else {
                out.push(relative);
            }
        }
    }
    out.sort();
    out
}
