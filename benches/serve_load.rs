//! A bounded load generator for `interdict serve` on loopback: CLIENTS
//! threads, each on one keep-alive connection, send REQUESTS requests each
//! (a body read from a file) and time every answer.
//!
//! `cargo bench --bench serve_load -- ADDR PATH BODY_FILE CONTENT_TYPE CLIENTS REQUESTS`
//! e.g. `cargo bench --bench serve_load -- 127.0.0.1:8080 /v1/check one.json application/json 4 5000`.
//! Prints requests/s and latency percentiles. Refuses an address that is not loopback.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// At most this many requests in one run.
const MAX_TOTAL: usize = 1_000_000;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    let [addr, path, body_file, content_type, clients, requests] = args.as_slice() else {
        eprintln!("usage: serve_load ADDR PATH BODY_FILE CONTENT_TYPE CLIENTS REQUESTS");
        return;
    };
    let addr: SocketAddr = addr.parse().expect("an address");
    assert!(addr.ip().is_loopback(), "loopback only");
    let body = std::fs::read(body_file).expect("the body file");
    let (clients, requests): (usize, usize) = (clients.parse().unwrap(), requests.parse().unwrap());
    assert!(clients * requests <= MAX_TOTAL, "at most {MAX_TOTAL} requests");
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    let mut request = head.into_bytes();
    request.extend_from_slice(&body);
    let started = Instant::now();
    let mut latencies: Vec<Duration> = std::thread::scope(|scope| {
        let threads: Vec<_> = (0..clients).map(|_| scope.spawn(|| client(addr, &request, requests))).collect();
        threads.into_iter().flat_map(|t| t.join().unwrap()).collect()
    });
    let elapsed = started.elapsed();
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)];
    println!(
        "{} requests in {:.2}s: {:.0} req/s; p50 {:.3} ms, p90 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
        latencies.len(),
        elapsed.as_secs_f64(),
        latencies.len() as f64 / elapsed.as_secs_f64(),
        at(0.50).as_secs_f64() * 1e3,
        at(0.90).as_secs_f64() * 1e3,
        at(0.99).as_secs_f64() * 1e3,
        at(1.0).as_secs_f64() * 1e3,
    );
}

/// One keep-alive connection; the latency of each request (a non-200 stops the run).
fn client(addr: SocketAddr, request: &[u8], n: usize) -> Vec<Duration> {
    let stream = TcpStream::connect(addr).expect("connect");
    stream.set_nodelay(true).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let mut writer = stream.try_clone().unwrap();
    let mut reader = BufReader::new(stream);
    let mut out = Vec::with_capacity(n);
    let mut line = String::new();
    for _ in 0..n {
        let t = Instant::now();
        writer.write_all(request).unwrap();
        line.clear();
        reader.read_line(&mut line).unwrap();
        assert!(line.starts_with("HTTP/1.1 200"), "answer: {line}");
        let mut length = 0usize;
        loop {
            line.clear();
            reader.read_line(&mut line).unwrap();
            if line == "\r\n" {
                break;
            }
            if let Some((name, value)) = line.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().unwrap();
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).unwrap();
        out.push(t.elapsed());
    }
    out
}
