//! Workflow source text and positions inside it, shared by every stage that points at the file.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Workflow files (and included ones) larger than this are refused unread.
pub const MAX_WORKFLOW_BYTES: u64 = 8 * 1024 * 1024;
/// Data files (`for_each: { file: … }`, schemas, input files) larger than this are refused.
pub const MAX_DATA_BYTES: u64 = 64 * 1024 * 1024;

/// One loaded workflow file: its path (as the user wrote it) and its full text, kept so that
/// diagnostics can quote the offending line.
#[derive(Debug)]
pub struct SourceFile {
    pub path: PathBuf,
    pub text: String,
}

impl SourceFile {
    pub fn new(path: PathBuf, text: String) -> Arc<Self> {
        Arc::new(Self { path, text })
    }

    /// The path as shown to the user.
    pub fn display(&self) -> String {
        self.path.display().to_string()
    }

    /// The text of a 1-based line, without its line terminator. Lines end at `\n`, `\r\n` or
    /// a bare `\r`, as the YAML scanner counts them, so a quoted line is the one the position
    /// names.
    pub fn line(&self, line: u32) -> Option<&str> {
        lines(&self.text).nth(line.checked_sub(1)? as usize)
    }
}

/// The lines of a text, each without its terminator (`\n`, `\r\n` or `\r`).
pub fn lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(text).filter(|t| !t.is_empty());
    std::iter::from_fn(move || {
        let current = rest?;
        match current.find(['\n', '\r']) {
            Some(i) => {
                let skip = if current[i..].starts_with("\r\n") {
                    2
                } else {
                    1
                };
                rest = Some(&current[i + skip..]).filter(|r| !r.is_empty());
                Some(&current[..i])
            }
            None => {
                rest = None;
                Some(current)
            }
        }
    })
}

/// The 1-based line and column of a byte offset, counting lines as [`lines`] does.
pub fn pos_of(text: &[u8], offset: usize) -> Pos {
    let before = &text[..offset.min(text.len())];
    let mut line = 1u32;
    let mut line_start = 0;
    let mut i = 0;
    while i < before.len() {
        match before[i] {
            b'\r' if before.get(i + 1) == Some(&b'\n') => {
                i += 1;
                line += 1;
                line_start = i + 1;
            }
            b'\n' | b'\r' => {
                line += 1;
                line_start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count() as u32
        + 1;
    Pos::new(line, column)
}

/// The bytes of a regular file of at most `limit` bytes. Anything else — a device such as
/// `/dev/zero`, a pipe, a directory, a file of `/proc` that claims size 0 but is not a plain
/// file, an oversized file — is refused with a reason that never quotes the file's content.
pub fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>, String> {
    let show = || path.display().to_string();
    // Checked before opening: opening a pipe would wait for a writer.
    let meta = std::fs::metadata(path)
        .map_err(|e| format!("cannot read `{}`: {}", show(), io_reason(&e)))?;
    if meta.is_dir() {
        return Err(format!("cannot read `{}`: it is a directory", show()));
    }
    if !meta.is_file() {
        return Err(format!(
            "cannot read `{}`: it is not a regular file (a device, pipe or socket)",
            show()
        ));
    }
    let kind = if limit == MAX_WORKFLOW_BYTES {
        "workflow files"
    } else {
        "data files"
    };
    let too_big = || {
        format!(
            "`{}` is too large: {kind} are limited to {} MiB",
            show(),
            limit / (1024 * 1024)
        )
    };
    if meta.len() > limit {
        return Err(too_big());
    }
    // Kernel pseudo-files claim to be regular files of size 0 (`/proc/self/environ` holds the
    // whole environment, secrets included): no workflow has a reason to read them.
    let real = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    if ["/proc", "/sys", "/dev"]
        .iter()
        .any(|p| real.starts_with(p))
    {
        return Err(format!(
            "cannot read `{}`: it is a system file, not a workflow or data file",
            show()
        ));
    }
    let file = std::fs::File::open(path)
        .map_err(|e| format!("cannot read `{}`: {}", show(), io_reason(&e)))?;
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    // The size may change (or lie) between the check and the read: never read past the limit.
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read `{}`: {}", show(), io_reason(&e)))?;
    if bytes.len() as u64 > limit {
        return Err(too_big());
    }
    Ok(bytes)
}

/// A bounded file as text: UTF-8, a leading byte-order mark removed, no NUL byte (a NUL would
/// silently end the YAML scanner's input). The error has the position of the bad byte.
pub fn read_text(path: &Path, limit: u64) -> Result<String, (String, Option<Pos>)> {
    let mut bytes = read_bounded(path, limit).map_err(|e| (e, None))?;
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        bytes.drain(..3);
    }
    // `contains` searches a word at a time (memchr); the position only for the message.
    if bytes.contains(&0)
        && let Some(i) = bytes.iter().position(|b| *b == 0)
    {
        return Err((
            "the file contains a NUL byte (is it a binary file?)".into(),
            Some(pos_of(&bytes, i)),
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        (
            "the file is not UTF-8 text (is it a binary file?)".into(),
            Some(pos_of(e.as_bytes(), offset)),
        )
    })
}

pub fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        std::io::ErrorKind::IsADirectory => "it is a directory".into(),
        _ => e.to_string(),
    }
}

/// A 1-based line and column.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Pos {
    pub line: u32,
    pub column: u32,
}

impl Pos {
    pub fn new(line: u32, column: u32) -> Self {
        Self { line, column }
    }
}

/// A position in a particular file.
#[derive(Clone, Debug)]
pub struct Loc {
    pub file: Arc<SourceFile>,
    pub pos: Pos,
}

impl Loc {
    pub fn new(file: &Arc<SourceFile>, pos: Pos) -> Self {
        Self {
            file: Arc::clone(file),
            pos,
        }
    }
}

impl std::fmt::Display for Loc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}:{}",
            self.file.display(),
            self.pos.line,
            self.pos.column
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_end_at_every_terminator() {
        let text = "a\rb\r\nc\nd";
        assert_eq!(lines(text).collect::<Vec<_>>(), ["a", "b", "c", "d"]);
        assert_eq!(lines("").count(), 0);
        assert_eq!(lines("a\n").collect::<Vec<_>>(), ["a"]);
        assert_eq!(pos_of(text.as_bytes(), 5), Pos::new(3, 1));
        assert_eq!(pos_of(b"ab\rcd", 4), Pos::new(2, 2));
    }

    #[test]
    fn only_bounded_regular_text_files_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f.yaml");
        std::fs::write(&file, b"\xEF\xBB\xBFversion: 1\n").unwrap();
        assert_eq!(read_text(&file, 100).unwrap(), "version: 1\n");
        assert!(read_bounded(&file, 5).unwrap_err().contains("too large"));
        std::fs::write(&file, b"a: 1\nb: x\0y\n").unwrap();
        let (msg, pos) = read_text(&file, 100).unwrap_err();
        assert!(msg.contains("NUL"), "{msg}");
        assert_eq!(pos, Some(Pos::new(2, 5)));
        assert!(
            read_bounded(dir.path(), 100)
                .unwrap_err()
                .contains("directory")
        );
        if Path::new("/dev/zero").exists() {
            let e = read_bounded(Path::new("/dev/zero"), 100).unwrap_err();
            assert!(e.contains("not a regular file"), "{e}");
        }
        if Path::new("/proc/self/environ").exists() {
            let e = read_bounded(Path::new("/proc/self/environ"), 100).unwrap_err();
            assert!(e.contains("system file"), "{e}");
        }
    }
}
