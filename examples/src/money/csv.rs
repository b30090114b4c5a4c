//! CSV as RFC 4180 writes it, and a strict reader for it.
//!
//! Writing: fields with `,` `"` CR or LF are quoted, quotes doubled, records end in CRLF.
//! A field that a spreadsheet would run as a formula (starting with `=` `+` `-` `@`, a
//! tab or CR) gets a leading `'`, as OWASP's CSV-injection advice says; a field that
//! already starts with `'` gets one too, so that reading takes exactly one off again.
//!
//! Reading: [`Records`] yields one record per line (quoted line breaks allowed, as
//! RFC 4180 has them), or says the record is malformed and goes on at the next line.

use std::borrow::Cow;

/// The columns of the workbook, in order: its first line.
pub const HEADER: [&str; 7] = [
    "date",
    "amount",
    "currency",
    "category",
    "note",
    "recorded_at",
    "device",
];

/// A record with more fields than this is malformed: the workbook has seven columns, and
/// the bound keeps one hostile line of commas from becoming millions of strings.
pub const MAX_FIELDS_PER_RECORD: usize = 32;

/// What starts a formula in Excel, LibreOffice and Google Sheets (and `'`, see the
/// module's documentation).
const FORMULA_STARTS: [char; 7] = ['=', '+', '-', '@', '\t', '\r', '\''];

/// `text` safe from formula injection: a leading `'` where a spreadsheet would see a
/// formula (or where `text` already starts with `'`).
pub fn defuse(text: &str) -> Cow<'_, str> {
    if text.starts_with(FORMULA_STARTS) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// The text [`defuse`] was given: one leading `'` taken off where it put one.
pub fn restore(text: &str) -> &str {
    match text.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_STARTS) => rest,
        _ => text,
    }
}

/// One CSV record of `fields`, each defused and quoted as needed, ending in CRLF.
pub fn record<S: AsRef<str>>(fields: &[S]) -> String {
    let mut line = String::new();
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            line.push(',');
        }
        let field = defuse(field.as_ref());
        if field.contains([',', '"', '\r', '\n']) {
            line.push('"');
            line.push_str(&field.replace('"', "\"\""));
            line.push('"');
        } else {
            line.push_str(&field);
        }
    }
    line.push_str("\r\n");
    line
}

/// Why a record could not be read.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordProblem {
    /// A quoted field that never ends.
    UnterminatedQuote,
    /// Something other than `,` or a line end after a closing quote.
    TextAfterQuote,
    /// A `"` inside an unquoted field.
    StrayQuote,
    /// A CR not followed by LF.
    StrayCarriageReturn,
    /// More than [`MAX_FIELDS_PER_RECORD`] fields.
    TooManyFields,
    /// Not UTF-8.
    NotUtf8,
    /// The last line has no line end: a writer stopped in the middle of it.
    Unterminated,
}

/// The records of CSV text, one by one; empty lines are passed over.
#[derive(Debug)]
pub struct Records<'a> {
    input: &'a [u8],
    pos: usize,
}

impl<'a> Records<'a> {
    /// Reads `input` from its start.
    pub fn new(input: &'a [u8]) -> Self {
        Self { input, pos: 0 }
    }

    /// After a malformed record: on at the line after `from`.
    fn skip_line(&mut self, from: usize) {
        self.pos = match self.input[from.min(self.input.len())..]
            .iter()
            .position(|b| *b == b'\n')
        {
            Some(offset) => from + offset + 1,
            None => self.input.len(),
        };
    }

    /// One field from `self.pos`; leaves `self.pos` on the byte after it.
    fn field(&mut self) -> Result<String, (RecordProblem, usize)> {
        let input = self.input;
        let start = self.pos;
        let bytes = if input.get(start) == Some(&b'"') {
            let mut value = Vec::new();
            let mut at = start + 1;
            loop {
                let Some(offset) = input[at..].iter().position(|b| *b == b'"') else {
                    return Err((RecordProblem::UnterminatedQuote, input.len()));
                };
                value.extend_from_slice(&input[at..at + offset]);
                at += offset + 1;
                if input.get(at) == Some(&b'"') {
                    value.push(b'"');
                    at += 1;
                } else {
                    break;
                }
            }
            if !matches!(input.get(at), None | Some(b',' | b'\r' | b'\n')) {
                return Err((RecordProblem::TextAfterQuote, at));
            }
            self.pos = at;
            value
        } else {
            let len = input[start..]
                .iter()
                .position(|b| matches!(b, b',' | b'\r' | b'\n'))
                .unwrap_or(input.len() - start);
            let value = &input[start..start + len];
            if value.contains(&b'"') {
                return Err((RecordProblem::StrayQuote, start));
            }
            self.pos = start + len;
            value.to_vec()
        };
        String::from_utf8(bytes).map_err(|_| (RecordProblem::NotUtf8, start))
    }

    /// One record from `self.pos`.
    fn record(&mut self) -> Result<Vec<String>, (RecordProblem, usize)> {
        let mut fields = Vec::new();
        loop {
            if fields.len() == MAX_FIELDS_PER_RECORD {
                return Err((RecordProblem::TooManyFields, self.pos));
            }
            fields.push(self.field()?);
            match self.input.get(self.pos) {
                Some(b',') => self.pos += 1,
                Some(b'\n') => {
                    self.pos += 1;
                    return Ok(fields);
                }
                Some(b'\r') if self.input.get(self.pos + 1) == Some(&b'\n') => {
                    self.pos += 2;
                    return Ok(fields);
                }
                Some(_) => return Err((RecordProblem::StrayCarriageReturn, self.pos)),
                None => return Err((RecordProblem::Unterminated, self.pos)),
            }
        }
    }
}

impl Iterator for Records<'_> {
    type Item = Result<Vec<String>, RecordProblem>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let rest = &self.input[self.pos..];
            if rest.is_empty() {
                return None;
            }
            if rest.starts_with(b"\n") || rest.starts_with(b"\r\n") {
                self.pos += if rest[0] == b'\n' { 1 } else { 2 };
                continue;
            }
            let start = self.pos;
            return Some(self.record().map_err(|(problem, at)| {
                self.skip_line(at.max(start));
                problem
            }));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(input: &str) -> Vec<Result<Vec<String>, RecordProblem>> {
        Records::new(input.as_bytes()).collect()
    }

    #[test]
    fn quoting_and_formula_defence() {
        assert_eq!(record(&["a", "b c"]), "a,b c\r\n");
        assert_eq!(
            record(&["x,y", "say \"hi\""]),
            "\"x,y\",\"say \"\"hi\"\"\"\r\n"
        );
        assert_eq!(
            record(&["=HYPERLINK(\"http://x\",\"y\")"]),
            "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"\r\n"
        );
        for start in ["=1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "'x"] {
            assert_eq!(defuse(start), format!("'{start}"));
            assert_eq!(restore(&defuse(start)), start);
        }
        assert_eq!(defuse("plain"), "plain");
        assert_eq!(restore("'plain"), "'plain");
    }

    #[test]
    fn records_round_trip() {
        let fields = ["2024-05-01", "a \"b\", c", "", "=1+1", "line\r\nbreak"];
        let line = record(&fields);
        let back = read(&line);
        let back = back[0].as_ref().unwrap();
        let restored: Vec<&str> = back.iter().map(|f| restore(f)).collect();
        assert_eq!(restored, fields);
    }

    #[test]
    fn malformed_records_are_skipped_and_reading_goes_on() {
        let got = read("a,b\n\"open,x\nc\"d,e\nf\"g\r\nh\ri\n\nj,\"k\"x\nlast,ok\r\ntail");
        assert_eq!(
            got,
            [
                Ok(vec!["a".into(), "b".into()]),
                Err(RecordProblem::TextAfterQuote),
                Err(RecordProblem::StrayQuote),
                Err(RecordProblem::StrayCarriageReturn),
                Err(RecordProblem::TextAfterQuote),
                Ok(vec!["last".into(), "ok".into()]),
                Err(RecordProblem::Unterminated),
            ]
        );
    }

    #[test]
    fn limits_and_encoding() {
        let many = vec!["x"; MAX_FIELDS_PER_RECORD + 1].join(",") + "\nok\n";
        assert_eq!(
            read(&many),
            [Err(RecordProblem::TooManyFields), Ok(vec!["ok".into()])]
        );
        let bad = Records::new(b"\xff,a\nb\n").collect::<Vec<_>>();
        assert_eq!(bad, [Err(RecordProblem::NotUtf8), Ok(vec!["b".into()])]);
        assert_eq!(read("\"never"), [Err(RecordProblem::UnterminatedQuote)]);
    }
}
