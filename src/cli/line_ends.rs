//! A reader that makes every line end `\n`, so that an import's line numbers
//! are the file's whatever wrote it.
//!
//! The csv crate ends a record at `\r`, `\n` or `\r\n`, but counts lines by
//! `\n` alone and takes the `\n` of a `\r\n` only when it starts the next
//! record. A file with CRLF ends (what Excel and Python's csv module write)
//! thus had every problem reported one line too high up, and one with
//! lone `\r` ends (old Mac spreadsheets) all on line 1. Read through this,
//! every file counts as the lines an editor shows. A `\r\n` inside a quoted
//! cell becomes `\n` too; no imported field may hold either.

use std::io::{self, Read};

/// `inner` with `\r\n` and a lone `\r` read as `\n`.
pub struct UnixLineEnds<R> {
    inner: R,
    /// The last byte read was a `\r` (already given out as `\n`), so a `\n`
    /// that follows belongs to it, even at the start of the next read.
    after_cr: bool,
}

impl<R: Read> UnixLineEnds<R> {
    pub fn new(inner: R) -> UnixLineEnds<R> {
        UnixLineEnds {
            inner,
            after_cr: false,
        }
    }
}

impl<R: Read> Read for UnixLineEnds<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            let read = self.inner.read(buf)?;
            if read == 0 {
                return Ok(0);
            }
            // Rewritten in place: what is kept never runs ahead of what is read.
            let mut kept = 0;
            for i in 0..read {
                let byte = buf[i];
                if byte == b'\n' && self.after_cr {
                    self.after_cr = false;
                    continue;
                }
                self.after_cr = byte == b'\r';
                buf[kept] = if self.after_cr { b'\n' } else { byte };
                kept += 1;
            }
            // A read of nothing but the `\n` of a `\r\n` split across reads
            // gave nothing: read on rather than report the end of the file.
            if kept > 0 {
                return Ok(kept);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hands out its bytes `step` at a time, as a slow file or pipe would.
    struct Trickle<'a> {
        bytes: &'a [u8],
        step: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.step.min(buf.len()).min(self.bytes.len());
            buf[..n].copy_from_slice(&self.bytes[..n]);
            self.bytes = &self.bytes[n..];
            Ok(n)
        }
    }

    fn through(bytes: &[u8], step: usize) -> Vec<u8> {
        let mut out = Vec::new();
        UnixLineEnds::new(Trickle { bytes, step })
            .read_to_end(&mut out)
            .expect("read");
        out
    }

    #[test]
    fn every_line_end_reads_as_a_newline_at_any_read_size() {
        let cases: [(&[u8], &[u8]); 7] = [
            (b"a,b\r\nc,d\r\n", b"a,b\nc,d\n"),
            (b"a,b\nc,d\n", b"a,b\nc,d\n"),
            (b"a,b\rc,d\r", b"a,b\nc,d\n"),
            (b"a\r\n\r\nb", b"a\n\nb"),
            (b"a\r\rb\n\r", b"a\n\nb\n\n"),
            (b"\r\n", b"\n"),
            (b"", b""),
        ];
        for (input, expected) in cases {
            for step in [1, 2, 3, 8192] {
                assert_eq!(
                    through(input, step),
                    expected,
                    "{:?} read {step} at a time",
                    String::from_utf8_lossy(input)
                );
            }
        }
    }

    #[test]
    fn csv_counts_the_lines_of_a_crlf_file_as_an_editor_does() {
        let file = b"login,name\r\nann,\"Ann\r\nBell\"\r\nbob,Bob\r\n";
        let mut reader = csv::Reader::from_reader(UnixLineEnds::new(&file[..]));
        let lines: Vec<u64> = reader
            .byte_records()
            .map(|r| r.expect("record").position().expect("position").line())
            .collect();
        assert_eq!(lines, [2, 4]);
    }
}
