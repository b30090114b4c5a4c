//! The gate's keep-alive pool of HTTP/1.1 connections to one origin. A host has one
//! origin, so there is no key to hash: idle connections wait in a queue, taken and given
//! back under one short lock; each connection is driven by a task of its own. A
//! connection goes back as soon as its response head arrived, and is taken again only
//! once hyper says it is ready (its last response read to the end), so a response still
//! streaming never holds up another request.

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use hyper::body::Incoming;
use hyper::client::conn::http1::SendRequest;

/// The most connections a pool keeps between requests: as many as the gate kept per
/// origin before (hyper-util's `pool_max_idle_per_host`); more are closed when they come
/// back.
pub(crate) const MAX_POOLED: usize = 256;

/// How long a connection may wait unused in the pool before it is closed.
pub(crate) const IDLE_TIMEOUT: Duration = Duration::from_secs(90);

/// A connection and when it came back.
type Pooled<B> = (SendRequest<B>, Instant);

/// Connections to one origin between requests, the most recently used last; requests
/// with bodies of type `B`.
#[derive(Debug)]
pub(crate) struct OriginPool<B = Incoming> {
    idle: Mutex<VecDeque<Pooled<B>>>,
}

impl<B> Default for OriginPool<B> {
    fn default() -> Self {
        Self {
            idle: Mutex::default(),
        }
    }
}

impl<B> OriginPool<B> {
    fn lock(&self) -> MutexGuard<'_, VecDeque<Pooled<B>>> {
        self.idle.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The most recently used connection that is ready for a request. Closed ones and
    /// ones unused for [`IDLE_TIMEOUT`] are dropped on the way; busy ones (a response
    /// still being read) stay.
    pub(crate) fn take(&self, now: Instant) -> Option<SendRequest<B>> {
        let mut idle = self.lock();
        while idle.front().is_some_and(|(s, at)| {
            s.is_closed() || now.saturating_duration_since(*at) > IDLE_TIMEOUT
        }) {
            idle.pop_front();
        }
        let mut busy = Vec::new();
        let mut found = None;
        while let Some((sender, at)) = idle.pop_back() {
            if sender.is_ready() {
                found = Some(sender);
                break;
            }
            if !sender.is_closed() {
                busy.push((sender, at));
            }
        }
        // Busy ones go back where they were, in their order.
        idle.extend(busy.into_iter().rev());
        found
    }

    /// Gives back a connection whose response head arrived (its body may still stream).
    pub(crate) fn give_back(&self, sender: SendRequest<B>, now: Instant) {
        if sender.is_closed() {
            return;
        }
        let mut idle = self.lock();
        if idle.len() >= MAX_POOLED {
            idle.pop_front();
        }
        idle.push_back((sender, now));
    }

    /// How many connections wait in the pool (tests).
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.lock().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A connection to a listener that answers each request with `okok` (keep-alive).
    type Body = http_body_util::Empty<bytes::Bytes>;

    async fn connect(addr: std::net::SocketAddr) -> SendRequest<Body> {
        let io = hyper_util::rt::TokioIo::new(tokio::net::TcpStream::connect(addr).await.unwrap());
        let (sender, conn) = hyper::client::conn::http1::handshake(io).await.unwrap();
        tokio::spawn(conn);
        sender
    }

    async fn serve(listener: tokio::net::TcpListener) {
        loop {
            let (mut tcp, _) = listener.accept().await.unwrap();
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                while let Ok(n) = tcp.read(&mut buf).await {
                    if n == 0 {
                        break;
                    }
                    // Half the body, a pause, the other half: a response that
                    // streams for a while.
                    let head = b"HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\nok";
                    if tcp.write_all(head).await.is_err() {
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(300)).await;
                    if tcp.write_all(b"ok").await.is_err() {
                        break;
                    }
                }
            });
        }
    }

    #[tokio::test]
    async fn a_connection_is_taken_again_once_ready_and_busy_or_closed_ones_are_not() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(serve(listener));
        let pool = OriginPool::<Body>::default();
        let now = Instant::now();
        assert!(pool.take(now).is_none());
        let mut sender = connect(addr).await;
        sender.ready().await.unwrap();
        pool.give_back(sender, now);
        let mut sender = pool.take(now).expect("the idle connection");
        assert_eq!(pool.len(), 0);
        // Given back while its response still streams: busy, so not taken, but kept.
        let response = sender
            .send_request(http::Request::new(Body::new()))
            .await
            .unwrap();
        pool.give_back(sender, now);
        assert!(pool.take(now).is_none());
        assert_eq!(pool.len(), 1);
        // Read to the end: ready again (once hyper's connection task saw the end).
        response.into_body().collect().await.unwrap();
        let mut taken = None;
        for _ in 0..100 {
            taken = pool.take(now);
            if taken.is_some() {
                break;
            }
            tokio::task::yield_now().await;
        }
        let sender = taken.expect("ready once its response was read");
        // Unused for longer than the idle timeout: dropped, not taken.
        pool.give_back(sender, now);
        assert!(
            pool.take(now + IDLE_TIMEOUT + Duration::from_secs(1))
                .is_none()
        );
        assert_eq!(pool.len(), 0);
    }

    #[tokio::test]
    async fn the_pool_keeps_at_most_max_pooled() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(serve(listener));
        let pool = OriginPool::<Body>::default();
        let now = Instant::now();
        for _ in 0..MAX_POOLED + 3 {
            pool.give_back(connect(addr).await, now);
        }
        assert_eq!(pool.len(), MAX_POOLED);
    }
}
