//! `gen`: the CA, its config, and the device CSRs (made beforehand, not timed).

use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

use certgate_ca::cfssl::{CsrJson, SanEntry};
use certgate_ca::{
    CertificateRequest, FileMode, KeySigner, KeySpec, PrivateKey, RootCaBuilder, SubjectName,
    write_atomic,
};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::{BenchError, cores};

/// The walkthrough's CA request, with a P-256 key.
const CA_CSR: &str = r#"{"CN": "Sam Money App Devices", "key": {"algo": "ecdsa", "size": 256},
  "names": [{"C": "PT", "L": "Lisboa", "O": "Money App Test", "OU": "Sam Projects", "ST": "Lisboa"}]}"#;

/// The walkthrough's `ca-config.json` (its client profile is the one devices get).
pub(crate) const CA_CONFIG: &str = r#"{"signing": {"default": {"expiry": "8760h"},
  "profiles": {"client": {"usages": ["signing", "key encipherment", "client auth"], "expiry": "8760h"}}}}"#;

/// CSRs a generating thread makes before handing them to the writer.
const CHUNK: usize = 1_000;

/// A progress bar on stderr when it is a terminal.
pub(crate) fn progress(len: usize, what: &str) -> ProgressBar {
    if !std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(len as u64), ProgressDrawTarget::stderr());
    let template = format!("{{bar:40}} {{pos}}/{{len}} {what} ({{per_sec}}, {{eta}} left)");
    if let Ok(style) = ProgressStyle::with_template(&template) {
        bar.set_style(style);
    }
    bar
}

/// One device's request: its own P-256 key, `CN=device-N`, one DNS SAN.
fn device_csr(i: usize) -> Result<Vec<u8>, BenchError> {
    let key = PrivateKey::generate(KeySpec::EcdsaP256)?;
    let subject = SubjectName {
        organization: vec!["Money App Test".into()],
        common_name: format!("device-{i:07}"),
        ..SubjectName::default()
    };
    let hosts = [SanEntry::Dns(format!("device-{i:07}.devices.example"))];
    let csr = CertificateRequest::create(&KeySigner::new(key), &subject, &hosts)?;
    Ok(csr.der().to_vec())
}

/// Makes `CHUNK`-sized runs of CSRs on every core; the calling thread writes them.
pub(crate) fn generate(work: &Path, count: usize) -> Result<(), BenchError> {
    std::fs::create_dir_all(work).map_err(BenchError::io(work.display().to_string()))?;
    let csr = CsrJson::from_json(CA_CSR.as_bytes(), "ca-csr.json")?;
    let key = PrivateKey::generate(KeySpec::EcdsaP256)?;
    let key_pem = key.to_pkcs8_pem()?;
    let root = RootCaBuilder::new(&csr, Box::new(KeySigner::new(key))).build()?;
    write_atomic(
        work.join("ca.pem"),
        root.ca.certificate().to_pem().as_bytes(),
        FileMode::Public,
    )?;
    write_atomic(
        work.join("ca-key.pem"),
        key_pem.as_bytes(),
        FileMode::Private,
    )?;
    write_atomic(
        work.join("ca-config.json"),
        CA_CONFIG.as_bytes(),
        FileMode::Public,
    )?;

    let tmp = work.join("csrs.bin.tmp");
    let file = std::fs::File::create(&tmp).map_err(BenchError::io(tmp.display().to_string()))?;
    let mut out = BufWriter::new(file);
    let bar = progress(count, "CSRs made");
    let next = AtomicUsize::new(0);
    let (tx, rx) = mpsc::sync_channel::<Result<(usize, Vec<u8>), BenchError>>(4 * cores());
    std::thread::scope(|s| -> Result<(), BenchError> {
        for _ in 0..cores() {
            let (tx, next) = (tx.clone(), &next);
            s.spawn(move || {
                loop {
                    let start = next.fetch_add(CHUNK, Ordering::Relaxed);
                    if start >= count {
                        return;
                    }
                    let end = count.min(start + CHUNK);
                    let chunk =
                        (start..end).try_fold(Vec::with_capacity(CHUNK * 300), |mut buf, i| {
                            let der = device_csr(i)?;
                            let len = u32::try_from(der.len())
                                .map_err(|_| BenchError::Input("CSR over 4 GiB".into()))?;
                            buf.extend_from_slice(&len.to_be_bytes());
                            buf.extend_from_slice(&der);
                            Ok(buf)
                        });
                    let chunk = chunk.map(|buf| (end - start, buf));
                    if tx.send(chunk).is_err() {
                        return;
                    }
                }
            });
        }
        drop(tx);
        for chunk in rx {
            let (n, bytes) = chunk?;
            out.write_all(&bytes)
                .map_err(BenchError::io(tmp.display().to_string()))?;
            bar.inc(n as u64);
        }
        Ok(())
    })?;
    out.flush()
        .map_err(BenchError::io(tmp.display().to_string()))?;
    bar.finish_and_clear();
    let path = work.join("csrs.bin");
    std::fs::rename(&tmp, &path).map_err(BenchError::io(path.display().to_string()))?;
    eprintln!("{count} CSRs in {}", path.display());
    Ok(())
}
