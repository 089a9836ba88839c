//! Reading a wheel file by position, so that seeking costs no system call.
//!
//! The zip reader seeks to every entry (and asks where it is) before it
//! reads it: through a `BufReader<File>` each seek drops the buffer and is
//! an `lseek`, which made 42,000 `lseek` and 32,000 `read` calls for the
//! science set's 6,500 files. Here a seek only moves a number, and reads
//! are `pread`s into a buffer that neighbouring entries share.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::sync::Arc;

/// How much is read at a time (entries smaller than this share reads).
const BUFFER: usize = 64 * 1024;

/// A `Read + Seek` over a file that is not written while it is read; its
/// clones read the same open file, each from its own position.
#[derive(Clone)]
pub(crate) struct PositionalReader {
    file: Arc<File>,
    len: u64,
    position: u64,
    buffer: Box<[u8]>,
    buffered_at: u64,
    buffered: usize,
}

impl PositionalReader {
    /// Reads `file` from its start.
    pub(crate) fn new(file: File) -> io::Result<Self> {
        let len = file.metadata()?.len();
        Ok(Self {
            file: Arc::new(file),
            len,
            position: 0,
            buffer: vec![0; BUFFER].into_boxed_slice(),
            buffered_at: 0,
            buffered: 0,
        })
    }
}

impl Read for PositionalReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.is_empty() {
            return Ok(0);
        }
        let buffered_end = self.buffered_at + self.buffered as u64;
        if !(self.buffered_at..buffered_end).contains(&self.position) {
            if out.len() >= self.buffer.len() {
                let read = read_at(&self.file, out, self.position)?;
                self.position += read as u64;
                return Ok(read);
            }
            let read = read_at(&self.file, &mut self.buffer, self.position)?;
            self.buffered_at = self.position;
            self.buffered = read;
            if read == 0 {
                return Ok(0);
            }
        }
        // Within the buffer: the offset is below `buffered`, a usize.
        let offset = usize::try_from(self.position - self.buffered_at).unwrap_or(usize::MAX);
        let available = self.buffer.get(offset..self.buffered).unwrap_or_default();
        let count = available.len().min(out.len());
        out[..count].copy_from_slice(&available[..count]);
        self.position += count as u64;
        Ok(count)
    }
}

impl Seek for PositionalReader {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let position = match to {
            SeekFrom::Start(at) => Some(at),
            SeekFrom::End(delta) => self.len.checked_add_signed(delta),
            SeekFrom::Current(delta) => self.position.checked_add_signed(delta),
        };
        let position = position.ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                "a seek before the start of the file",
            )
        })?;
        self.position = position;
        Ok(position)
    }
}

#[cfg(unix)]
fn read_at(file: &File, out: &mut [u8], at: u64) -> io::Result<usize> {
    use std::os::unix::fs::FileExt;
    loop {
        match file.read_at(out, at) {
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            other => return other,
        }
    }
}

#[cfg(windows)]
fn read_at(file: &File, out: &mut [u8], at: u64) -> io::Result<usize> {
    std::os::windows::fs::FileExt::seek_read(file, out, at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_seeks_as_a_file_does() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data");
        let bytes: Vec<u8> = (0..200_000u32).map(|index| (index % 251) as u8).collect();
        std::fs::write(&path, &bytes).unwrap();
        let mut reader = PositionalReader::new(File::open(&path).unwrap()).unwrap();
        let mut file = File::open(&path).unwrap();
        let steps = [
            SeekFrom::Start(10),
            SeekFrom::Current(5),
            SeekFrom::Start(70_000),
            SeekFrom::Current(-69_990),
            SeekFrom::End(-100),
            SeekFrom::End(0),
            SeekFrom::End(10),
            SeekFrom::Start(0),
        ];
        for step in steps {
            assert_eq!(
                reader.seek(step).unwrap(),
                file.seek(step).unwrap(),
                "{step:?}"
            );
            for size in [1, 7, 30, 4096, BUFFER, BUFFER + 3] {
                let (mut ours, mut theirs) = (vec![0; size], vec![0; size]);
                let read = reader.read(&mut ours).unwrap();
                let expected = file.read(&mut theirs).unwrap();
                // A read may return less; what it returns is the file's.
                assert!(read <= expected || expected == 0, "{step:?} {size}");
                assert_eq!(ours[..read], theirs[..read], "{step:?} {size}");
                file.seek(SeekFrom::Current(read as i64 - expected as i64))
                    .unwrap();
                assert_eq!(
                    reader.stream_position().unwrap(),
                    file.stream_position().unwrap()
                );
            }
        }
        assert!(reader.seek(SeekFrom::Current(-1_000_000)).is_err());
        let mut whole = Vec::new();
        reader.seek(SeekFrom::Start(0)).unwrap();
        reader.read_to_end(&mut whole).unwrap();
        assert_eq!(whole, bytes);
    }
}
