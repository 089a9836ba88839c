//! Placing one file from the unpacked-wheel cache into a staging tree:
//! hard link (the default: no copy, no extra space), copy-on-write clone,
//! plain copy, or symbolic link.
//!
//! A mode the file system refuses (a link across file systems, a clone on a
//! file system without reflinks, hard links on a file system without them)
//! falls back to a copy; the [`Linker`] remembers that it did, so the caller
//! can say so once.
//!
//! Hard links and clones share, or start from, the cache's bytes: a file
//! edited in place in a target changes the cache's copy too with hard links
//! (as with uv). With `symlink`, targets point into the cache, which must then
//! stay where it is: `pipit cache clean` would break every such target.

use std::io::ErrorKind;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::at::LinkFolders;
use crate::wheel::WheelError;

/// How files get from the cache into a target.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum LinkMode {
    /// A hard link to the cache's file.
    #[default]
    Hardlink,
    /// A copy-on-write clone (reflink); a copy where unsupported.
    Clone,
    /// A full copy.
    Copy,
    /// A symbolic link to the cache's file; the cache must stay.
    Symlink,
}

impl std::str::FromStr for LinkMode {
    type Err = WheelError;

    fn from_str(mode: &str) -> Result<Self, WheelError> {
        match mode {
            "hardlink" => Ok(Self::Hardlink),
            "clone" => Ok(Self::Clone),
            "copy" => Ok(Self::Copy),
            "symlink" => Ok(Self::Symlink),
            other => Err(WheelError::LinkMode(other.to_string())),
        }
    }
}

impl std::fmt::Display for LinkMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Hardlink => "hardlink",
            Self::Clone => "clone",
            Self::Copy => "copy",
            Self::Symlink => "symlink",
        })
    }
}

/// Places files in one [`LinkMode`], copying where the mode fails; shared by
/// the threads of one install.
#[derive(Debug, Default)]
pub struct Linker {
    mode: LinkMode,
    fell_back: AtomicBool,
}

impl Linker {
    /// A linker for `mode`.
    pub fn new(mode: LinkMode) -> Self {
        Self {
            mode,
            fell_back: AtomicBool::new(false),
        }
    }

    /// The requested mode.
    pub fn mode(&self) -> LinkMode {
        self.mode
    }

    /// Whether some file was copied because the mode failed.
    pub fn fell_back(&self) -> bool {
        self.fell_back.load(Ordering::Relaxed)
    }

    /// Places `src` at `dst`, which must not exist; its parent must.
    pub fn link(&self, src: &Path, dst: &Path) -> Result<(), WheelError> {
        self.place(None, src, dst)
    }

    /// [`Linker::link`] for one of a run of files: hard links are made
    /// through the folders of the previous file when they are the same.
    pub(crate) fn link_in(
        &self,
        folders: &mut LinkFolders,
        src: &Path,
        dst: &Path,
    ) -> Result<(), WheelError> {
        self.place(Some(folders), src, dst)
    }

    fn place(
        &self,
        folders: Option<&mut LinkFolders>,
        src: &Path,
        dst: &Path,
    ) -> Result<(), WheelError> {
        let attempt = match self.mode {
            LinkMode::Copy => return copy(src, dst),
            LinkMode::Hardlink => match folders {
                Some(folders) => folders.hard_link(src, dst),
                None => std::fs::hard_link(src, dst),
            },
            LinkMode::Clone => clone(src, dst),
            LinkMode::Symlink => symlink(src, dst),
        };
        match attempt {
            Ok(()) => Ok(()),
            Err(error) if can_fall_back(&error) => {
                self.fell_back.store(true, Ordering::Relaxed);
                copy(src, dst)
            }
            Err(source) => Err(WheelError::Io {
                path: dst.to_path_buf(),
                source,
            }),
        }
    }
}

/// The failures that mean "not here", not "something is wrong".
fn can_fall_back(error: &std::io::Error) -> bool {
    if matches!(
        error.kind(),
        ErrorKind::CrossesDevices
            | ErrorKind::Unsupported
            | ErrorKind::PermissionDenied
            | ErrorKind::TooManyLinks
            | ErrorKind::InvalidInput
    ) {
        return true;
    }
    #[cfg(unix)]
    if let Some(code) = error.raw_os_error() {
        return [
            libc::EXDEV,
            libc::EOPNOTSUPP,
            libc::ENOTSUP,
            libc::ENOTTY,
            libc::EMLINK,
        ]
        .contains(&code);
    }
    false
}

/// A copy into a new file: `std::fs::copy` would truncate an existing
/// `dst`, and through a hard link that would rewrite the cache's file.
fn copy(src: &Path, dst: &Path) -> Result<(), WheelError> {
    let mut source = std::fs::File::open(src).map_err(WheelError::io(src))?;
    let permissions = source
        .metadata()
        .map_err(WheelError::io(src))?
        .permissions();
    let mut target = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(dst)
        .map_err(WheelError::io(dst))?;
    std::io::copy(&mut source, &mut target).map_err(WheelError::io(dst))?;
    target
        .set_permissions(permissions)
        .map_err(WheelError::io(dst))
}

#[cfg(target_os = "linux")]
fn clone(src: &Path, dst: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    use std::os::unix::io::AsRawFd;
    let source = std::fs::File::open(src)?;
    let permissions = source.metadata()?.permissions();
    let target = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(dst)?;
    // SAFETY: both descriptors are open for the duration of the call.
    let result = unsafe { libc::ioctl(target.as_raw_fd(), libc::FICLONE, source.as_raw_fd()) };
    if result != 0 {
        let error = std::io::Error::last_os_error();
        drop(target);
        let _ = std::fs::remove_file(dst);
        return Err(error);
    }
    target.set_permissions(permissions)
}

#[cfg(target_os = "macos")]
fn clone(src: &Path, dst: &Path) -> std::io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let invalid = |_| std::io::Error::from(ErrorKind::InvalidInput);
    let source = CString::new(src.as_os_str().as_bytes()).map_err(invalid)?;
    let target = CString::new(dst.as_os_str().as_bytes()).map_err(invalid)?;
    // SAFETY: both are NUL-terminated paths that outlive the call.
    if unsafe { libc::clonefile(source.as_ptr(), target.as_ptr(), 0) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

#[cfg(not(any(target_os = "linux", target_os = "macos")))]
fn clone(_src: &Path, _dst: &Path) -> std::io::Result<()> {
    Err(ErrorKind::Unsupported.into())
}

fn symlink(src: &Path, dst: &Path) -> std::io::Result<()> {
    // A relative cache path would resolve against the link's folder.
    let src = std::path::absolute(src)?;
    #[cfg(unix)]
    return std::os::unix::fs::symlink(src, dst);
    #[cfg(windows)]
    return std::os::windows::fs::symlink_file(src, dst);
    #[cfg(not(any(unix, windows)))]
    {
        let _ = (src, dst);
        Err(ErrorKind::Unsupported.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(dir: &Path) -> std::path::PathBuf {
        let src = dir.join("src.txt");
        std::fs::write(&src, "hello").unwrap();
        src
    }

    #[test]
    fn parses_and_prints_every_mode() {
        for mode in ["hardlink", "clone", "copy", "symlink"] {
            assert_eq!(mode.parse::<LinkMode>().unwrap().to_string(), mode);
        }
        assert_eq!(LinkMode::default(), LinkMode::Hardlink);
        assert!("reflink".parse::<LinkMode>().is_err());
    }

    #[test]
    fn every_mode_places_the_same_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let src = source(dir.path());
        for mode in [
            LinkMode::Hardlink,
            LinkMode::Clone,
            LinkMode::Copy,
            LinkMode::Symlink,
        ] {
            let dst = dir.path().join(format!("dst-{mode}"));
            Linker::new(mode).link(&src, &dst).unwrap();
            assert_eq!(std::fs::read(&dst).unwrap(), b"hello", "{mode}");
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let ino = |path: &str| std::fs::metadata(dir.path().join(path)).unwrap().ino();
            assert_eq!(ino("dst-hardlink"), ino("src.txt"));
            assert_ne!(ino("dst-copy"), ino("src.txt"));
            let link = std::fs::read_link(dir.path().join("dst-symlink")).unwrap();
            assert!(link.is_absolute());
        }
    }

    #[test]
    fn an_existing_destination_is_an_error_not_a_fallback() {
        let dir = tempfile::tempdir().unwrap();
        let src = source(dir.path());
        let dst = dir.path().join("dst");
        std::fs::write(&dst, "old").unwrap();
        for mode in [
            LinkMode::Hardlink,
            LinkMode::Clone,
            LinkMode::Copy,
            LinkMode::Symlink,
        ] {
            let linker = Linker::new(mode);
            assert!(linker.link(&src, &dst).is_err(), "{mode}");
            assert!(!linker.fell_back(), "{mode}");
            assert_eq!(std::fs::read(&dst).unwrap(), b"old", "{mode}");
        }
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn links_across_file_systems_fall_back_to_copies() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        let src = source(dir.path());
        let Ok(other) = tempfile::tempdir_in("/dev/shm") else {
            pipit_testkit::skip("no /dev/shm to link across file systems");
            return;
        };
        if std::fs::metadata(other.path()).unwrap().dev() == std::fs::metadata(&src).unwrap().dev()
        {
            pipit_testkit::skip("/dev/shm is on the same file system as the temp folder");
            return;
        }
        for mode in [LinkMode::Hardlink, LinkMode::Clone] {
            let linker = Linker::new(mode);
            let dst = other.path().join(format!("dst-{mode}"));
            linker.link(&src, &dst).unwrap();
            assert_eq!(std::fs::read(&dst).unwrap(), b"hello");
            assert!(linker.fell_back(), "{mode}");
        }
        let copy = Linker::new(LinkMode::Copy);
        copy.link(&src, &other.path().join("dst-copy")).unwrap();
        assert!(!copy.fell_back());
    }
}
