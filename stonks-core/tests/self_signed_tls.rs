//! `HttpClientBuilder::accept_invalid_certs_for`: a self-signed certificate
//! is refused by default, accepted from the one origin the user named, and
//! still refused from any other origin.
//!
//! The server is a few lines of tokio-rustls on loopback with the
//! certificate in `tests/fixtures/tls/` (self-signed for `localhost` and
//! `127.0.0.1`, valid until 2126).

use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use stonks_core::ErrorKind;
use stonks_core::http::{HttpClient, Request, RetryPolicy};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const CERT: &[u8] = include_bytes!("fixtures/tls/cert.pem");
const KEY: &[u8] = include_bytes!("fixtures/tls/key.pem");

/// An HTTPS server on loopback that answers every request `200 ok`; its
/// origin (`https://127.0.0.1:PORT`).
async fn self_signed_server() -> String {
    let cert = CertificateDer::from_pem_slice(CERT).unwrap();
    let key = PrivateKeyDer::from_pem_slice(KEY).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![cert], key)
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                // A client that refuses the certificate ends the handshake.
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let mut request = Vec::new();
                let mut chunk = [0u8; 1024];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&chunk[..n]),
                    }
                }
                let answer = "HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok";
                let _ = tls.write_all(answer.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    format!("https://127.0.0.1:{port}")
}

fn client(base: &str, lenient_for: Option<&str>) -> HttpClient {
    let mut b = HttpClient::builder("gateway-test")
        .base_url(base)
        .unwrap()
        .retry(RetryPolicy::none());
    if let Some(origin) = lenient_for {
        b = b.accept_invalid_certs_for(&url::Url::parse(origin).unwrap());
    }
    b.build().unwrap()
}

#[tokio::test]
async fn a_self_signed_certificate_is_refused_unless_accepted_for_its_origin() {
    let base = self_signed_server().await;

    let err = client(&base, None)
        .send(Request::get("/v1/api/tickle"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &ErrorKind::Temporary);
    assert!(err.to_string().contains("certificate"), "{err}");

    let answer = client(&base, Some(&format!("{base}/v1/api")))
        .send(Request::get("/v1/api/tickle"))
        .await
        .unwrap();
    assert_eq!((answer.status(), answer.body()), (200, &b"ok"[..]));

    // Accepted for another origin (another port of the same host): the
    // server's certificate is still checked, and refused.
    let err = client(&base, Some("https://127.0.0.1:9/"))
        .send(Request::get("/v1/api/tickle"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("certificate"), "{err}");
}
