//! The HTML pages: small, no script, every value escaped with [`escape`].

use std::fmt::Write as _;

use super::error::{Field, MoneyError};
use super::form::{ExpenseForm, MAX_CATEGORY_CHARS, MAX_NOTE_CHARS, format_cents, format_date};
use super::identity::Identity;
use super::summary::{self, Total};
use super::workbook::WorkbookRows;

/// The most rows `/expenses` shows (newest first): a phone's page stays light; the
/// workbook itself has them all.
pub const MAX_LISTED_ROWS: usize = 500;

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:0 auto;max-width:40em;\
padding:0 1em}nav a{margin-right:1em}.who{color:#555}label{display:block;margin:.6em 0}\
input{font-size:1.1em;width:100%;box-sizing:border-box}button{font-size:1.1em;margin:1em 0}\
.error{background:#fde;border:1px solid #c33;padding:.5em}.note{background:#ffd;padding:.5em}\
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.2em;\
text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}td.n,td.d{white-space:nowrap}tr.all{font-weight:bold}";

/// `text` safe inside HTML text and quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// The page around `body`: the navigation and who is signed in.
fn layout(title: &str, identity: &Identity, body: &str) -> String {
    let who = match identity.display_name() {
        Some(name) => {
            let mut who = format!("Signed in as <strong>{}</strong>", escape(name));
            if let Some(fp) = &identity.fingerprint {
                let short: String = fp.chars().take(16).collect();
                let _ = write!(who, " · device <code>{}…</code>", escape(&short));
            }
            if let Some(email) = identity.email.as_ref().filter(|e| e.as_str() != name) {
                let _ = write!(who, " · <span class=\"email\">{}</span>", escape(email));
            }
            if let Some(policy) = &identity.policy {
                let _ = write!(who, " · policy {}", escape(policy));
            }
            who
        }
        None => String::from("not signed in (no gate in front)"),
    };
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} · money</title><style>{STYLE}</style></head><body>\
         <header><nav><a href=\"/\">Add</a><a href=\"/expenses\">Expenses</a>\
         <a href=\"/summary\">Summary</a></nav><p class=\"who\">{who}</p></header>\
         <main><h1>{title}</h1>{body}</main></body></html>",
        title = escape(title),
    )
}

/// The form, with `values` filled in and, after a refused post, the error.
pub fn form_page(
    identity: &Identity,
    values: &ExpenseForm,
    error: Option<&MoneyError>,
    categories: &[String],
) -> String {
    let mut body = String::new();
    let bad_field = match error {
        Some(e @ MoneyError::Field { field, .. }) => {
            let _ = write!(
                body,
                "<p class=\"error\" role=\"alert\">{}</p>",
                escape(&e.to_string())
            );
            Some(*field)
        }
        Some(e) => {
            let _ = write!(
                body,
                "<p class=\"error\" role=\"alert\">{}</p>",
                escape(&e.to_string())
            );
            None
        }
        None => None,
    };
    let invalid = |field: Field| {
        if bad_field == Some(field) {
            " aria-invalid=\"true\" autofocus"
        } else {
            ""
        }
    };
    let _ = write!(
        body,
        "<form method=\"post\" action=\"/\">\
         <label>Date <input type=\"date\" name=\"date\" required value=\"{date}\"{di}></label>\
         <label>Amount <input name=\"amount\" inputmode=\"decimal\" required \
         placeholder=\"12.50\" value=\"{amount}\"{ai}></label>\
         <label>Currency <input name=\"currency\" required maxlength=\"3\" \
         autocapitalize=\"characters\" value=\"{currency}\"{ci}></label>\
         <label>Category <input name=\"category\" required maxlength=\"{cmax}\" \
         list=\"categories\" value=\"{category}\"{gi}></label>\
         <label>Note <input name=\"note\" maxlength=\"{nmax}\" value=\"{note}\"{ni}></label>\
         <datalist id=\"categories\">",
        date = escape(&values.date),
        amount = escape(&values.amount),
        currency = escape(&values.currency),
        category = escape(&values.category),
        note = escape(&values.note),
        cmax = MAX_CATEGORY_CHARS,
        nmax = MAX_NOTE_CHARS,
        di = invalid(Field::Date),
        ai = invalid(Field::Amount),
        ci = invalid(Field::Currency),
        gi = invalid(Field::Category),
        ni = invalid(Field::Note),
    );
    for category in categories {
        let _ = write!(body, "<option value=\"{}\">", escape(category));
    }
    body.push_str("</datalist><button type=\"submit\">Add expense</button></form>");
    layout("Add an expense", identity, &body)
}

/// What the reader could not use, said on the page (never a server error).
fn skipped_note(rows: &WorkbookRows) -> String {
    match rows.skipped {
        0 => String::new(),
        n => format!(
            "<p class=\"note\">{n} line{s} of the workbook could not be read as expenses \
             and {are} left out; open the workbook in a spreadsheet to fix {them}.</p>",
            s = if n == 1 { "" } else { "s" },
            are = if n == 1 { "is" } else { "are" },
            them = if n == 1 { "it" } else { "them" },
        ),
    }
}

/// `/expenses`: the rows, newest day first, up to [`MAX_LISTED_ROWS`].
pub fn expenses_page(identity: &Identity, rows: &WorkbookRows) -> String {
    let mut body = skipped_note(rows);
    let mut listed: Vec<_> = rows.expenses.iter().enumerate().collect();
    listed.sort_by(|(i, a), (j, b)| b.date.cmp(&a.date).then(j.cmp(i)));
    let total = listed.len();
    if total == 0 {
        body.push_str("<p>No expenses yet.</p>");
        return layout("Expenses", identity, &body);
    }
    if total > MAX_LISTED_ROWS {
        let _ = write!(body, "<p>The newest {MAX_LISTED_ROWS} of {total} rows.</p>");
    }
    body.push_str(
        "<table><thead><tr><th>Date</th><th>Amount</th><th></th><th>Category</th>\
         <th>Note</th></tr></thead><tbody>",
    );
    for (_, e) in listed.into_iter().take(MAX_LISTED_ROWS) {
        let _ = write!(
            body,
            "<tr><td class=\"d\">{}</td><td class=\"n\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            format_date(e.date),
            e.amount,
            escape(&e.currency),
            escape(&e.category),
            escape(&e.note),
        );
    }
    body.push_str("</tbody></table>");
    layout("Expenses", identity, &body)
}

/// `/summary`: totals per month, currency and category, and a chart per month.
pub fn summary_page(identity: &Identity, rows: &WorkbookRows) -> String {
    let mut body = skipped_note(rows);
    let totals = summary::totals(&rows.expenses);
    if totals.is_empty() {
        body.push_str("<p>No expenses yet.</p>");
        return layout("Summary", identity, &body);
    }
    let groups = summary::by_month(&totals);
    body.push_str(
        "<table><thead><tr><th>Month</th><th>Currency</th><th>Category</th>\
         <th>Total</th><th>Rows</th></tr></thead><tbody>",
    );
    for group in &groups {
        for t in *group {
            total_row(&mut body, t, "");
        }
        if let Some(first) = group.first() {
            let all = Total {
                category: String::from("All"),
                cents: group.iter().map(|t| t.cents).sum(),
                rows: group.iter().map(|t| t.rows).sum(),
                ..first.clone()
            };
            total_row(&mut body, &all, " class=\"all\"");
        }
    }
    body.push_str("</tbody></table><h2>Per month</h2>");
    for group in groups {
        body.push_str(&summary::chart_svg(group));
    }
    layout("Summary", identity, &body)
}

fn total_row(body: &mut String, t: &Total, class: &str) {
    let _ = write!(
        body,
        "<tr{class}><td class=\"d\">{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td>\
         <td class=\"n\">{}</td></tr>",
        escape(&t.month),
        escape(&t.currency),
        escape(&t.category),
        format_cents(t.cents),
        t.rows,
    );
}

/// A page that says what went wrong (`title`) and why (`message`).
pub fn message_page(identity: &Identity, title: &str, message: &str) -> String {
    layout(title, identity, &format!("<p>{}</p>", escape(message)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_everything_html_cares_about() {
        assert_eq!(
            escape("<a href=\"x\">Sam's & co</a>"),
            "&lt;a href=&quot;x&quot;&gt;Sam&#39;s &amp; co&lt;/a&gt;"
        );
    }

    #[test]
    fn who_is_signed_in() {
        let page = message_page(&Identity::default(), "t", "m");
        assert!(page.contains("not signed in (no gate in front)"));
        let id = Identity {
            subject: Some("CN=<x>".into()),
            policy: Some("p\"".into()),
            ..Identity::default()
        };
        let page = message_page(&id, "t", "m");
        assert!(
            page.contains("Signed in as <strong>CN=&lt;x&gt;</strong>"),
            "{page}"
        );
        assert!(page.contains("policy p&quot;"), "{page}");
    }
}
