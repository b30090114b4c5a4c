//! Totals per month, currency and category — the `SUMIFS` the seed's author keeps in a
//! spreadsheet — in integer cents, and a small SVG bar chart per month and currency.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::form::{Expense, format_cents};
use super::pages::escape;

/// Width of the longest bar, in SVG user units (the chart is 320 wide: a phone's width).
const BAR_SPACE: u128 = 150;
/// Category labels longer than this are cut (the full name is in the bar's tooltip).
const LABEL_CHARS: usize = 16;

/// The sum of one category in one month and currency.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Total {
    /// `YYYY-MM`.
    pub month: String,
    /// The currency code.
    pub currency: String,
    /// The category.
    pub category: String,
    /// The sum, in cents (`u128`: no number of rows overflows it).
    pub cents: u128,
    /// How many rows were added up.
    pub rows: usize,
}

/// The totals of `expenses` per (month, currency, category), sorted by those three.
pub fn totals(expenses: &[Expense]) -> Vec<Total> {
    let mut sums: BTreeMap<(String, &str, &str), (u128, usize)> = BTreeMap::new();
    for e in expenses {
        let entry = sums
            .entry((e.month(), e.currency.as_str(), e.category.as_str()))
            .or_default();
        entry.0 += u128::from(e.amount.cents());
        entry.1 += 1;
    }
    sums.into_iter()
        .map(|((month, currency, category), (cents, rows))| Total {
            month,
            currency: currency.to_owned(),
            category: category.to_owned(),
            cents,
            rows,
        })
        .collect()
}

/// `totals` grouped by (month, currency), in the same order.
pub fn by_month(totals: &[Total]) -> Vec<&[Total]> {
    totals
        .chunk_by(|a, b| a.month == b.month && a.currency == b.currency)
        .collect()
}

/// A horizontal bar chart of one month's categories (one currency), largest first, as
/// inline SVG: no script, every label escaped.
pub fn chart_svg(group: &[Total]) -> String {
    let mut bars: Vec<&Total> = group.iter().collect();
    bars.sort_by(|a, b| b.cents.cmp(&a.cents).then(a.category.cmp(&b.category)));
    let max = bars.first().map_or(1, |t| t.cents.max(1));
    let (month, currency) = group
        .first()
        .map_or(("", ""), |t| (t.month.as_str(), t.currency.as_str()));
    let row = 22;
    let height = 28 + row * bars.len();
    let mut svg = format!(
        "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"320\" \
         height=\"{height}\" viewBox=\"0 0 320 {height}\" role=\"img\" \
         font-family=\"sans-serif\" font-size=\"12\">\
         <title>{} {}: spending per category</title>\
         <text x=\"0\" y=\"14\" font-weight=\"bold\">{} {}</text>",
        escape(month),
        escape(currency),
        escape(month),
        escape(currency)
    );
    for (i, total) in bars.iter().enumerate() {
        let y = 24 + row * i;
        let width = (total.cents * BAR_SPACE / max).max(1);
        let label: String = if total.category.chars().count() > LABEL_CHARS {
            let cut: String = total.category.chars().take(LABEL_CHARS - 1).collect();
            format!("{cut}…")
        } else {
            total.category.clone()
        };
        let _ = write!(
            svg,
            "<g><title>{category}: {amount}</title>\
             <text x=\"0\" y=\"{ty}\">{label}</text>\
             <rect x=\"110\" y=\"{y}\" width=\"{width}\" height=\"16\" fill=\"#3b7dd8\"/>\
             <text x=\"{tx}\" y=\"{ty}\">{amount}</text></g>",
            category = escape(&total.category),
            amount = format_cents(total.cents),
            label = escape(&label),
            ty = y + 12,
            tx = 114 + width,
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::form::{Amount, parse_date};
    use time::OffsetDateTime;

    fn e(date: &str, amount: &str, currency: &str, category: &str) -> Expense {
        Expense {
            date: parse_date(date).unwrap(),
            amount: Amount::parse(amount).unwrap(),
            currency: currency.into(),
            category: category.into(),
            note: String::new(),
            recorded_at: OffsetDateTime::UNIX_EPOCH,
            device: String::new(),
        }
    }

    #[test]
    fn sums_per_month_currency_category_in_cents() {
        let expenses = [
            e("2024-06-02", "1", "EUR", "Food"),
            e("2024-05-01", "12.50", "EUR", "Food"),
            e("2024-05-31", "7.25", "EUR", "Food"),
            e("2024-05-03", "3", "EUR", "Bus"),
            e("2024-05-03", "0.10", "USD", "Food"),
        ];
        let got: Vec<(String, String, String, String, usize)> = totals(&expenses)
            .into_iter()
            .map(|t| {
                (
                    t.month,
                    t.currency,
                    t.category,
                    format_cents(t.cents),
                    t.rows,
                )
            })
            .collect();
        let want = [
            ("2024-05", "EUR", "Bus", "3.00", 1),
            ("2024-05", "EUR", "Food", "19.75", 2),
            ("2024-05", "USD", "Food", "0.10", 1),
            ("2024-06", "EUR", "Food", "1.00", 1),
        ];
        assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(want) {
            assert_eq!(
                (g.0.as_str(), g.1.as_str(), g.2.as_str(), g.3.as_str(), g.4),
                w
            );
        }
        let all = totals(&expenses);
        assert_eq!(
            by_month(&all).iter().map(|g| g.len()).collect::<Vec<_>>(),
            [2, 1, 1]
        );
    }

    #[test]
    fn chart_escapes_and_scales() {
        let all = totals(&[
            e("2024-05-01", "10", "EUR", "<b>&"),
            e("2024-05-01", "5", "EUR", "A very long category name indeed"),
        ]);
        let svg = chart_svg(&all);
        assert!(svg.contains("&lt;b&gt;&amp;"), "{svg}");
        assert!(!svg.contains("<b>"));
        assert!(svg.contains("width=\"150\""), "{svg}");
        assert!(svg.contains("width=\"75\""), "{svg}");
        assert!(svg.contains("A very long cat…"), "{svg}");
    }
}
