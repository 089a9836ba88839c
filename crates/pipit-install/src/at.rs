//! Asking about, and linking, many files folder by folder through an open
//! folder, so that the kernel looks up one name per call rather than every
//! component of a deep path again (on Unix; elsewhere, and whenever a
//! folder cannot be opened, by path as before).
//!
//! A warm install of the science set links 6,500 files and first checks
//! each in the cache: by path, looking the names up was a tenth of the
//! install's processor time.

use std::path::Path;
#[cfg(unix)]
use std::path::PathBuf;

/// The folder asked about last, kept open: a wheel's files come folder by
/// folder, so one open serves a run of files.
#[derive(Default)]
pub(crate) struct OpenFolder {
    #[cfg(unix)]
    last: Option<(PathBuf, rustix::fd::OwnedFd)>,
}

impl OpenFolder {
    /// The folder holding `path`, open, and the name of `path` in it;
    /// `None` when that cannot be had (the caller falls back to the path).
    /// `path` ends in a name: callers pass checked entry paths, never one
    /// ending in `/`, `.` or `..` (a trailing `/` or `/.` would be dropped
    /// here).
    #[cfg(unix)]
    fn holding<'a>(
        &mut self,
        path: &'a Path,
    ) -> Option<(rustix::fd::BorrowedFd<'_>, &'a std::ffi::OsStr)> {
        use rustix::fd::AsFd;
        use rustix::fs::{Mode, OFlags};
        let name = path.file_name()?;
        let parent = path
            .parent()
            .filter(|parent| !parent.as_os_str().is_empty())?;
        let reusable = self
            .last
            .as_ref()
            .is_some_and(|(folder, _)| folder.as_os_str() == parent.as_os_str());
        if !reusable {
            self.last = None;
            #[cfg(any(target_os = "linux", target_os = "android"))]
            let flags = OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC;
            #[cfg(not(any(target_os = "linux", target_os = "android")))]
            let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
            let fd = rustix::fs::open(parent, flags, Mode::empty()).ok()?;
            self.last = Some((parent.to_path_buf(), fd));
        }
        self.last.as_ref().map(|(_, fd)| (fd.as_fd(), name))
    }

    /// The size of `path` when it is a regular file (a symbolic link is
    /// not followed), else `None`.
    pub(crate) fn regular_file_size(&mut self, path: &Path) -> Option<u64> {
        #[cfg(unix)]
        if let Some((folder, name)) = self.holding(path) {
            use rustix::fs::{AtFlags, FileType};
            let stat = rustix::fs::statat(folder, name, AtFlags::SYMLINK_NOFOLLOW).ok()?;
            return (FileType::from_raw_mode(stat.st_mode) == FileType::RegularFile)
                .then(|| u64::try_from(stat.st_size).ok())
                .flatten();
        }
        std::fs::symlink_metadata(path)
            .ok()
            .filter(std::fs::Metadata::is_file)
            .map(|metadata| metadata.len())
    }
}

/// The folders of the last link's source and destination, kept open.
#[derive(Default)]
pub(crate) struct LinkFolders {
    #[cfg(unix)]
    source: OpenFolder,
    #[cfg(unix)]
    destination: OpenFolder,
}

impl LinkFolders {
    /// A hard link at `dst` to `src`, as `std::fs::hard_link` makes it.
    pub(crate) fn hard_link(&mut self, src: &Path, dst: &Path) -> std::io::Result<()> {
        #[cfg(unix)]
        if let (Some((from, src_name)), Some((to, dst_name))) =
            (self.source.holding(src), self.destination.holding(dst))
        {
            return rustix::fs::linkat(from, src_name, to, dst_name, rustix::fs::AtFlags::empty())
                .map_err(std::io::Error::from);
        }
        std::fs::hard_link(src, dst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_those_of_regular_files_only() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("a/b");
        std::fs::create_dir_all(&sub).unwrap();
        std::fs::write(sub.join("f.py"), b"12345").unwrap();
        std::fs::write(dir.path().join("a/g.py"), b"1").unwrap();
        let mut open = OpenFolder::default();
        assert_eq!(open.regular_file_size(&sub.join("f.py")), Some(5));
        assert_eq!(open.regular_file_size(&sub.join("missing.py")), None);
        assert_eq!(
            open.regular_file_size(&dir.path().join("a/b")),
            None,
            "a folder"
        );
        assert_eq!(open.regular_file_size(&dir.path().join("a/g.py")), Some(1));
        assert_eq!(open.regular_file_size(&dir.path().join("gone/x.py")), None);
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(sub.join("f.py"), sub.join("link.py")).unwrap();
            assert_eq!(
                open.regular_file_size(&sub.join("link.py")),
                None,
                "not followed"
            );
        }
        // The folder kept open is asked again after it changed.
        std::fs::write(sub.join("f.py"), b"123").unwrap();
        assert_eq!(open.regular_file_size(&sub.join("f.py")), Some(3));
    }

    #[test]
    fn hard_links_are_made_across_folders_and_refused_like_by_path() {
        let dir = tempfile::tempdir().unwrap();
        let from = dir.path().join("cache/pkg");
        let to = dir.path().join("staging/pkg");
        std::fs::create_dir_all(&from).unwrap();
        std::fs::create_dir_all(&to).unwrap();
        for name in ["a.py", "b.py"] {
            std::fs::write(from.join(name), name).unwrap();
        }
        let mut folders = LinkFolders::default();
        for name in ["a.py", "b.py"] {
            folders.hard_link(&from.join(name), &to.join(name)).unwrap();
            assert_eq!(std::fs::read_to_string(to.join(name)).unwrap(), name);
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let cached = std::fs::metadata(from.join("a.py")).unwrap();
            assert_eq!(cached.nlink(), 2);
            assert_eq!(
                cached.ino(),
                std::fs::metadata(to.join("a.py")).unwrap().ino()
            );
        }
        let exists = folders
            .hard_link(&from.join("a.py"), &to.join("a.py"))
            .unwrap_err();
        assert_eq!(exists.kind(), std::io::ErrorKind::AlreadyExists);
        let missing = folders
            .hard_link(&from.join("c.py"), &to.join("c.py"))
            .unwrap_err();
        assert_eq!(missing.kind(), std::io::ErrorKind::NotFound);
        let no_folder = folders
            .hard_link(&from.join("a.py"), &dir.path().join("nowhere/a.py"))
            .unwrap_err();
        assert_eq!(no_folder.kind(), std::io::ErrorKind::NotFound);
    }
}
