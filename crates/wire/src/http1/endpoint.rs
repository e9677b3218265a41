//! Where a [`super::Connection`] goes: `host:port`, over plain TCP or over
//! TLS (HTTPS). TLS is rustls with the *ring* provider (the one sqlx's
//! PostgreSQL TLS uses too, so one TLS stack is in the tree), the system's
//! trust store (`/etc/ssl/certs` through rustls-native-certs, so private
//! CAs installed on the machine are trusted as curl would trust them), and
//! ALPN `http/1.1`. `insecure` accepts any certificate, for self-signed
//! test servers, while still checking the handshake's signatures.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio_rustls::TlsConnector;

/// A server to connect to, parsed once per run.
#[derive(Clone)]
pub struct Endpoint {
    /// `host:port`, also sent as the `Host` header.
    authority: String,
    tls: Option<Tls>,
}

#[derive(Clone)]
pub(super) struct Tls {
    pub connector: TlsConnector,
    pub server_name: ServerName<'static>,
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        write!(f, "{scheme}://{}", self.authority)
    }
}

impl Endpoint {
    /// `http://host:port` (a bare `host:port` too) or `https://host[:port]`
    /// (443 unless given), with or without a path after it. `insecure`
    /// accepts any server certificate.
    pub fn parse(target: &str, insecure: bool) -> Result<Self, String> {
        let (https, rest) = match target.split_once("://") {
            Some(("https", rest)) => (true, rest),
            Some(("http", rest)) => (false, rest),
            Some((scheme, _)) => {
                return Err(format!(
                    "`{target}`: the scheme must be http or https, not {scheme}"
                ));
            }
            None => (false, target),
        };
        let authority = rest.split(['/', '?']).next().unwrap_or_default();
        let (host, port) = split_host_port(authority)
            .ok_or_else(|| format!("`{target}`: expected host:port after the scheme"))?;
        let port = match (port, https) {
            (Some(port), _) => port,
            (None, true) => 443,
            (None, false) => {
                return Err(format!(
                    "`{target}`: give the port, as in http://{host}:8080"
                ));
            }
        };
        let authority = if host.contains(':') {
            format!("[{host}]:{port}")
        } else {
            format!("{host}:{port}")
        };
        if !https {
            return Ok(Self {
                authority,
                tls: None,
            });
        }
        let server_name = ServerName::try_from(host.to_owned())
            .map_err(|_| format!("`{target}`: `{host}` is not a valid server name for TLS"))?;
        Ok(Self {
            authority,
            tls: Some(Tls {
                connector: TlsConnector::from(Arc::new(client_config(insecure)?)),
                server_name,
            }),
        })
    }

    pub fn authority(&self) -> &str {
        &self.authority
    }

    pub fn is_tls(&self) -> bool {
        self.tls.is_some()
    }

    pub(super) fn tls(&self) -> Option<&Tls> {
        self.tls.as_ref()
    }
}

/// `host` (brackets of an IPv6 literal removed) and the port if given.
fn split_host_port(authority: &str) -> Option<(&str, Option<u16>)> {
    if let Some(rest) = authority.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        return match after.strip_prefix(':') {
            Some(port) => Some((host, Some(port.parse().ok()?))),
            None if after.is_empty() => Some((host, None)),
            None => None,
        };
    }
    match authority.rsplit_once(':') {
        Some((host, port)) if !host.is_empty() && !host.contains(':') => {
            Some((host, Some(port.parse().ok()?)))
        }
        None if !authority.is_empty() => Some((authority, None)),
        _ => None,
    }
}

/// ring's provider, the one sqlx's PostgreSQL TLS builds on. rustls
/// 0.23.48 deprecates it since ring has no post-quantum key exchange;
/// aws-lc-rs has, but is a long C and CMake build and would put a
/// second provider in the tree beside sqlx's. Switch both together.
#[allow(deprecated)]
fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn client_config(insecure: bool) -> Result<ClientConfig, String> {
    let builder = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS set-up: {e}"))?;
    let mut config = if insecure {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AnyCertificate(
                provider().signature_verification_algorithms,
            )))
            .with_no_client_auth()
    } else {
        let mut roots = RootCertStore::empty();
        let found = rustls_native_certs::load_native_certs();
        let (added, _unparsable) = roots.add_parsable_certificates(found.certs);
        if added == 0 {
            return Err(format!(
                "no trusted root certificate found on this machine ({}); install \
                 ca-certificates, or pass --insecure for a test server",
                found.errors.first().map_or_else(
                    || "the system store is empty".to_owned(),
                    ToString::to_string
                )
            ));
        }
        builder.with_root_certificates(roots).with_no_client_auth()
    };
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// `--insecure`: any certificate for any name is accepted; the handshake's
/// signatures are still checked against the certificate it presented.
#[derive(Debug)]
struct AnyCertificate(WebPkiSupportedAlgorithms);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse_with_their_scheme_and_port() {
        for (target, authority, tls) in [
            ("http://127.0.0.1:8080", "127.0.0.1:8080", false),
            ("127.0.0.1:8080", "127.0.0.1:8080", false),
            (
                "http://shop.example:81/products?x=1",
                "shop.example:81",
                false,
            ),
            ("https://shop.example", "shop.example:443", true),
            ("https://shop.example:8443/", "shop.example:8443", true),
            ("https://[::1]:8443", "[::1]:8443", true),
            ("http://[::1]:80", "[::1]:80", false),
        ] {
            let endpoint = Endpoint::parse(target, true).unwrap();
            assert_eq!(endpoint.authority(), authority, "{target}");
            assert_eq!(endpoint.is_tls(), tls, "{target}");
        }
    }

    #[test]
    fn bad_targets_are_refused_with_the_reason() {
        for (target, why) in [
            ("ftp://x:1", "scheme must be http or https"),
            ("http://x", "give the port"),
            ("http://x:port", "host:port"),
            ("https://:443", "host:port"),
            ("http://[::1", "host:port"),
        ] {
            let error = Endpoint::parse(target, true).unwrap_err();
            assert!(error.contains(why), "{target}: {error}");
        }
    }
}
