//! `demo`: the seed walkthrough end to end on localhost, in one command.
//!
//! In a fresh temporary directory it makes the root CA from the seed's JSON, the
//! iPhone's certificate, a second device, modern and legacy `.p12` bundles and a CRL
//! revoking the second device; starts money-app behind the gate on 127.0.0.1; then acts
//! as the clients and prints what happened at each step. Exit 0 only if every step
//! behaved as expected. `--keep` leaves both servers running for a real browser.
//!
//! ```text
//! demo [--keep] [--fast] [--dir DIR]
//! ```

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use certgate_examples::demo::{Client, Steps};
use certgate_examples::lab::{HOST, Keys, Lab, P12_PASSWORD};
use certgate_gate::Gate;

struct Options {
    keep: bool,
    keys: Keys,
    dir: Option<PathBuf>,
}

fn options() -> Result<Options, String> {
    let mut o = Options {
        keep: false,
        keys: Keys::Seed,
        dir: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--keep" => o.keep = true,
            "--fast" => o.keys = Keys::Fast,
            "--dir" => o.dir = Some(args.next().ok_or("--dir needs a directory")?.into()),
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(o)
}

fn main() -> ExitCode {
    let options = match options() {
        Ok(o) => o,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("demo: {e}");
            }
            eprintln!("usage: demo [--keep] [--fast] [--dir DIR]");
            return ExitCode::from(2);
        }
    };
    let Ok(rt) = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    else {
        eprintln!("demo: cannot start the async runtime");
        return ExitCode::FAILURE;
    };
    match rt.block_on(run(options)) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("demo: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The money-app process; killed when dropped.
struct MoneyApp(Child);

impl Drop for MoneyApp {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_money_app(dir: &Path) -> Result<(MoneyApp, String), String> {
    use std::io::{BufRead, BufReader};
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let bin = exe.with_file_name("money-app");
    let mut child = Command::new(&bin)
        .args(["--listen", "127.0.0.1:0", "--workbook"])
        .arg(dir.join("expenses.csv"))
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(dir.join("money-app.log")).map_err(|e| e.to_string())?)
        .spawn()
        .map_err(|e| {
            format!(
                "cannot start {} ({e}): build it with `cargo build -p certgate-examples`",
                bin.display()
            )
        })?;
    let stdout = child.stdout.take().ok_or("money-app has no stdout")?;
    let app = MoneyApp(child);
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .map_err(|e| e.to_string())?;
    let url = line
        .trim()
        .strip_prefix("money-app listening on ")
        .ok_or_else(|| format!("money-app said {line:?}"))?
        .to_owned();
    Ok((app, url))
}

async fn run(options: Options) -> Result<bool, String> {
    let started = Instant::now();
    let dir = match &options.dir {
        Some(d) => {
            std::fs::create_dir_all(d).map_err(|e| format!("{}: {e}", d.display()))?;
            d.clone()
        }
        None => tempfile_dir()?,
    };
    println!(
        "certgate demo: the seed walkthrough on localhost, in {}\n",
        dir.display()
    );
    let mut steps = Steps::default();
    let lab = Lab::create(&dir, options.keys, None).map_err(|e| e.to_string())?;
    steps.done("root CA from the seed's ca-csr.json", &lab.ca_pem);
    let iphone = lab
        .device("iphone", "Sam's iPhone", &[0x01, 0x10])
        .map_err(|e| e.to_string())?;
    steps.done(
        "the iPhone's client certificate and key (0600)",
        &iphone.cert,
    );
    steps.done(
        "iphone.p12, modern profile (AES-256, PBKDF2-SHA256)",
        &iphone.p12,
    );
    steps.done(
        "iphone-legacy.p12, legacy profile (3DES, SHA-1 MAC)",
        &iphone.p12_legacy,
    );
    let android = lab
        .device("old-android", "Sam's old Android", &[0x01, 0x20])
        .map_err(|e| e.to_string())?;
    steps.done("a second device's certificate", &android.cert);
    let browser = lab
        .device("browser", "Your browser", &[0x01, 0x30])
        .map_err(|e| e.to_string())?;
    let other = Lab::create(&dir.join("elsewhere"), Keys::Fast, Some("Some Other CA"))
        .map_err(|e| e.to_string())?;
    let stranger = other
        .device("stranger", "stranger", &[0x01])
        .map_err(|e| e.to_string())?;
    let crl = lab.write_crl(&[&android]).map_err(|e| e.to_string())?;
    steps.done("crl.pem revoking the second device", &crl);

    let (_money, money_url) = start_money_app(&dir)?;
    let config = lab
        .write_gate_config(&money_url, "127.0.0.1:0", "report", "")
        .map_err(|e| e.to_string())?;
    init_log(&dir)?;
    let gate = Gate::load(&config).map_err(|e| e.to_string())?;
    let bound = gate.bind().await.map_err(|e| e.to_string())?;
    let addr = *bound
        .addresses()
        .first()
        .ok_or("the gate listens nowhere")?;
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(gate.clone().serve(bound, async move {
        let _ = stop_rx.await;
    }));
    let url = format!("https://{HOST}:{}/", addr.port());
    steps.done(
        &format!("money-app at {money_url}, behind the gate at {url}"),
        &config,
    );

    let ca = std::fs::read(&lab.ca_pem).map_err(|e| e.to_string())?;
    let client = |device: Option<&certgate_examples::lab::Device>| Client::new(addr, &ca, device);

    let mut ok = true;
    ok &= steps.check(
        "no certificate",
        client(None)?.get("/").await,
        403,
        "no-certificate",
    );
    let mut phone = client(Some(&iphone))?;
    ok &= steps.check("the iPhone opens the form", phone.get("/").await, 200, "");
    let row = "date=2026-11-30&amount=12.50&currency=EUR&category=groceries&note=market";
    ok &= steps.check(
        "the iPhone adds an expense",
        phone.post("/", row).await,
        303,
        "",
    );
    ok &= steps.check(
        "the row is listed",
        phone.get("/expenses").await,
        200,
        "market",
    );
    ok &= steps.check(
        "the revoked device",
        client(Some(&android))?.get("/").await,
        403,
        "revoked",
    );
    ok &= steps.check(
        "a certificate from another CA",
        client(Some(&stranger))?.get("/").await,
        403,
        "unknown-ca",
    );
    // Revoke the iPhone while its connection is open.
    let host = gate.runtime().hosts().first().cloned().ok_or("no host")?;
    let before = host.store.as_ref().map_or(0, |s| s.generation());
    lab.write_crl(&[&android, &iphone])
        .map_err(|e| e.to_string())?;
    let deadline = Instant::now() + Duration::from_secs(10);
    while host.store.as_ref().map_or(0, |s| s.generation()) == before && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    steps.done("crl.pem replaced: the iPhone revoked, live", &crl);
    ok &= steps.check(
        "the iPhone, same connection, next request",
        phone.get("/").await,
        403,
        "revoked",
    );
    steps.print();
    println!(
        "\nfiles: {}\ngate log: {}",
        dir.display(),
        dir.join("gate.log").display()
    );
    println!(
        "{} in {:.1} s",
        if ok {
            "every step as expected"
        } else {
            "SOME STEPS FAILED"
        },
        started.elapsed().as_secs_f64()
    );
    if options.keep {
        keep(&url, &browser.p12, &lab).await;
    }
    let _ = stop_tx.send(());
    let _ = serving.await;
    Ok(ok)
}

async fn keep(url: &str, p12: &Path, lab: &Lab) {
    println!("\n--keep: both servers stay up until Ctrl-C.");
    println!("  open        {url}  (money.localhost resolves to 127.0.0.1)");
    println!("  import      {}  password {P12_PASSWORD}", p12.display());
    println!("  trust       {} as the server's CA", lab.ca_pem.display());
    let _ = tokio::signal::ctrl_c().await;
}

fn tempfile_dir() -> Result<PathBuf, String> {
    let dir = std::env::temp_dir().join(format!("certgate-demo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    Ok(dir)
}

fn init_log(dir: &Path) -> Result<(), String> {
    let file = std::fs::File::create(dir.join("gate.log")).map_err(|e| e.to_string())?;
    tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_writer(Arc::new(file))
        .with_env_filter(tracing_subscriber::EnvFilter::new("info"))
        .init();
    Ok(())
}
