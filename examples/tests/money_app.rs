//! `money-app` as a user meets it: the real binary on a port of its own, spoken to with
//! curl, its workbook read back by our reader and by Python's `csv` module.
#![allow(clippy::unwrap_used)]

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::Duration;

use certgate_examples::money::WorkbookRows;
use certgate_examples::money::csv::{HEADER, Records, restore};
use certgate_test_support::require_tool;

const MONEY_APP: &str = env!("CARGO_BIN_EXE_money-app");

/// A running `money-app`, killed when dropped.
struct App {
    child: Child,
    base: String,
    workbook: PathBuf,
    log: PathBuf,
}

impl App {
    /// Starts the app on port 0 over `workbook`, with `extra` flags, and reads its port.
    fn start_with(workbook: &Path, extra: &[&str]) -> Self {
        let log = workbook.with_extension(format!("log{}", std::process::id()));
        let log_file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .unwrap();
        let mut child = Command::new(MONEY_APP)
            .args(["--listen", "127.0.0.1:0", "--workbook"])
            .arg(workbook)
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log_file)
            .spawn()
            .unwrap();
        // The first line only; the pipe is closed after it, which must not stop the app.
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let Some(addr) = line.trim().strip_prefix("money-app listening on http://") else {
            let _ = child.kill();
            panic!(
                "no listening line: {line:?}\n{}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
        };
        Self {
            base: format!("http://{addr}"),
            child,
            workbook: workbook.to_owned(),
            log,
        }
    }

    fn start(workbook: &Path) -> Self {
        Self::start_with(workbook, &[])
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn get(&self, path: &str, headers: &[&str]) -> Reply {
        curl(&self.url(path), headers, &[])
    }

    /// POSTs `fields` as a form (each value URL-encoded by curl).
    fn post(&self, fields: &[(&str, &str)], headers: &[&str]) -> Reply {
        let data: Vec<String> = fields.iter().map(|(n, v)| format!("{n}={v}")).collect();
        curl(&self.url("/"), headers, &data)
    }

    fn csv(&self) -> String {
        std::fs::read_to_string(&self.workbook).unwrap_or_default()
    }
}

impl Drop for App {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if thread::panicking() {
            eprintln!(
                "money-app log:\n{}",
                std::fs::read_to_string(&self.log).unwrap_or_default()
            );
        }
    }
}

/// What curl got back.
#[derive(Debug)]
struct Reply {
    status: u16,
    headers: String,
    body: String,
}

impl Reply {
    fn header(&self, name: &str) -> Option<String> {
        self.headers.lines().find_map(|line| {
            let (n, v) = line.split_once(':')?;
            n.eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
        })
    }
}

/// `curl -i` to `url`; with `data`, a POST of `--data-urlencode` fields.
fn curl(url: &str, headers: &[&str], data: &[String]) -> Reply {
    let mut cmd = Command::new("curl");
    cmd.args(["-sS", "-i", "--max-time", "60"]);
    for h in headers {
        cmd.args(["-H", h]);
    }
    for d in data {
        cmd.args(["--data-urlencode", d]);
    }
    let out = cmd.arg(url).output().unwrap();
    assert!(
        out.status.success(),
        "curl {url}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    parse_reply(&String::from_utf8_lossy(&out.stdout))
}

fn parse_reply(raw: &str) -> Reply {
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((raw, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    Reply {
        status,
        headers: head.to_owned(),
        body: body.to_owned(),
    }
}

/// Every record of the workbook's text, each checked to be whole (seven fields), with
/// the formula defence taken off.
fn records(text: &str) -> Vec<Vec<String>> {
    Records::new(text.as_bytes())
        .map(|record| {
            let fields = record.unwrap_or_else(|e| panic!("{e:?} in:\n{text}"));
            assert_eq!(fields.len(), HEADER.len(), "{fields:?}");
            fields.iter().map(|f| restore(f).to_owned()).collect()
        })
        .collect()
}

fn good(note: &str) -> Vec<(&'static str, String)> {
    vec![
        ("date", "2024-05-01".into()),
        ("amount", "12.5".into()),
        ("currency", "EUR".into()),
        ("category", "Food".into()),
        ("note", note.into()),
    ]
}

fn as_refs<'a>(fields: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    fields.iter().map(|(n, v)| (*n, v.as_str())).collect()
}

#[test]
fn form_shows_who_is_signed_in_escaped() {
    if !require_tool("curl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let app = App::start(&dir.path().join("expenses.csv"));
    let page = app.get("/", &[]);
    assert_eq!(page.status, 200);
    for field in ["date", "amount", "currency", "category", "note"] {
        assert!(page.body.contains(&format!("name=\"{field}\"")), "{field}");
    }
    assert!(page.body.contains("not signed in (no gate in front)"));
    let csp = page.header("content-security-policy").unwrap();
    assert!(csp.contains("default-src 'none'"), "{csp}");

    let page = app.get(
        "/",
        &[
            "Certgate-Subject: CN=Sam's iPhone,O=Sam",
            "Certgate-Policy: <phone>",
            &format!("Cf-Client-Cert-Sha256: {}", "AB".repeat(32)),
        ],
    );
    assert!(
        page.body
            .contains("Signed in as <strong>CN=Sam&#39;s iPhone,O=Sam</strong>"),
        "{}",
        page.body
    );
    assert!(page.body.contains("policy &lt;phone&gt;"));
    assert!(page.body.contains("abababababababab…"));
    assert!(!page.body.contains("Sam's"));
    assert!(!page.body.contains("not signed in"));
}

#[test]
fn good_row_is_stored_and_listed() {
    if !require_tool("curl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let app = App::start(&dir.path().join("expenses.csv"));
    let fp = "0f".repeat(32);
    let reply = app.post(
        &as_refs(&good("lunch with Ana")),
        &[&format!("Cf-Client-Cert-Sha256: {fp}")],
    );
    assert_eq!(reply.status, 303, "{reply:?}");
    assert_eq!(reply.header("location").as_deref(), Some("/expenses"));

    let list = app.get("/expenses", &[]);
    assert_eq!(list.status, 200);
    assert!(list.body.contains("lunch with Ana"), "{}", list.body);
    assert!(list.body.contains("12.50"));

    let text = app.csv();
    assert_eq!(text.matches("date,amount").count(), 1, "{text}");
    let rows = records(&text);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0], HEADER);
    assert_eq!(
        &rows[1][..5],
        ["2024-05-01", "12.50", "EUR", "Food", "lunch with Ana"]
    );
    assert!(rows[1][5].ends_with('Z'), "{:?}", rows[1][5]);
    assert_eq!(rows[1][6], fp);

    // JSON on request: 201 with the row as stored.
    let reply = app.post(&as_refs(&good("second")), &["Accept: application/json"]);
    assert_eq!(reply.status, 201, "{reply:?}");
    let row: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(row["amount"], "12.50");
    assert_eq!(row["note"], "second");
    assert_eq!(records(&app.csv()).len(), 3);
}

#[test]
fn concurrent_posts_land_as_whole_rows() {
    if !require_tool("curl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let app = App::start(&dir.path().join("expenses.csv"));
    let url = app.url("/");
    let posts: Vec<_> = (0..100)
        .map(|i| {
            let url = url.clone();
            thread::spawn(move || {
                let data: Vec<String> = good(&format!("note number {i}, \"quoted\""))
                    .into_iter()
                    .map(|(n, v)| format!("{n}={v}"))
                    .collect();
                curl(&url, &[], &data).status
            })
        })
        .collect();
    for post in posts {
        assert_eq!(post.join().unwrap(), 303);
    }
    let text = app.csv();
    assert_eq!(text.lines().count(), 101, "{text}");
    let rows = records(&text);
    assert_eq!(rows.len(), 101);
    assert_eq!(rows[0], HEADER);
    for i in 0..100 {
        let note = format!("note number {i}, \"quoted\"");
        assert_eq!(rows.iter().filter(|r| r[4] == note).count(), 1, "{note}");
    }
}

#[test]
fn bad_input_is_refused_naming_the_field() {
    if !require_tool("curl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let app = App::start(&dir.path().join("expenses.csv"));
    let long_category = "c".repeat(41);
    let long_note = "n".repeat(201);
    let thirteen = "1".repeat(13);
    let cases: [(&str, &str, &str); 13] = [
        ("amount", "abc", "amount: not a decimal number"),
        ("amount", "-1", "amount: must be greater than zero"),
        (
            "amount",
            "1.234",
            "amount: more than 2 digits after the point",
        ),
        ("amount", "1e5", "amount: not a decimal number"),
        ("amount", "0", "amount: must be greater than zero"),
        (
            "amount",
            &thirteen,
            "amount: more than 12 digits before the point",
        ),
        (
            "category",
            &long_category,
            "category: longer than 40 characters",
        ),
        ("category", "", "category: empty"),
        ("note", &long_note, "note: longer than 200 characters"),
        ("note", "two\nlines", "note: contains a control character"),
        ("note", "cr\rhere", "note: contains a control character"),
        ("date", "2025-02-29", "date: no such day"),
        ("currency", "EU", "currency: not a currency code"),
    ];
    for (field, value, reason) in cases {
        let mut fields = good("x");
        for (name, v) in &mut fields {
            if *name == field {
                *v = value.to_owned();
            }
        }
        let reply = app.post(&as_refs(&fields), &[]);
        assert_eq!(reply.status, 400, "{field}={value:?}");
        assert!(
            reply.body.contains(reason),
            "{field}={value:?}: {}",
            reply.body
        );
        // The form comes back filled in, the bad field marked.
        assert!(reply.body.contains("aria-invalid"), "{}", reply.body);

        let reply = app.post(&as_refs(&fields), &["Accept: application/json"]);
        assert_eq!(reply.status, 400);
        let json: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
        assert_eq!(json["field"], field, "{}", reply.body);
    }
    let missing = app.post(&[("date", "2024-05-01")], &[]);
    assert_eq!(missing.status, 400);
    assert!(missing.body.contains("amount: missing"), "{}", missing.body);
    assert!(!app.workbook.exists(), "nothing may be written");
}

#[test]
fn other_refusals_have_their_status() {
    if !require_tool("curl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let app = App::start(&dir.path().join("expenses.csv"));
    let huge = format!("note={}", "x".repeat(20 * 1024));
    let reply = curl(&app.url("/"), &[], &[huge]);
    assert_eq!(reply.status, 413, "{reply:?}");
    let reply = curl(
        &app.url("/"),
        &["Content-Type: application/json"],
        &[String::from("{}")],
    );
    assert_eq!(reply.status, 415, "{reply:?}");
    let fields = good("from elsewhere");
    let reply = app.post(&as_refs(&fields), &["Sec-Fetch-Site: cross-site"]);
    assert_eq!(reply.status, 403, "{reply:?}");
    let reply = app.post(&as_refs(&fields), &["Sec-Fetch-Site: same-origin"]);
    assert_eq!(reply.status, 303, "{reply:?}");
    assert_eq!(app.get("/nowhere", &[]).status, 404);
    let reply = curl(&app.url("/summary"), &[], &[String::from("a=b")]);
    assert_eq!(reply.status, 405);
    assert_eq!(
        reply.header("allow").as_deref(),
        Some("GET,HEAD"),
        "{reply:?}"
    );
    assert_eq!(records(&app.csv()).len(), 2, "one header, one row");
}

#[test]
fn formula_injection_is_defused_and_quotes_round_trip() {
    if !require_tool("curl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let app = App::start(&dir.path().join("expenses.csv"));
    let formula = "=HYPERLINK(\"http://evil.example\",\"click\")";
    let tricky = "Sam said \"hi\", then left";
    assert_eq!(app.post(&as_refs(&good(formula)), &[]).status, 303);
    assert_eq!(app.post(&as_refs(&good(tricky)), &[]).status, 303);
    let mut category = good("x");
    category[3].1 = String::from("+cmd|' /C calc'!A0");
    assert_eq!(app.post(&as_refs(&category), &[]).status, 303);

    let text = app.csv();
    assert!(
        text.contains("\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"click\"\")\""),
        "{text}"
    );
    assert!(text.contains("'+cmd|' /C calc'!A0"), "{text}");
    let raw: Vec<Vec<String>> = Records::new(text.as_bytes()).map(Result::unwrap).collect();
    assert_eq!(raw[1][4], format!("'{formula}"));
    assert_eq!(raw[2][4], tricky);
    let rows = WorkbookRows::parse(text.as_bytes());
    assert_eq!(rows.expenses[0].note, formula);
    assert_eq!(rows.expenses[1].note, tricky);
    assert_eq!(rows.expenses[2].category, "+cmd|' /C calc'!A0");

    let list = app.get("/expenses", &[]).body;
    assert!(
        list.contains("Sam said &quot;hi&quot;, then left"),
        "{list}"
    );
    assert!(
        list.contains("=HYPERLINK(&quot;http://evil.example&quot;"),
        "{list}"
    );
}

#[test]
fn partial_row_from_a_crash_is_removed() {
    if !require_tool("curl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let workbook = dir.path().join("expenses.csv");
    let app = App::start(&workbook);
    assert_eq!(app.post(&as_refs(&good("before")), &[]).status, 303);
    // A writer that died mid-row: no line end.
    let mut text = app.csv();
    text.push_str("2024-05-02,99.9,EUR,Garb");
    std::fs::write(&workbook, &text).unwrap();
    let list = app.get("/expenses", &[]).body;
    assert!(
        list.contains("1 line of the workbook could not be read"),
        "{list}"
    );

    assert_eq!(app.post(&as_refs(&good("after")), &[]).status, 303);
    let text = app.csv();
    assert!(text.ends_with("\r\n"));
    assert!(!text.contains("Garb"), "{text}");
    let rows = records(&text);
    assert_eq!(rows.len(), 3);
    assert_eq!(
        (rows[1][4].as_str(), rows[2][4].as_str()),
        ("before", "after")
    );
    let list = app.get("/expenses", &[]).body;
    assert!(
        !list.contains("Garb") && !list.contains("could not be read"),
        "{list}"
    );
}

#[test]
fn killed_during_a_burst_leaves_only_whole_rows() {
    if !require_tool("curl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let workbook = dir.path().join("expenses.csv");
    let mut app = App::start(&workbook);
    let url = app.url("/");
    let posts: Vec<_> = (0..50)
        .map(|i| {
            let url = url.clone();
            thread::spawn(move || {
                // Some land, some are cut off: curl's own failure is expected here.
                let note = format!("burst {i}");
                let mut cmd = Command::new("curl");
                cmd.args(["-s", "-o", "/dev/null", "-w", "%{http_code}"]);
                cmd.args(["--max-time", "20"]);
                for (n, v) in good(&note) {
                    cmd.args(["--data-urlencode", &format!("{n}={v}")]);
                }
                let answered = cmd.arg(&url).output().unwrap().stdout == b"303";
                (note, answered)
            })
        })
        .collect();
    // Kill once some rows are in (so that the kill falls inside the burst), or after a
    // bounded wait; what landed is whatever landed.
    for _ in 0..500 {
        if app.csv().lines().count() > 10 {
            break;
        }
        thread::sleep(Duration::from_millis(10));
    }
    app.child.kill().unwrap(); // SIGKILL
    app.child.wait().unwrap();
    let acknowledged: Vec<String> = posts
        .into_iter()
        .map(|post| post.join().unwrap())
        .filter_map(|(note, answered)| answered.then_some(note))
        .collect();
    drop(app);

    let app = App::start(&workbook);
    assert_eq!(
        app.post(&as_refs(&good("after the crash")), &[]).status,
        303
    );
    let text = app.csv();
    let rows = records(&text);
    eprintln!(
        "{} of 50 posts landed before the kill, {} were answered",
        rows.len() - 2,
        acknowledged.len()
    );
    assert_eq!(rows[0], HEADER);
    assert_eq!(rows.last().unwrap()[4], "after the crash");
    assert_eq!(text.lines().count(), rows.len());
    let read = WorkbookRows::parse(text.as_bytes());
    assert_eq!(read.skipped, 0);
    assert_eq!(read.expenses.len(), rows.len() - 1);
    // A row is on the disk before its answer: every 303 has its row.
    for note in &acknowledged {
        assert_eq!(rows.iter().filter(|r| &r[4] == note).count(), 1, "{note}");
    }
}

#[test]
fn python_csv_reads_the_same_rows() {
    if !require_tool("curl") || !require_tool("python3") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let app = App::start(&dir.path().join("expenses.csv"));
    for note in [
        "plain",
        "a, b",
        "say \"x\"",
        "=1+1",
        "@SUM(A1)",
        "ünïcødé €",
    ] {
        assert_eq!(app.post(&as_refs(&good(note)), &[]).status, 303);
    }
    let out = Command::new("python3")
        .args([
            "-c",
            "import csv, json, sys\n\
             with open(sys.argv[1], newline='', encoding='utf-8') as f:\n\
             \x20   print(json.dumps(list(csv.reader(f, strict=True))))",
        ])
        .arg(&app.workbook)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let python: Vec<Vec<String>> = serde_json::from_slice(&out.stdout).unwrap();
    let ours: Vec<Vec<String>> = Records::new(app.csv().as_bytes())
        .map(Result::unwrap)
        .collect();
    assert_eq!(python, ours);
    assert_eq!(python.len(), 7);
    let notes: Vec<&str> = python[1..].iter().map(|r| r[4].as_str()).collect();
    assert_eq!(
        notes,
        [
            "plain",
            "a, b",
            "say \"x\"",
            "'=1+1",
            "'@SUM(A1)",
            "ünïcødé €"
        ]
    );
}

#[test]
fn summary_totals_per_month_and_category() {
    if !require_tool("curl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let app = App::start(&dir.path().join("expenses.csv"));
    for (date, amount, category) in [
        ("2024-05-01", "12.50", "Food"),
        ("2024-05-20", "7.25", "Food"),
        ("2024-05-03", "3", "Transport"),
        ("2024-06-01", "0.10", "Food"),
        ("2024-06-30", "100", "Transport"),
        ("2024-06-30", "0.90", "Transport"),
    ] {
        let fields = [
            ("date", date),
            ("amount", amount),
            ("currency", "EUR"),
            ("category", category),
        ];
        assert_eq!(app.post(&fields, &[]).status, 303);
    }
    let reply = app.get("/summary", &["Accept: application/json"]);
    let json: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
    let totals: Vec<(String, String, String)> = json["totals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            assert_eq!(t["currency"], "EUR");
            (
                t["month"].as_str().unwrap().to_owned(),
                t["category"].as_str().unwrap().to_owned(),
                t["total"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let want = [
        ("2024-05", "Food", "19.75"),
        ("2024-05", "Transport", "3.00"),
        ("2024-06", "Food", "0.10"),
        ("2024-06", "Transport", "100.90"),
    ];
    let want: Vec<(String, String, String)> = want
        .iter()
        .map(|(m, c, t)| ((*m).into(), (*c).into(), (*t).into()))
        .collect();
    assert_eq!(totals, want);

    let page = app.get("/summary", &[]).body;
    assert!(page.contains("<td class=\"n\">19.75</td>"), "{page}");
    assert!(
        page.contains("<td class=\"n\">22.75</td>"),
        "May's total: {page}"
    );
    assert_eq!(page.matches("<svg").count(), 2, "one chart per month");
    assert!(!page.contains("<script"));
}

#[test]
fn oversized_workbook_gets_a_clear_page() {
    if !require_tool("curl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let workbook = dir.path().join("expenses.csv");
    let file = std::fs::File::create(&workbook).unwrap();
    file.set_len(certgate_examples::money::workbook::MAX_WORKBOOK_BYTES + 1)
        .unwrap();
    let app = App::start(&workbook);
    let reply = app.get("/expenses", &[]);
    assert_eq!(reply.status, 503);
    assert!(
        reply.body.contains("more than the 67108864 bytes"),
        "{}",
        reply.body
    );
    assert_eq!(app.get("/summary", &[]).status, 503);
    assert_eq!(app.get("/", &[]).status, 200, "the form still works");
}

#[test]
fn missing_workbook_directory_is_said_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(MONEY_APP)
        .args(["--listen", "127.0.0.1:0", "--workbook"])
        .arg(dir.path().join("no-such-dir/expenses.csv"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("does not exist"), "{stderr}");
    assert!(out.stdout.is_empty(), "no listening line");
}

#[test]
fn unix_socket_and_graceful_stop() {
    if !require_tool("curl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("money.sock");
    let socket_arg = socket.to_str().unwrap();
    let mut app = App::start_with(&dir.path().join("expenses.csv"), &["--unix", socket_arg]);
    let out = Command::new("curl")
        .args(["-sS", "--unix-socket", socket_arg, "http://money/expenses"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("No expenses yet"));

    let pid = app.child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let status = app.child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    assert!(
        !socket.exists(),
        "the socket file is removed on the way out"
    );
    let log = std::fs::read_to_string(&app.log).unwrap();
    assert!(
        log.contains("method=GET path=/expenses status=200"),
        "{log}"
    );
    assert!(log.contains("SIGTERM"), "{log}");
    assert!(log.contains("listening on a Unix socket too"), "{log}");
}

/// A session token for `email` on `money` from `keys`, issued by the gate at
/// `https://money.localhost`, issued at `at`.
fn assertion(keys: &std::sync::Arc<certgate_gate::SessionKeys>, email: &str, at: u64) -> String {
    use certgate_policy::{Identity, SessionDuration};
    certgate_gate::SessionIssuer::new(std::sync::Arc::clone(keys), "https://money.localhost")
        .issue(
            &Identity::new(email, "otp").unwrap(),
            "money",
            SessionDuration::For(Duration::from_secs(3600)),
            None,
            at,
        )
        .unwrap()
        .token
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[test]
fn a_verified_assertion_shows_the_email_and_a_forged_one_is_refused() {
    if !require_tool("curl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let keys = std::sync::Arc::new(certgate_gate::SessionKeys::builder().build().unwrap());
    let jwks = dir.path().join("jwks.json");
    std::fs::write(&jwks, keys.jwks()).unwrap();
    let app = App::start_with(
        &dir.path().join("expenses.csv"),
        &[
            "--access-jwks",
            jwks.to_str().unwrap(),
            "--access-audience",
            "money",
            "--access-issuer",
            "https://money.localhost",
        ],
    );
    let valid = assertion(&keys, "sam@example.com", unix_now());
    let page = app.get(
        "/",
        &[
            &format!("Cf-Access-Jwt-Assertion: {valid}"),
            "Cf-Access-Authenticated-User-Email: boss@example.com",
        ],
    );
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("sam@example.com"), "{}", page.body);
    assert!(!page.body.contains("boss@example.com"));
    // No assertion: 401; the email header alone is nothing.
    let page = app.get(
        "/",
        &["Cf-Access-Authenticated-User-Email: sam@example.com"],
    );
    assert_eq!(page.status, 401);
    // Forged (another key), tampered, stale: 403.
    let other = std::sync::Arc::new(certgate_gate::SessionKeys::builder().build().unwrap());
    let forged = assertion(&other, "sam@example.com", unix_now());
    let stale = assertion(&keys, "sam@example.com", unix_now() - 2 * 3600);
    let mut parts: Vec<&str> = valid.split('.').collect();
    let boss = assertion(&keys, "boss@example.com", unix_now());
    parts[1] = boss.split('.').nth(1).unwrap();
    let tampered = parts.join(".");
    for token in [forged, stale, tampered, "none.none.none".to_owned()] {
        let page = app.get("/", &[&format!("Cf-Access-Jwt-Assertion: {token}")]);
        assert_eq!(page.status, 403, "{token}: {}", page.body);
    }
    // A POST without one adds nothing.
    let reply = app.post(&as_refs(&good("lunch")), &[]);
    assert_eq!(reply.status, 401);
    assert!(!app.csv().contains("lunch"));
}

#[test]
fn without_access_checks_an_email_header_is_not_shown() {
    if !require_tool("curl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let app = App::start(&dir.path().join("expenses.csv"));
    let page = app.get(
        "/",
        &["Cf-Access-Authenticated-User-Email: boss@example.com"],
    );
    assert_eq!(page.status, 200);
    assert!(!page.body.contains("boss@example.com"));
}
