//! A connection's socket: plain TCP, or TLS over TCP for an HTTPS
//! [`super::Endpoint`]. The connection above it reads and writes the same
//! way on both.

use bytes::BytesMut;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

/// The socket, plain or wrapped in TLS.
pub(super) enum Stream {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

impl Stream {
    pub(super) async fn write_all(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        match self {
            Stream::Plain(s) => s.write_all(bytes).await,
            Stream::Tls(s) => {
                s.write_all(bytes).await?;
                // rustls holds the records until flushed.
                s.flush().await
            }
        }
    }

    pub(super) async fn read_buf(&mut self, buf: &mut BytesMut) -> std::io::Result<usize> {
        match self {
            Stream::Plain(s) => s.read_buf(buf).await,
            Stream::Tls(s) => s.read_buf(buf).await,
        }
    }

    /// Whether the peer closed (or wrote out of turn) while idle; no system
    /// call unless the socket became readable.
    pub(super) fn is_closed(&self) -> bool {
        match self {
            Stream::Plain(s) => {
                let mut probe = [0u8; 1];
                match s.try_read(&mut probe) {
                    // Nothing to read: the connection is idle and open.
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => false,
                    // End of stream, an error, or bytes nobody asked for.
                    _ => true,
                }
            }
            Stream::Tls(s) => {
                // Reading would consume TLS records, so peek at the socket
                // under the TLS layer. Bytes there may be a session ticket
                // (TLS 1.3 servers send them after the handshake), so only
                // the end of the stream or an error counts as closed.
                let tcp = s.get_ref().0;
                let mut probe = [0u8; 1];
                let mut buf = tokio::io::ReadBuf::new(&mut probe);
                let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
                match tcp.poll_peek(&mut cx, &mut buf) {
                    std::task::Poll::Pending => false,
                    std::task::Poll::Ready(Ok(n)) => n == 0,
                    std::task::Poll::Ready(Err(_)) => true,
                }
            }
        }
    }
}
