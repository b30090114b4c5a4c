//! The workbook: a CSV file that rows are appended to, never rewritten.
//!
//! An append opens the file with `O_APPEND`, takes an exclusive `flock`, removes the
//! partial last line a crashed writer may have left (everything after the last line
//! end), writes the header if the file is empty, writes the row in one `write` of one
//! buffer, syncs it to the disk, and only then lets the caller answer. A reader takes a
//! shared lock, so it never sees a row being written. Another program that appends
//! without `flock` (a spreadsheet saving over the file) is not kept out: close the
//! workbook in the spreadsheet while the app runs.

use std::fs::{File, OpenOptions};
use std::io::{self, Read as _, Write as _};
use std::os::unix::fs::{FileExt as _, OpenOptionsExt as _};
use std::path::{Path, PathBuf};

use rustix::fs::{FlockOperation, flock};
use rustix::io::Errno;

use super::csv::{self, HEADER, Records};
use super::error::{MoneyError, WorkbookAction};
use super::form::Expense;

/// The largest workbook read for `/expenses` and `/summary`: decades of one household's
/// expenses are a few MiB, and reading and parsing 64 MiB stays well under a second on
/// a small machine, where a larger file would hold a request (and memory) too long.
pub const MAX_WORKBOOK_BYTES: u64 = 64 * 1024 * 1024;

/// How much of an unterminated last line is read to tell a whole row (a spreadsheet
/// saved the file without a final line end: kept) from a partial one (removed). A row
/// of the widest fields is under 2 KiB; past this size it cannot be a row.
const MAX_TAIL_INSPECTED: u64 = 64 * 1024;

/// How much is read at a time, backwards, looking for the last line end.
const TAIL_CHUNK: u64 = 8 * 1024;

/// What an append found and did besides adding the row.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AppendOutcome {
    /// The file was empty (or new): the header line went in first.
    pub wrote_header: bool,
    /// Bytes of a partial last line (a writer that stopped mid-row) removed first.
    pub removed_partial_bytes: u64,
    /// The last line was a whole row without a line end: the line end was added.
    pub terminated_last_row: bool,
}

/// The rows of the workbook, as a strict reader finds them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WorkbookRows {
    /// The rows that read as expenses, in file order.
    pub expenses: Vec<Expense>,
    /// Lines that are not CSV, or not an expense (wrong columns, a bad amount ...).
    pub skipped: usize,
    /// The first line is the header [`HEADER`].
    pub header_found: bool,
}

impl WorkbookRows {
    /// Reads `bytes` as the workbook: the header first, then one expense per record.
    pub fn parse(bytes: &[u8]) -> Self {
        let mut rows = Self::default();
        for (index, record) in Records::new(bytes).enumerate() {
            let Ok(fields) = record else {
                rows.skipped += 1;
                continue;
            };
            let columns: Vec<&str> = fields.iter().map(|f| csv::restore(f)).collect();
            if index == 0 && columns == HEADER {
                rows.header_found = true;
                continue;
            }
            match Expense::from_columns(&columns) {
                Some(expense) => rows.expenses.push(expense),
                None => rows.skipped += 1,
            }
        }
        rows
    }
}

/// The workbook file at a path.
#[derive(Clone, Debug)]
pub struct Workbook {
    path: PathBuf,
}

impl Workbook {
    /// The workbook at `path` (created, mode 0600, by the first append).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// Where it is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn failed(&self, action: WorkbookAction) -> impl FnOnce(io::Error) -> MoneyError + '_ {
        move |source| MoneyError::Workbook {
            action,
            path: self.path.clone(),
            source,
        }
    }

    /// Appends `expense` as one row, durably (see the module's documentation). Blocks on
    /// the lock and the disk: call it from a blocking thread.
    ///
    /// # Errors
    /// [`MoneyError::Workbook`] when the file cannot be opened, locked, repaired, written
    /// or synced; a row that could not be written whole is taken back out.
    pub fn append(&self, expense: &Expense) -> Result<AppendOutcome, MoneyError> {
        let file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .mode(0o600)
            .open(&self.path)
            .map_err(self.failed(WorkbookAction::Open))?;
        let lock = FileLock::take(&file, FlockOperation::LockExclusive)
            .map_err(self.failed(WorkbookAction::Lock))?;
        let mut outcome = self.repair_tail(&file)?;
        let len = file
            .metadata()
            .map_err(self.failed(WorkbookAction::Read))?
            .len();
        let mut buffer = String::new();
        if len == 0 {
            buffer.push_str(&csv::record(&HEADER));
            outcome.wrote_header = true;
        }
        buffer.push_str(&csv::record(&expense.to_columns()));
        if let Err(e) = (&file).write_all(buffer.as_bytes()) {
            // Whatever part of the row went in comes back out: no partial row stays.
            let _ = file.set_len(len);
            return Err(self.failed(WorkbookAction::Write)(e));
        }
        file.sync_data()
            .map_err(self.failed(WorkbookAction::Sync))?;
        if outcome.wrote_header {
            // A new file: its directory entry must reach the disk too.
            self.sync_directory()
                .map_err(self.failed(WorkbookAction::Sync))?;
        }
        lock.release().map_err(self.failed(WorkbookAction::Lock))?;
        Ok(outcome)
    }

    /// Under the exclusive lock: a last line without its line end is either a whole row
    /// (terminated) or what a stopped writer left (removed, back to the last line end).
    fn repair_tail(&self, file: &File) -> Result<AppendOutcome, MoneyError> {
        let mut outcome = AppendOutcome::default();
        let len = file
            .metadata()
            .map_err(self.failed(WorkbookAction::Read))?
            .len();
        if len == 0 || read_byte(file, len - 1).map_err(self.failed(WorkbookAction::Read))? == b'\n'
        {
            return Ok(outcome);
        }
        let cut = last_line_end(file, len).map_err(self.failed(WorkbookAction::Read))?;
        let tail_len = len - cut;
        if tail_len <= MAX_TAIL_INSPECTED {
            let mut tail = vec![0; usize::try_from(tail_len).unwrap_or(0)];
            file.read_exact_at(&mut tail, cut)
                .map_err(self.failed(WorkbookAction::Read))?;
            if is_whole_line(&tail, cut == 0) {
                (&*file)
                    .write_all(b"\r\n")
                    .map_err(self.failed(WorkbookAction::Write))?;
                outcome.terminated_last_row = true;
                return Ok(outcome);
            }
        }
        file.set_len(cut)
            .map_err(self.failed(WorkbookAction::Truncate))?;
        tracing::warn!(
            workbook = %self.path.display(),
            removed_bytes = tail_len,
            "removed a partial row left by a writer that stopped mid-row"
        );
        outcome.removed_partial_bytes = tail_len;
        Ok(outcome)
    }

    fn sync_directory(&self) -> io::Result<()> {
        let dir = match self.path.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        File::open(dir)?.sync_all()
    }

    /// Reads every row, under a shared lock. A workbook that does not exist yet has none.
    ///
    /// # Errors
    /// [`MoneyError::WorkbookTooLarge`] past [`MAX_WORKBOOK_BYTES`];
    /// [`MoneyError::Workbook`] when the file cannot be opened, locked or read.
    pub fn read(&self) -> Result<WorkbookRows, MoneyError> {
        let file = match File::open(&self.path) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(WorkbookRows::default()),
            Err(e) => return Err(self.failed(WorkbookAction::Open)(e)),
        };
        let lock = FileLock::take(&file, FlockOperation::LockShared)
            .map_err(self.failed(WorkbookAction::Lock))?;
        let size = file
            .metadata()
            .map_err(self.failed(WorkbookAction::Read))?
            .len();
        let too_large = |size| MoneyError::WorkbookTooLarge {
            size,
            limit: MAX_WORKBOOK_BYTES,
        };
        if size > MAX_WORKBOOK_BYTES {
            return Err(too_large(size));
        }
        let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
        (&file)
            .take(MAX_WORKBOOK_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(self.failed(WorkbookAction::Read))?;
        lock.release().map_err(self.failed(WorkbookAction::Lock))?;
        let read = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
        if read > MAX_WORKBOOK_BYTES {
            return Err(too_large(read));
        }
        Ok(WorkbookRows::parse(&bytes))
    }
}

/// Whether an unterminated last line is whole: an expense, or the header on line one.
fn is_whole_line(line: &[u8], first_line: bool) -> bool {
    let mut terminated = line.to_vec();
    terminated.push(b'\n');
    let mut records = Records::new(&terminated);
    let (Some(Ok(fields)), None) = (records.next(), records.next()) else {
        return false;
    };
    let columns: Vec<&str> = fields.iter().map(|f| csv::restore(f)).collect();
    (first_line && columns == HEADER) || Expense::from_columns(&columns).is_some()
}

fn read_byte(file: &File, at: u64) -> io::Result<u8> {
    let mut byte = [0];
    file.read_exact_at(&mut byte, at)?;
    Ok(byte[0])
}

/// The offset just past the last `\n` before `len`, or 0 when there is none.
fn last_line_end(file: &File, len: u64) -> io::Result<u64> {
    let mut end = len;
    let mut chunk = Vec::new();
    while end > 0 {
        let start = end.saturating_sub(TAIL_CHUNK);
        chunk.resize(usize::try_from(end - start).unwrap_or(0), 0);
        file.read_exact_at(&mut chunk, start)?;
        if let Some(i) = chunk.iter().rposition(|b| *b == b'\n') {
            return Ok(start + u64::try_from(i).unwrap_or(0) + 1);
        }
        end = start;
    }
    Ok(0)
}

/// An `flock` held on a file until released (or the file is closed).
struct FileLock<'a> {
    file: &'a File,
}

impl<'a> FileLock<'a> {
    /// Waits for the lock (retrying when a signal interrupts the wait).
    fn take(file: &'a File, operation: FlockOperation) -> io::Result<Self> {
        loop {
            match flock(file, operation) {
                Ok(()) => return Ok(Self { file }),
                Err(Errno::INTR) => continue,
                Err(e) => return Err(e.into()),
            }
        }
    }

    fn release(self) -> io::Result<()> {
        let file = self.file;
        std::mem::forget(self);
        flock(file, FlockOperation::Unlock).map_err(io::Error::from)
    }
}

impl Drop for FileLock<'_> {
    fn drop(&mut self) {
        // On an early return; closing the file would release it too.
        let _ = flock(self.file, FlockOperation::Unlock);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::form::{Amount, parse_date};
    use time::OffsetDateTime;

    fn expense(note: &str) -> Expense {
        Expense {
            date: parse_date("2024-05-01").unwrap(),
            amount: Amount::parse("12.5").unwrap(),
            currency: "EUR".into(),
            category: "Food".into(),
            note: note.into(),
            recorded_at: OffsetDateTime::UNIX_EPOCH,
            device: String::new(),
        }
    }

    const ROW: &str = "2024-05-01,12.50,EUR,Food,lunch,1970-01-01T00:00:00Z,\r\n";

    #[test]
    fn header_once_then_rows() {
        let dir = tempfile::tempdir().unwrap();
        let book = Workbook::new(dir.path().join("e.csv"));
        assert!(book.append(&expense("lunch")).unwrap().wrote_header);
        assert!(!book.append(&expense("lunch")).unwrap().wrote_header);
        let text = std::fs::read_to_string(book.path()).unwrap();
        let header = "date,amount,currency,category,note,recorded_at,device\r\n";
        assert_eq!(text, format!("{header}{ROW}{ROW}"));
        let rows = book.read().unwrap();
        assert!(rows.header_found);
        assert_eq!(rows.expenses, [expense("lunch"), expense("lunch")]);
    }

    #[test]
    fn partial_last_line_is_removed_whole_one_terminated() {
        let dir = tempfile::tempdir().unwrap();
        let book = Workbook::new(dir.path().join("e.csv"));
        book.append(&expense("lunch")).unwrap();
        let before = std::fs::read(book.path()).unwrap();
        let mut crashed = before.clone();
        crashed.extend_from_slice(b"2024-05-02,3.");
        std::fs::write(book.path(), &crashed).unwrap();
        let outcome = book.append(&expense("lunch")).unwrap();
        assert_eq!(outcome.removed_partial_bytes, 13);
        assert_eq!(
            std::fs::read(book.path()).unwrap(),
            [&before, ROW.as_bytes()].concat()
        );

        // A whole row without its line end (a spreadsheet saved it so) is kept.
        let mut saved = before.clone();
        saved.extend_from_slice(ROW.trim_end().as_bytes());
        std::fs::write(book.path(), &saved).unwrap();
        let outcome = book.append(&expense("lunch")).unwrap();
        assert!(outcome.terminated_last_row);
        let rows = book.read().unwrap();
        assert_eq!((rows.expenses.len(), rows.skipped), (3, 0));
    }

    #[test]
    fn a_partial_header_is_rewritten() {
        let dir = tempfile::tempdir().unwrap();
        let book = Workbook::new(dir.path().join("e.csv"));
        std::fs::write(book.path(), "date,amou").unwrap();
        let outcome = book.append(&expense("lunch")).unwrap();
        assert!(outcome.wrote_header);
        assert_eq!(book.read().unwrap().expenses.len(), 1);
    }

    #[test]
    fn missing_workbook_has_no_rows_and_bad_rows_are_counted() {
        let dir = tempfile::tempdir().unwrap();
        let book = Workbook::new(dir.path().join("none.csv"));
        assert_eq!(book.read().unwrap(), WorkbookRows::default());
        let rows = WorkbookRows::parse(
            format!("{ROW}2024-05-01,abc,EUR,Food,,1970-01-01T00:00:00Z,\n\"x\n").as_bytes(),
        );
        assert_eq!((rows.expenses.len(), rows.skipped), (1, 2));
        assert!(!rows.header_found);
    }

    #[test]
    fn oversized_workbook_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let book = Workbook::new(dir.path().join("big.csv"));
        let file = File::create(book.path()).unwrap();
        file.set_len(MAX_WORKBOOK_BYTES + 1).unwrap();
        assert!(matches!(
            book.read(),
            Err(MoneyError::WorkbookTooLarge { .. })
        ));
    }
}
