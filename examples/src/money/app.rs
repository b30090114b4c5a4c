//! The HTTP side: [`router`] and its handlers.
//!
//! - `GET /`: the form, and who is signed in.
//! - `POST /` (or `/expenses`): a URL-encoded form; the row is on the disk before the
//!   answer: `303 See Other` to `/expenses`, or `201 Created` with the row as JSON when
//!   the request accepts `application/json`. A refused field: `400` naming it.
//! - `GET /expenses`, `GET /summary`: the rows and the totals (JSON on request too).
//!
//! Every answer carries a strict `Content-Security-Policy` and `Cache-Control: no-store`;
//! each request is logged in one structured line (no bodies: notes are private).

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::error::{MoneyError, WorkbookAction};
use super::form::{Expense, ExpenseForm, format_cents, format_date};
use super::identity::Identity;
use super::pages;
use super::summary;
use super::workbook::{Workbook, WorkbookRows};

/// The largest form body read: five short fields fit in well under 1 KiB even fully
/// percent-encoded (a 200-character note of 4-byte characters is 2.4 KiB); 16 KiB
/// leaves room and still stops a client from making the app buffer much.
pub const MAX_FORM_BYTES: usize = 16 * 1024;

/// Categories offered as suggestions on the form: enough for any household's list.
const MAX_SUGGESTED_CATEGORIES: usize = 100;

/// The longest request path written to the log, so that one log line stays one line.
const MAX_LOGGED_PATH_CHARS: usize = 200;

/// What the handlers share.
#[derive(Clone, Debug)]
pub struct AppState {
    workbook: Arc<Workbook>,
    /// One append at a time inside the process; `flock` keeps other processes out.
    writers: Arc<tokio::sync::Mutex<()>>,
    default_currency: Arc<str>,
    /// When set, every request must carry the gate's verified assertion.
    access: Option<Arc<super::access::AccessCheck>>,
}

impl AppState {
    /// State over `workbook`; the form suggests `EUR` until [`Self::with_default_currency`].
    pub fn new(workbook: Workbook) -> Self {
        Self {
            workbook: Arc::new(workbook),
            writers: Arc::new(tokio::sync::Mutex::new(())),
            default_currency: Arc::from("EUR"),
            access: None,
        }
    }

    /// Requires the gate's `Cf-Access-Jwt-Assertion` on every request, verified with
    /// `check` (401 without one, 403 for one that does not verify); the signed-in email
    /// shown is the token's.
    pub fn with_access(mut self, check: super::access::AccessCheck) -> Self {
        self.access = Some(Arc::new(check));
        self
    }

    /// The currency the form starts with (the form's user can change it per expense).
    pub fn with_default_currency(mut self, code: &str) -> Self {
        self.default_currency = Arc::from(code);
        self
    }
}

/// The app as an axum router (a TLS server with certgate's gate layer can wrap it).
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(show_form).post(add_expense))
        .route("/expenses", get(list_expenses).post(add_expense))
        .route("/summary", get(show_summary))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_FORM_BYTES))
        .layer(middleware::from_fn_with_state(
            state.access.clone(),
            super::access::require_assertion,
        ))
        .layer(middleware::from_fn(log_and_harden))
        .with_state(state)
}

/// Logs the request in one line and adds the security headers to every answer.
async fn log_and_harden(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path: String = request
        .uri()
        .path()
        .chars()
        .take(MAX_LOGGED_PATH_CHARS)
        .collect();
    let started = Instant::now();
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; \
             frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    tracing::info!(
        method = %method,
        path = %path,
        status = response.status().as_u16(),
        micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
        "request"
    );
    response
}

/// Whether the client asked for JSON.
fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .any(|v| String::from_utf8_lossy(v.as_bytes()).contains("application/json"))
}

fn status_of(error: &MoneyError) -> StatusCode {
    match error {
        MoneyError::Field { .. } => StatusCode::BAD_REQUEST,
        MoneyError::NotAForm => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        MoneyError::BodyTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
        MoneyError::CrossSite { .. } => StatusCode::FORBIDDEN,
        // The app is up, but will not read this workbook: a page that says so.
        MoneyError::WorkbookTooLarge { .. } => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// The answer to a refused or failed request: JSON `{field, error}` when asked for, else
/// a page (the form again, filled in, for a refused field).
fn refusal(error: &MoneyError, headers: &HeaderMap, form: Option<&ExpenseForm>) -> Response {
    let status = status_of(error);
    if status.is_server_error() {
        tracing::error!(error = %error, "request failed");
    }
    if wants_json(headers) {
        let mut body = json!({ "error": error.to_string() });
        if let MoneyError::Field { field, problem } = error {
            body["field"] = json!(field.name());
            body["problem"] = json!(problem.to_string());
        }
        return (status, axum::Json(body)).into_response();
    }
    let identity = Identity::from_headers(headers);
    let page = match (error, form) {
        (MoneyError::Field { .. }, Some(form)) => {
            pages::form_page(&identity, form, Some(error), &[])
        }
        _ => pages::message_page(
            &identity,
            status.canonical_reason().unwrap_or("Error"),
            &error.to_string(),
        ),
    };
    (status, Html(page)).into_response()
}

async fn show_form(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let identity = Identity::from_headers(&headers);
    let form = ExpenseForm {
        date: format_date(OffsetDateTime::now_utc().date()),
        currency: state.default_currency.to_string(),
        ..ExpenseForm::default()
    };
    // Suggestions only: a workbook that cannot be read still gets a form.
    let categories = match read_rows(&state).await {
        Ok(rows) => {
            let mut names: Vec<String> = rows.expenses.into_iter().map(|e| e.category).collect();
            names.sort();
            names.dedup();
            names.truncate(MAX_SUGGESTED_CATEGORIES);
            names
        }
        Err(_) => Vec::new(),
    };
    Html(pages::form_page(&identity, &form, None, &categories)).into_response()
}

async fn read_rows(state: &AppState) -> Result<WorkbookRows, MoneyError> {
    let workbook = Arc::clone(&state.workbook);
    tokio::task::spawn_blocking(move || workbook.read())
        .await
        .map_err(|e| joined(&state.workbook, WorkbookAction::Read, e))?
}

fn joined(workbook: &Workbook, action: WorkbookAction, e: tokio::task::JoinError) -> MoneyError {
    MoneyError::Workbook {
        action,
        path: workbook.path().to_owned(),
        source: std::io::Error::other(e),
    }
}

/// Checks the request, the form and its fields; `Err` carries the form for the page.
fn accept_form(
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Expense, (MoneyError, Option<Box<ExpenseForm>>)> {
    if let Some(site) = headers.get("sec-fetch-site") {
        // A browser says where the form came from: only this site's own pages (or the
        // user typing the address) may add expenses, not a page elsewhere that posts to
        // the app while the phone's certificate opens the door.
        let site = String::from_utf8_lossy(site.as_bytes()).into_owned();
        if site != "same-origin" && site != "none" {
            return Err((MoneyError::CrossSite { site }, None));
        }
    }
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| {
            v.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        });
    let body = body.map_err(|rejection| {
        let error = if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            MoneyError::BodyTooLarge {
                limit: MAX_FORM_BYTES,
            }
        } else {
            MoneyError::NotAForm
        };
        (error, None)
    })?;
    if !is_form {
        return Err((MoneyError::NotAForm, None));
    }
    let (form, present) =
        ExpenseForm::from_pairs(form_urlencoded::parse(&body)).map_err(|e| (e, None))?;
    let device = Identity::from_headers(headers)
        .fingerprint
        .unwrap_or_default();
    match form.to_expense(&present, OffsetDateTime::now_utc(), &device) {
        Ok(expense) => Ok(expense),
        Err(e) => Err((e, Some(Box::new(form)))),
    }
}

async fn add_expense(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let expense = match accept_form(&headers, body) {
        Ok(expense) => expense,
        Err((error, form)) => return refusal(&error, &headers, form.as_deref()),
    };
    let appended = {
        let _one_writer = state.writers.lock().await;
        let workbook = Arc::clone(&state.workbook);
        let row = expense.clone();
        tokio::task::spawn_blocking(move || workbook.append(&row))
            .await
            .map_err(|e| joined(&state.workbook, WorkbookAction::Write, e))
            .and_then(|result| result)
    };
    if let Err(error) = appended {
        return refusal(&error, &headers, None);
    }
    if wants_json(&headers) {
        let location = [(header::LOCATION, "/expenses")];
        return (
            StatusCode::CREATED,
            location,
            axum::Json(expense_json(&expense)),
        )
            .into_response();
    }
    (StatusCode::SEE_OTHER, [(header::LOCATION, "/expenses")]).into_response()
}

fn expense_json(e: &Expense) -> Value {
    json!({
        "date": format_date(e.date),
        "amount": e.amount.to_string(),
        "currency": e.currency,
        "category": e.category,
        "note": e.note,
        "recorded_at": e.recorded_at.format(&Rfc3339).unwrap_or_default(),
        "device": e.device,
    })
}

async fn list_expenses(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let rows = match read_rows(&state).await {
        Ok(rows) => rows,
        Err(error) => return refusal(&error, &headers, None),
    };
    if wants_json(&headers) {
        let expenses: Vec<Value> = rows.expenses.iter().map(expense_json).collect();
        return axum::Json(json!({ "expenses": expenses, "skipped": rows.skipped }))
            .into_response();
    }
    Html(pages::expenses_page(
        &Identity::from_headers(&headers),
        &rows,
    ))
    .into_response()
}

async fn show_summary(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let rows = match read_rows(&state).await {
        Ok(rows) => rows,
        Err(error) => return refusal(&error, &headers, None),
    };
    if wants_json(&headers) {
        let totals: Vec<Value> = summary::totals(&rows.expenses)
            .iter()
            .map(|t| {
                json!({
                    "month": t.month,
                    "currency": t.currency,
                    "category": t.category,
                    "total": format_cents(t.cents),
                    "cents": t.cents.to_string(),
                    "rows": t.rows,
                })
            })
            .collect();
        return axum::Json(json!({ "totals": totals, "skipped": rows.skipped })).into_response();
    }
    Html(pages::summary_page(
        &Identity::from_headers(&headers),
        &rows,
    ))
    .into_response()
}

async fn not_found(headers: HeaderMap) -> Response {
    let page = pages::message_page(
        &Identity::from_headers(&headers),
        "Not Found",
        "There is no such page here: the form is at /, the rows at /expenses, the totals at /summary.",
    );
    (StatusCode::NOT_FOUND, Html(page)).into_response()
}

async fn method_not_allowed(headers: HeaderMap) -> Response {
    let page = pages::message_page(
        &Identity::from_headers(&headers),
        "Method Not Allowed",
        "This page is read with GET; expenses are added with POST to /.",
    );
    (StatusCode::METHOD_NOT_ALLOWED, Html(page)).into_response()
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use axum::body::Body;
    use certgate_ca::cfssl::CsrJson;
    use certgate_ca::{KeySigner, KeySpec, PrivateKey, RootCaBuilder};
    use certgate_x509::Sha256Fingerprint;
    use tower::ServiceExt as _;

    use super::*;
    use crate::money::identity::CLIENT_CERT_HEADER;

    fn app(dir: &Path) -> Router {
        router(AppState::new(Workbook::new(dir.join("e.csv"))).with_default_currency("USD"))
    }

    async fn text(response: Response) -> String {
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    /// A certificate for "Sam's <iPhone>" (fixed serial and clock), as RFC 9440 sends it.
    fn client_cert() -> (Vec<u8>, String) {
        let csr = CsrJson::from_json(br#"{"CN": "Sam's <iPhone>"}"#, "test").unwrap();
        let key = PrivateKey::generate(KeySpec::EcdsaP256).unwrap();
        let made = RootCaBuilder::new(&csr, Box::new(KeySigner::new(key)))
            .with_now(time::macros::datetime!(2024-01-01 00:00:00 UTC))
            .with_serial(&[0x01, 0x02])
            .build()
            .unwrap();
        let der = made.certificate.der().to_vec();
        let pem = certgate_x509::pem::encode("CERTIFICATE", &der);
        let b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        (der, format!(":{b64}:"))
    }

    #[tokio::test]
    async fn identity_from_the_forwarded_certificate() {
        let dir = tempfile::tempdir().unwrap();
        let (der, header) = client_cert();
        let request = Request::get("/")
            .header(CLIENT_CERT_HEADER, header)
            .body(Body::empty())
            .unwrap();
        let response = app(dir.path()).oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
        let page = text(response).await;
        assert!(
            page.contains("Signed in as <strong>Sam&#39;s &lt;iPhone&gt;</strong>"),
            "{page}"
        );
        let fingerprint = Sha256Fingerprint::of(&der).to_hex();
        assert!(page.contains(&fingerprint[..16]), "{page}");
        assert!(page.contains("value=\"USD\""), "{page}");
    }

    #[tokio::test]
    async fn the_row_names_the_device_that_sent_it() {
        let dir = tempfile::tempdir().unwrap();
        let (der, header) = client_cert();
        let request = Request::post("/")
            .header(CLIENT_CERT_HEADER, header)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(
                "date=2024-05-01&amount=3&currency=usd&category=Bus",
            ))
            .unwrap();
        let response = app(dir.path()).oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let rows = Workbook::new(dir.path().join("e.csv")).read().unwrap();
        let [row] = rows.expenses.as_slice() else {
            panic!("{rows:?}");
        };
        assert_eq!(row.device, Sha256Fingerprint::of(&der).to_hex());
        assert_eq!((row.currency.as_str(), row.note.as_str()), ("USD", ""));
    }
}
