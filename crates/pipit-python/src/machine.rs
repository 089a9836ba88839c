//! Facts about the machine pipit itself runs on, found without a subprocess.
//!
//! Used by [`crate::Interpreter::from_flags`] when no host interpreter is
//! given: the operating system and architecture come from how pipit was
//! compiled, the glibc version from the C library pipit is linked against,
//! the macOS release from `SystemVersion.plist`.

use crate::probe::{parse_major_minor, MarkerFacts};
use crate::tags::{self, LinuxFacts};

/// The platform tags of this machine, best first.
pub(crate) fn platforms() -> Vec<String> {
    let arch = std::env::consts::ARCH;
    match std::env::consts::OS {
        "linux" => {
            let facts = LinuxFacts {
                glibc: glibc_version(),
                musl: None,
                armhf: cfg!(target_arch = "arm") && cfg!(target_feature = "vfp2"),
                i686: cfg!(target_arch = "x86"),
            };
            tags::linux_platforms(&format!("linux-{}", linux_machine(arch)), false, &facts)
        }
        "macos" => match macos_version() {
            Some(version) => tags::mac_platforms(version, macos_machine(arch)),
            None => vec![format!("macosx_11_0_{}", macos_machine(arch))],
        },
        "windows" => vec![windows_platform(arch).to_string()],
        os => vec![tags::normalize_platform(&format!("{os}-{arch}"))],
    }
}

/// Marker values of this machine; the Python-specific ones are filled in later.
pub(crate) fn markers() -> MarkerFacts {
    let arch = std::env::consts::ARCH;
    let (os_name, sys_platform, platform_system, machine) = match std::env::consts::OS {
        "linux" => ("posix", "linux", "Linux", linux_machine(arch).to_string()),
        "macos" => ("posix", "darwin", "Darwin", macos_machine(arch).to_string()),
        "windows" => ("nt", "win32", "Windows", windows_machine(arch).to_string()),
        os => ("posix", os, os, arch.to_string()),
    };
    let (release, version) = kernel_release_and_version();
    MarkerFacts {
        os_name: os_name.to_string(),
        sys_platform: sys_platform.to_string(),
        platform_system: platform_system.to_string(),
        platform_machine: machine,
        platform_release: release,
        platform_version: version,
        ..MarkerFacts::default()
    }
}

/// `uname -m` spelling on Linux.
fn linux_machine(arch: &str) -> &str {
    match arch {
        "x86" => "i686",
        "arm" => "armv7l",
        "powerpc64" if cfg!(target_endian = "little") => "ppc64le",
        "powerpc64" => "ppc64",
        "powerpc" => "ppc",
        other => other,
    }
}

fn macos_machine(arch: &str) -> &str {
    match arch {
        "aarch64" => "arm64",
        "x86" => "i386",
        other => other,
    }
}

fn windows_platform(arch: &str) -> &'static str {
    match arch {
        "x86" => "win32",
        "aarch64" => "win_arm64",
        _ => "win_amd64",
    }
}

/// `platform.machine()` spelling on Windows.
fn windows_machine(arch: &str) -> &str {
    match arch {
        "x86" => "x86",
        "aarch64" => "ARM64",
        "x86_64" => "AMD64",
        other => other,
    }
}

/// The kernel's release and version strings, as `platform.release()` and
/// `platform.version()` report them on Linux; empty elsewhere.
fn kernel_release_and_version() -> (String, String) {
    if !cfg!(target_os = "linux") {
        return (String::new(), String::new());
    }
    let read = |path: &str| {
        fs_err::read_to_string(path)
            .map(|text| text.trim().to_string())
            .unwrap_or_default()
    };
    (
        read("/proc/sys/kernel/osrelease"),
        read("/proc/sys/kernel/version"),
    )
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn glibc_version() -> Option<(u32, u32)> {
    extern "C" {
        fn gnu_get_libc_version() -> *const std::ffi::c_char;
    }
    // SAFETY: glibc returns a pointer to a static NUL-terminated string.
    let text = unsafe {
        let pointer = gnu_get_libc_version();
        if pointer.is_null() {
            return None;
        }
        std::ffi::CStr::from_ptr(pointer)
    };
    parse_major_minor(text.to_str().ok()?)
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn glibc_version() -> Option<(u32, u32)> {
    None
}

/// `ProductVersion` from the system's version file, e.g. `14.2.1` → `(14, 2)`.
fn macos_version() -> Option<(u32, u32)> {
    let text = fs_err::read_to_string("/System/Library/CoreServices/SystemVersion.plist").ok()?;
    let after_key = text.split("<key>ProductVersion</key>").nth(1)?;
    let value = after_key
        .split("<string>")
        .nth(1)?
        .split("</string>")
        .next()?;
    let value = if value.contains('.') {
        value.to_string()
    } else {
        format!("{value}.0")
    };
    parse_major_minor(&value)
}

#[cfg(test)]
mod tests {
    #[test]
    fn machine_platforms_are_not_empty() {
        let platforms = super::platforms();
        assert!(!platforms.is_empty());
        if cfg!(all(
            target_os = "linux",
            target_env = "gnu",
            target_arch = "x86_64"
        )) {
            assert!(platforms
                .iter()
                .any(|platform| platform == "manylinux2014_x86_64"));
            assert_eq!(platforms.last().map(String::as_str), Some("linux_x86_64"));
        }
    }
}
