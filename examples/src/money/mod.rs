//! `money-app`: the seed's budget form. An expense entered on a phone becomes one row of
//! a CSV workbook that any spreadsheet opens, never a half row.
//!
//! - [`form`]: the fields of an expense, checked one by one ([`Expense`], [`Amount`]).
//! - [`csv`]: RFC 4180 rows with a defence against formula injection, and a strict reader.
//! - [`workbook`]: the file: appended under an exclusive lock, one write per row, synced
//!   before the answer, a crashed writer's partial row removed by the next writer.
//! - [`summary`]: totals per month, currency and category, the `SUMIFS` of the seed's
//!   spreadsheet, and a small SVG chart per month.
//! - [`pages`]: HTML, every value escaped.
//! - [`identity`]: who is signed in, from the headers the gate forwards.
//! - [`access`]: the gate's signed `Cf-Access-Jwt-Assertion`, verified by the app.
//! - [`app`]: the axum [`router`] and its handlers.
//!
//! # Security
//! The app has no login of its own: it is meant to listen on loopback (or a Unix socket)
//! behind certgate's gate, which lets only certified devices in and forwards who they
//! are in `Certgate-Subject`, `Cf-Client-Cert-Sha256` and `Certgate-Policy` (dropping
//! any copies a client sent). Reached without the gate, it says "not signed in".

pub mod access;
pub mod app;
pub mod csv;
mod error;
pub mod form;
pub mod identity;
pub mod pages;
pub mod summary;
pub mod tls;
pub mod workbook;

pub use app::{AppState, router};
pub use error::{Field, FieldProblem, MoneyError, WorkbookAction};
pub use form::{Amount, Expense};
pub use identity::Identity;
pub use workbook::{AppendOutcome, Workbook, WorkbookRows};
