//! A stream that remembers when it last moved bytes, for the idle timeout.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Wraps a stream; every read or write that moves bytes marks it active.
#[derive(Debug)]
pub(crate) struct Activity<T> {
    inner: T,
    clock: Arc<LastActive>,
}

/// When a stream last moved bytes: milliseconds since it was opened.
#[derive(Debug)]
pub(crate) struct LastActive {
    opened: Instant,
    millis: AtomicU64,
}

impl LastActive {
    fn touch(&self) {
        let ms = u64::try_from(self.opened.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.millis.store(ms, Ordering::Relaxed);
    }

    /// Resolves once no bytes have moved for `limit`.
    pub(crate) async fn idle(&self, limit: Duration) {
        loop {
            let last = Duration::from_millis(self.millis.load(Ordering::Relaxed));
            let since = self.opened.elapsed().saturating_sub(last);
            if since >= limit {
                return;
            }
            tokio::time::sleep(limit - since).await;
        }
    }
}

impl<T> Activity<T> {
    pub(crate) fn new(inner: T) -> (Self, Arc<LastActive>) {
        let clock = Arc::new(LastActive {
            opened: Instant::now(),
            millis: AtomicU64::new(0),
        });
        (
            Self {
                inner,
                clock: Arc::clone(&clock),
            },
            clock,
        )
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Activity<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let result = Pin::new(&mut this.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            this.clock.touch();
        }
        result
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Activity<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let result = Pin::new(&mut this.inner).poll_write(cx, buf);
        if matches!(result, Poll::Ready(Ok(n)) if n > 0) {
            this.clock.touch();
        }
        result
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}
