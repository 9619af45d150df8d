//! A real SMTP server on 127.0.0.1 inside the test process: the app is pointed at it through
//! `SMTP_URL` (see [`SmtpSink::url`]), every message it accepts is kept and can be taken apart
//! (headers, text and HTML part, attachments, links), and [`SmtpSink::pause`] simulates an outage.
//!
//! Plain std: one thread accepts, one thread serves each connection. No TLS, no AUTH.
//!
//! Inside a `#[tokio::test]` (a current-thread runtime, on which the app and its mail worker
//! run too), wait with [`SmtpSink::wait_for_async`]: the blocking [`SmtpSink::wait_for`] would
//! stall the runtime and with it the very sending it waits for.

use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// One message as the sink accepted it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    /// The MAIL FROM address (without `<>`; empty for the null sender).
    pub from: String,
    /// The RCPT TO addresses, in order.
    pub to: Vec<String>,
    /// The DATA as received: dot-unstuffed, CRLF kept, without the final `.` line.
    pub raw: String,
}

#[derive(Default)]
struct Shared {
    messages: Mutex<Vec<Received>>,
    /// Open connections (clones of their streams), so that `pause` can cut them.
    connections: Mutex<HashMap<u64, TcpStream>>,
    next_connection: AtomicU64,
}

struct Acceptor {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<()>,
}

/// The SMTP server. Dropping it stops it.
pub struct SmtpSink {
    port: u16,
    shared: Arc<Shared>,
    acceptor: Mutex<Option<Acceptor>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panicking connection thread must not take the whole sink down with it.
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl SmtpSink {
    /// Starts a server on 127.0.0.1 on a free port.
    pub fn start() -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0").expect("SmtpSink: bind 127.0.0.1:0");
        let port = listener
            .local_addr()
            .expect("SmtpSink: local address")
            .port();
        let shared = Arc::new(Shared::default());
        let acceptor = spawn_acceptor(listener, port, shared.clone());
        SmtpSink {
            port,
            shared,
            acceptor: Mutex::new(Some(acceptor)),
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `smtp://127.0.0.1:PORT` (plain, no TLS, no auth): the `SMTP_URL` to configure the app with.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// An outage: stops listening, so new connections are refused, and cuts the open ones (a
    /// pooled client connection must not outlive the outage). The port stays reserved for
    /// `resume` as far as the OS allows. Does nothing when already paused.
    pub fn pause(&self) {
        let mut acceptor = lock(&self.acceptor);
        if let Some(a) = acceptor.take() {
            a.stop.store(true, Ordering::SeqCst);
            // Wake the blocking `accept`; it sees `stop` and drops the listener.
            let addr = SocketAddr::from(([127, 0, 0, 1], self.port));
            let _ = TcpStream::connect_timeout(&addr, Duration::from_secs(2));
            let _ = a.thread.join();
        }
        for (_, stream) in lock(&self.shared.connections).drain() {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }

    /// Ends an outage: listens on the same port again. Does nothing when not paused.
    pub fn resume(&self) {
        let mut acceptor = lock(&self.acceptor);
        if acceptor.is_some() {
            return;
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        let listener = loop {
            match TcpListener::bind(("127.0.0.1", self.port)) {
                Ok(l) => break l,
                Err(e) if Instant::now() >= deadline => {
                    panic!(
                        "SmtpSink: cannot listen on 127.0.0.1:{} again: {e}",
                        self.port
                    )
                }
                Err(_) => thread::sleep(Duration::from_millis(10)),
            }
        };
        *acceptor = Some(spawn_acceptor(listener, self.port, self.shared.clone()));
    }

    /// Messages received so far, in order of arrival.
    pub fn messages(&self) -> Vec<Received> {
        lock(&self.shared.messages).clone()
    }

    /// Waits (polling, up to `timeout`) until at least `n` messages arrived and returns all of
    /// them; panics naming how many came. Blocks the thread: in an async test use
    /// [`SmtpSink::wait_for_async`].
    pub fn wait_for(&self, n: usize, timeout: Duration) -> Vec<Received> {
        let deadline = Instant::now() + timeout;
        loop {
            let messages = self.messages();
            if messages.len() >= n {
                return messages;
            }
            if Instant::now() >= deadline {
                let hint = match tokio::runtime::Handle::try_current() {
                    Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::CurrentThread => {
                        " (note: wait_for blocked the current-thread tokio runtime of this test, \
                         so nothing on it could send; use `wait_for_async(..).await`)"
                    }
                    _ => "",
                };
                panic!("{}{hint}", self.shortfall(n, timeout, &messages));
            }
            thread::sleep(Duration::from_millis(10));
        }
    }

    /// Like [`SmtpSink::wait_for`], but sleeps asynchronously, so that the app and its mail
    /// worker keep running on the test's runtime meanwhile.
    pub async fn wait_for_async(&self, n: usize, timeout: Duration) -> Vec<Received> {
        let deadline = Instant::now() + timeout;
        loop {
            let messages = self.messages();
            if messages.len() >= n {
                return messages;
            }
            if Instant::now() >= deadline {
                panic!("{}", self.shortfall(n, timeout, &messages));
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    fn shortfall(&self, n: usize, timeout: Duration, messages: &[Received]) -> String {
        let mut s = format!(
            "SmtpSink on port {}: expected at least {n} message(s) within {timeout:?}, but {} came",
            self.port,
            messages.len()
        );
        for (i, m) in messages.iter().enumerate() {
            s.push_str(&format!(
                "\n  #{}: to {:?}, subject {:?}",
                i + 1,
                m.to,
                m.header("Subject").unwrap_or_default()
            ));
        }
        s
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.pause();
    }
}

fn spawn_acceptor(listener: TcpListener, port: u16, shared: Arc<Shared>) -> Acceptor {
    let stop = Arc::new(AtomicBool::new(false));
    let stopped = stop.clone();
    let thread = thread::Builder::new()
        .name(format!("smtp-sink-{port}"))
        .spawn(move || {
            for conn in listener.incoming() {
                if stopped.load(Ordering::SeqCst) {
                    break;
                }
                let stream = match conn {
                    Ok(s) => s,
                    Err(_) => {
                        thread::sleep(Duration::from_millis(10));
                        continue;
                    }
                };
                let Ok(registered) = stream.try_clone() else {
                    continue;
                };
                let id = shared.next_connection.fetch_add(1, Ordering::SeqCst);
                lock(&shared.connections).insert(id, registered);
                let for_thread = shared.clone();
                let spawned = thread::Builder::new()
                    .name(format!("smtp-sink-{port}-{id}"))
                    .spawn(move || {
                        let _ = serve(stream, &for_thread);
                        lock(&for_thread.connections).remove(&id);
                    });
                if spawned.is_err() {
                    lock(&shared.connections).remove(&id);
                }
            }
        })
        .expect("SmtpSink: spawn the accepting thread");
    Acceptor { stop, thread }
}

/// The address in `<addr> [params]` (or a bare `addr`).
fn path_of(arg: &str) -> String {
    let arg = arg.trim_start();
    match arg.strip_prefix('<') {
        Some(rest) => rest.split('>').next().unwrap_or("").to_string(),
        None => arg.split_whitespace().next().unwrap_or("").to_string(),
    }
}

/// `arg` without the case-insensitive `prefix` (like `FROM:`).
fn strip_prefix_ci<'a>(arg: &'a str, prefix: &str) -> Option<&'a str> {
    let head = arg.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &arg[prefix.len()..])
}

/// One SMTP session, until QUIT, EOF or an I/O error.
fn serve(stream: TcpStream, shared: &Shared) -> io::Result<()> {
    // A client that vanishes silently must not keep this thread forever.
    stream.set_read_timeout(Some(Duration::from_secs(300)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut out = stream;
    out.write_all(b"220 localhost ESMTP kongress test sink\r\n")?;

    let mut from: Option<String> = None;
    let mut to: Vec<String> = Vec::new();
    let mut line = Vec::new();
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line)? == 0 {
            return Ok(());
        }
        let command = String::from_utf8_lossy(&line);
        let command = command.trim_end_matches(['\r', '\n']);
        let (verb, arg) = command.split_once(' ').unwrap_or((command, ""));
        let reply: &[u8] = match verb.to_ascii_uppercase().as_str() {
            "EHLO" => {
                from = None;
                to.clear();
                b"250-localhost\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 PIPELINING\r\n"
            }
            "HELO" => {
                from = None;
                to.clear();
                b"250 localhost\r\n"
            }
            "MAIL" => match strip_prefix_ci(arg, "FROM:") {
                _ if from.is_some() => b"503 5.5.1 Error: nested MAIL command\r\n",
                Some(rest) => {
                    from = Some(path_of(rest));
                    b"250 2.1.0 Ok\r\n"
                }
                None => b"501 5.5.4 Syntax: MAIL FROM:<address>\r\n",
            },
            "RCPT" => match strip_prefix_ci(arg, "TO:") {
                _ if from.is_none() => b"503 5.5.1 Error: need MAIL command\r\n",
                Some(rest) => {
                    to.push(path_of(rest));
                    b"250 2.1.5 Ok\r\n"
                }
                None => b"501 5.5.4 Syntax: RCPT TO:<address>\r\n",
            },
            "DATA" if to.is_empty() => b"503 5.5.1 Error: need RCPT command\r\n",
            "DATA" => {
                out.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")?;
                let mut data = Vec::new();
                loop {
                    line.clear();
                    if reader.read_until(b'\n', &mut line)? == 0 {
                        return Ok(()); // cut off mid-message: nothing was accepted
                    }
                    if line == b".\r\n" || line == b".\n" {
                        break;
                    }
                    let unstuffed = line.strip_prefix(b".").unwrap_or(&line);
                    data.extend_from_slice(unstuffed);
                }
                let received = Received {
                    from: from.take().unwrap_or_default(),
                    to: std::mem::take(&mut to),
                    raw: String::from_utf8_lossy(&data).into_owned(),
                };
                // Stored before the client hears 250, so that it is visible once sending returns.
                lock(&shared.messages).push(received);
                b"250 2.0.0 Ok: queued\r\n"
            }
            "RSET" => {
                from = None;
                to.clear();
                b"250 2.0.0 Ok\r\n"
            }
            "NOOP" => b"250 2.0.0 Ok\r\n",
            "QUIT" => {
                out.write_all(b"221 2.0.0 Bye\r\n")?;
                return Ok(());
            }
            _ => b"502 5.5.2 Error: command not recognized\r\n",
        };
        out.write_all(reply)?;
    }
}

// ---------------------------------------------------------------------------------------------
// Taking a message apart

impl Received {
    /// The first header of that (case-insensitive) name: unfolded, trimmed, RFC 2047
    /// encoded-words decoded.
    pub fn header(&self, name: &str) -> Option<String> {
        let (head, _) = split_head_body(&self.raw);
        parse_headers(head)
            .into_iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| decode_encoded_words(&v))
    }

    /// The decoded text/plain part (the first one that is not an attachment); line breaks
    /// become `\n`.
    pub fn text(&self) -> Option<String> {
        self.body_of("text/plain")
    }

    /// The decoded text/html part (the first one that is not an attachment); line breaks
    /// become `\n`.
    pub fn html(&self) -> Option<String> {
        self.body_of("text/html")
    }

    /// Attachments: (file name, content type without parameters, decoded bytes). A part is an
    /// attachment when its Content-Disposition says so or when it names a file.
    pub fn attachments(&self) -> Vec<(String, String, Vec<u8>)> {
        leaves(&self.raw)
            .into_iter()
            .filter(Leaf::is_attachment)
            .map(|l| {
                (
                    l.filename().unwrap_or_default(),
                    l.content_type.clone(),
                    l.decoded(),
                )
            })
            .collect()
    }

    /// All http(s) URLs in the text part, in order.
    pub fn links(&self) -> Vec<String> {
        self.text().map(|t| find_links(&t)).unwrap_or_default()
    }

    fn body_of(&self, content_type: &str) -> Option<String> {
        leaves(&self.raw)
            .into_iter()
            .find(|l| l.content_type == content_type && !l.is_attachment())
            .map(|l| {
                decode_charset(&l.decoded(), l.param("charset").as_deref()).replace("\r\n", "\n")
            })
    }
}

/// A part that is not multipart.
struct Leaf {
    /// Lowercased, without parameters; `text/plain` when absent.
    content_type: String,
    type_params: Vec<(String, String)>,
    /// Lowercased disposition type (`attachment`, `inline`), if any.
    disposition: Option<String>,
    disposition_params: Vec<(String, String)>,
    /// Lowercased Content-Transfer-Encoding; `7bit` when absent.
    encoding: String,
    body: String,
}

impl Leaf {
    fn param(&self, name: &str) -> Option<String> {
        find_param(&self.type_params, name)
    }

    fn filename(&self) -> Option<String> {
        find_param(&self.disposition_params, "filename").or_else(|| self.param("name"))
    }

    fn is_attachment(&self) -> bool {
        self.disposition.as_deref() == Some("attachment") || self.filename().is_some()
    }

    fn decoded(&self) -> Vec<u8> {
        match self.encoding.as_str() {
            "base64" => decode_base64(&self.body),
            "quoted-printable" => decode_quoted_printable(&self.body),
            _ => self.body.as_bytes().to_vec(),
        }
    }
}

fn find_param(params: &[(String, String)], name: &str) -> Option<String> {
    params
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.clone())
}

/// The leaf parts of a message, depth first (multipart/* of any kind, nested).
fn leaves(raw: &str) -> Vec<Leaf> {
    let mut out = Vec::new();
    collect_leaves(raw, &mut out, 0);
    out
}

fn collect_leaves(entity: &str, out: &mut Vec<Leaf>, depth: usize) {
    let (head, body) = split_head_body(entity);
    let headers = parse_headers(head);
    let get = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    let (content_type, type_params) = match get("Content-Type") {
        Some(v) => parse_structured(v),
        None => ("text/plain".to_string(), Vec::new()),
    };
    if content_type.starts_with("multipart/") && depth < 32 {
        if let Some(boundary) = find_param(&type_params, "boundary") {
            for part in split_multipart(body, &boundary) {
                collect_leaves(part, out, depth + 1);
            }
            return;
        }
    }
    let (disposition, disposition_params) = match get("Content-Disposition") {
        Some(v) => {
            let (d, p) = parse_structured(v);
            (Some(d), p)
        }
        None => (None, Vec::new()),
    };
    out.push(Leaf {
        content_type,
        type_params,
        disposition,
        disposition_params,
        encoding: get("Content-Transfer-Encoding")
            .map(|v| v.trim().to_ascii_lowercase())
            .unwrap_or_else(|| "7bit".to_string()),
        body: body.to_string(),
    });
}

/// Header block and body, split at the first empty line.
fn split_head_body(entity: &str) -> (&str, &str) {
    let mut pos = 0;
    while pos < entity.len() {
        let end = entity[pos..]
            .find('\n')
            .map_or(entity.len(), |i| pos + i + 1);
        if entity[pos..end].trim_end_matches(['\r', '\n']).is_empty() {
            return (&entity[..pos], &entity[end..]);
        }
        pos = end;
    }
    (entity, "")
}

/// (name, unfolded value) pairs, in order.
fn parse_headers(head: &str) -> Vec<(String, String)> {
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in head.lines() {
        if line.starts_with([' ', '\t']) {
            // Unfolding removes the line break only; the whitespace stays.
            if let Some((_, value)) = headers.last_mut() {
                value.push_str(line);
            }
        } else if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_string(), value.to_string()));
        }
    }
    for (_, value) in &mut headers {
        *value = value.trim().to_string();
    }
    headers
}

/// The parts between the delimiter lines of `--boundary`.
fn split_multipart<'a>(body: &'a str, boundary: &str) -> Vec<&'a str> {
    let delimiter = format!("--{boundary}");
    let mut parts = Vec::new();
    let mut start: Option<usize> = None;
    let mut pos = 0;
    while pos < body.len() {
        let end = body[pos..].find('\n').map_or(body.len(), |i| pos + i + 1);
        if let Some(rest) = body[pos..end].trim_end().strip_prefix(delimiter.as_str()) {
            if rest.is_empty() || rest == "--" {
                if let Some(s) = start {
                    // The line break before a delimiter belongs to the delimiter.
                    let before = &body[..pos];
                    let e = before
                        .strip_suffix("\r\n")
                        .or_else(|| before.strip_suffix('\n'))
                        .map_or(pos, str::len);
                    parts.push(&body[s..e.max(s)]);
                }
                if rest == "--" {
                    return parts;
                }
                start = Some(end);
            }
        }
        pos = end;
    }
    if let Some(s) = start {
        parts.push(&body[s..]); // no closing delimiter: take the rest
    }
    parts
}

/// `type/subtype; a=1; b="x y"` → (`type/subtype` lowercased, parameters with lowercased names
/// and unquoted values). RFC 2231 continuations (`name*0=`, `name*1*=`) are joined and
/// `charset''percent-encoding` decoded; plain values may carry RFC 2047 encoded-words.
fn parse_structured(value: &str) -> (String, Vec<(String, String)>) {
    let mut segments = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut escaped = false;
    for c in value.chars() {
        match c {
            _ if escaped => {
                current.push(c);
                escaped = false;
            }
            '\\' if quoted => {
                current.push(c);
                escaped = true;
            }
            '"' => {
                current.push(c);
                quoted = !quoted;
            }
            ';' if !quoted => segments.push(std::mem::take(&mut current)),
            _ => current.push(c),
        }
    }
    segments.push(current);
    let main = segments[0].trim().to_ascii_lowercase();

    // name → its pieces, in order of first appearance.
    let mut pieces: Vec<(String, Vec<Piece>)> = Vec::new();
    for segment in &segments[1..] {
        let Some((name, raw)) = segment.split_once('=') else {
            continue;
        };
        let name = name.trim().to_ascii_lowercase();
        let raw = raw.trim();
        let value = match raw.strip_prefix('"') {
            Some(inner) => unquote(inner.strip_suffix('"').unwrap_or(inner)),
            None => raw.to_string(),
        };
        let extended = name.ends_with('*');
        let mut split = name.trim_end_matches('*').splitn(2, '*');
        let base = split.next().unwrap_or_default().to_string();
        let section = split.next().and_then(|s| s.parse().ok()).unwrap_or(0);
        match pieces.iter_mut().find(|(n, _)| *n == base) {
            Some((_, p)) => p.push((section, extended, value)),
            None => pieces.push((base, vec![(section, extended, value)])),
        }
    }

    let params = pieces
        .into_iter()
        .map(|(name, mut parts)| {
            parts.sort_by_key(|(section, _, _)| *section);
            let any_extended = parts.iter().any(|(_, extended, _)| *extended);
            let mut charset = None;
            let mut bytes = Vec::new();
            for (section, extended, value) in &parts {
                if *extended {
                    let mut value = value.as_str();
                    if *section == 0 {
                        let mut fields = value.splitn(3, '\'');
                        if let (Some(cs), Some(_lang), Some(rest)) =
                            (fields.next(), fields.next(), fields.next())
                        {
                            charset = Some(cs.to_string());
                            value = rest;
                        }
                    }
                    bytes.extend(percent_decode(value));
                } else {
                    bytes.extend_from_slice(value.as_bytes());
                }
            }
            let value = if any_extended {
                decode_charset(&bytes, charset.as_deref())
            } else {
                decode_encoded_words(&String::from_utf8_lossy(&bytes))
            };
            (name, value)
        })
        .collect();
    (main, params)
}

/// One RFC 2231 piece of a parameter: (section, extended, value).
type Piece = (u32, bool, String);

fn unquote(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(next) = chars.next() {
                out.push(next);
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// `%XX` escapes to bytes; anything else as it is.
fn percent_decode(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let (Some(h), Some(l)) = (hex_value(b[i + 1]), hex_value(b[i + 2])) {
                out.push(h << 4 | l);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

/// Text in `charset` (UTF-8 when unknown or absent; ISO-8859-1 and its look-alikes byte for
/// byte).
fn decode_charset(bytes: &[u8], charset: Option<&str>) -> String {
    let charset = charset.unwrap_or("utf-8").to_ascii_lowercase();
    match charset.as_str() {
        "iso-8859-1" | "iso8859-1" | "latin1" | "latin-1" | "l1" | "windows-1252" | "cp1252" => {
            bytes.iter().map(|&b| b as char).collect()
        }
        _ => String::from_utf8_lossy(bytes).into_owned(),
    }
}

/// Base64 (RFC 2045): characters outside the alphabet (line breaks) are skipped; padding ends
/// a group, so concatenated padded chunks decode too.
fn decode_base64(s: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len() / 4 * 3 + 3);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for b in s.bytes() {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => {
                acc = 0;
                bits = 0;
                continue;
            }
            _ => continue,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

/// Quoted-printable (RFC 2045): `=XX` escapes, `=` at the end of a line joins it to the next,
/// trailing whitespace on lines is dropped, line breaks come out as CRLF.
fn decode_quoted_printable(s: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut rest = s;
    while !rest.is_empty() {
        let (line, had_break) = match rest.find('\n') {
            Some(i) => {
                let line = &rest[..i];
                rest = &rest[i + 1..];
                (line, true)
            }
            None => {
                let line = rest;
                rest = "";
                (line, false)
            }
        };
        let line = line.trim_end_matches('\r').trim_end_matches([' ', '\t']);
        let (content, soft_break) = match line.strip_suffix('=') {
            Some(c) => (c, true),
            None => (line, false),
        };
        let b = content.as_bytes();
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'=' && i + 2 < b.len() {
                if let (Some(h), Some(l)) = (hex_value(b[i + 1]), hex_value(b[i + 2])) {
                    out.push(h << 4 | l);
                    i += 3;
                    continue;
                }
            }
            out.push(b[i]);
            i += 1;
        }
        if had_break && !soft_break {
            out.extend_from_slice(b"\r\n");
        }
    }
    out
}

/// One encoded-word at the start of `s` (`=?charset?B|Q?text?=`): (charset, bytes, length).
fn parse_encoded_word(s: &str) -> Option<(String, Vec<u8>, usize)> {
    let inner = s.strip_prefix("=?")?;
    let (charset, rest) = inner.split_once('?')?;
    let (encoding, rest) = rest.split_once('?')?;
    let (text, _) = rest.split_once("?=")?;
    if charset.is_empty()
        || text.contains(char::is_whitespace)
        || charset.contains(char::is_whitespace)
    {
        return None;
    }
    let bytes = match encoding {
        "B" | "b" => decode_base64(text),
        "Q" | "q" => {
            let b = text.as_bytes();
            let mut out = Vec::with_capacity(b.len());
            let mut i = 0;
            while i < b.len() {
                match b[i] {
                    b'_' => out.push(b' '),
                    b'=' if i + 2 < b.len() => match (hex_value(b[i + 1]), hex_value(b[i + 2])) {
                        (Some(h), Some(l)) => {
                            out.push(h << 4 | l);
                            i += 2;
                        }
                        _ => out.push(b'='),
                    },
                    c => out.push(c),
                }
                i += 1;
            }
            out
        }
        _ => return None,
    };
    let len = "=?".len() + charset.len() + 1 + encoding.len() + 1 + text.len() + "?=".len();
    // RFC 2231 allows `charset*language`.
    let charset = charset.split('*').next().unwrap_or(charset).to_string();
    Some((charset, bytes, len))
}

/// RFC 2047: encoded-words decoded, whitespace between adjacent ones dropped. Adjacent words of
/// one charset are decoded together, in case an encoder split a character between them.
fn decode_encoded_words(s: &str) -> String {
    let mut out = String::new();
    let mut pending: Option<(String, Vec<u8>)> = None;
    let flush = |pending: &mut Option<(String, Vec<u8>)>, out: &mut String| {
        if let Some((charset, bytes)) = pending.take() {
            out.push_str(&decode_charset(&bytes, Some(&charset)));
        }
    };
    let mut rest = s;
    loop {
        let Some(i) = rest.find("=?") else {
            flush(&mut pending, &mut out);
            out.push_str(rest);
            return out;
        };
        let before = &rest[..i];
        match parse_encoded_word(&rest[i..]) {
            Some((charset, bytes, len)) => {
                let adjacent = pending.is_some() && before.chars().all(char::is_whitespace);
                if !adjacent {
                    flush(&mut pending, &mut out);
                    out.push_str(before);
                }
                match &mut pending {
                    Some((cs, buffered)) if cs.eq_ignore_ascii_case(&charset) => {
                        buffered.extend(bytes)
                    }
                    _ => {
                        flush(&mut pending, &mut out);
                        pending = Some((charset, bytes));
                    }
                }
                rest = &rest[i + len..];
            }
            None => {
                flush(&mut pending, &mut out);
                out.push_str(&rest[..i + 2]);
                rest = &rest[i + 2..];
            }
        }
    }
}

/// http(s) URLs in `text`: up to whitespace, `<>"'` or a backtick; trailing sentence
/// punctuation and unbalanced closing brackets are not part of them.
fn find_links(text: &str) -> Vec<String> {
    let mut links = Vec::new();
    let mut pos = 0;
    while pos < text.len() {
        let rest = &text[pos..];
        let Some(start) = [rest.find("http://"), rest.find("https://")]
            .into_iter()
            .flatten()
            .min()
        else {
            break;
        };
        let tail = &rest[start..];
        let end = tail
            .find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"' | '\'' | '`'))
            .unwrap_or(tail.len());
        let mut url = &tail[..end];
        loop {
            let trimmed = url.trim_end_matches(['.', ',', ';', ':', '!', '?']);
            let trimmed = [('(', ')'), ('[', ']'), ('{', '}')]
                .into_iter()
                .find_map(|(open, close)| {
                    (trimmed.ends_with(close)
                        && trimmed.matches(open).count() < trimmed.matches(close).count())
                    .then(|| &trimmed[..trimmed.len() - 1])
                })
                .unwrap_or(trimmed);
            if trimmed.len() == url.len() {
                break;
            }
            url = trimmed;
        }
        if !url.ends_with("://") {
            links.push(url.to_string());
        }
        pos += start + end.max(1);
    }
    links
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Test-only encoder, to build messages and to check the decoder against.
    fn encode_base64(bytes: &[u8]) -> String {
        const ALPHABET: &[u8; 64] =
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let n = chunk
                .iter()
                .enumerate()
                .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
            for i in 0..4 {
                if i <= chunk.len() {
                    out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
                } else {
                    out.push('=');
                }
            }
        }
        out
    }

    /// Base64 in lines of 76 characters, as in a MIME body.
    fn base64_body(bytes: &[u8]) -> String {
        let encoded = encode_base64(bytes);
        let lines: Vec<&str> = encoded
            .as_bytes()
            .chunks(76)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect();
        lines.join("\r\n")
    }

    #[test]
    fn base64_decodes() {
        assert_eq!(decode_base64(""), b"");
        assert_eq!(decode_base64("Zg=="), b"f");
        assert_eq!(decode_base64("Zm8="), b"fo");
        assert_eq!(decode_base64("Zm9v"), b"foo");
        assert_eq!(decode_base64("Zm9vYg=="), b"foob");
        assert_eq!(decode_base64("Zm9vYmE="), b"fooba");
        assert_eq!(decode_base64("Zm9vYmFy"), b"foobar");
        assert_eq!(decode_base64("Zm9v\r\nYmFy\r\n"), b"foobar");
        assert_eq!(
            decode_base64("Zg==Zm8="),
            b"ffo",
            "concatenated padded chunks"
        );
        assert_eq!(decode_base64("w7w="), "ü".as_bytes());
        assert_eq!(decode_base64("+/+/"), [0xfb, 0xff, 0xbf]);
        let all: Vec<u8> = (0..=255u8).chain((0..=255u8).rev()).collect();
        for len in 0..all.len() {
            let bytes = &all[..len];
            assert_eq!(decode_base64(&base64_body(bytes)), bytes, "length {len}");
        }
        assert_eq!(encode_base64(b"foobar"), "Zm9vYmFy");
        assert_eq!(encode_base64(b"fooba"), "Zm9vYmE=");
    }

    #[test]
    fn quoted_printable_decodes() {
        assert_eq!(decode_quoted_printable(""), b"");
        assert_eq!(decode_quoted_printable("plain"), b"plain");
        assert_eq!(decode_quoted_printable("J=C3=BCrgen"), "Jürgen".as_bytes());
        assert_eq!(
            decode_quoted_printable("j=c3=bc"),
            "jü".as_bytes(),
            "lowercase hex"
        );
        assert_eq!(decode_quoted_printable("a=3Db"), b"a=b");
        assert_eq!(decode_quoted_printable("soft=\r\nbreak"), b"softbreak");
        assert_eq!(decode_quoted_printable("soft=\nbreak"), b"softbreak");
        assert_eq!(
            decode_quoted_printable("soft= \r\nbreak"),
            b"softbreak",
            "padding after ="
        );
        assert_eq!(decode_quoted_printable("one\r\ntwo\r\n"), b"one\r\ntwo\r\n");
        assert_eq!(decode_quoted_printable("one\ntwo"), b"one\r\ntwo");
        assert_eq!(decode_quoted_printable("trail  \r\nx"), b"trail\r\nx");
        assert_eq!(decode_quoted_printable("keep=20\r\nx"), b"keep \r\nx");
        assert_eq!(decode_quoted_printable("=3D=\r\n=3D"), b"==");
        assert_eq!(
            decode_quoted_printable("bad=XYz"),
            b"bad=XYz",
            "not an escape"
        );
        assert_eq!(decode_quoted_printable("end=4"), b"end=4", "cut-off escape");
        assert_eq!(decode_quoted_printable("=\r\n"), b"");
    }

    #[test]
    fn encoded_words_decode() {
        assert_eq!(decode_encoded_words("plain text"), "plain text");
        assert_eq!(
            decode_encoded_words("=?utf-8?Q?J=C3=BCrgen_M?="),
            "Jürgen M"
        );
        assert_eq!(decode_encoded_words("=?UTF-8?B?SsO8cmdlbg==?="), "Jürgen");
        assert_eq!(
            decode_encoded_words("=?utf-8?q?a?= \r\n =?utf-8?b?Yg==?= c =?utf-8?q?d?="),
            "ab c d",
            "whitespace between adjacent words goes, other text stays"
        );
        assert_eq!(
            decode_encoded_words("=?utf-8?q?=C3?= =?utf-8?q?=BC?="),
            "ü",
            "a character split between two words"
        );
        assert_eq!(decode_encoded_words("=?iso-8859-1?q?=FC?="), "ü");
        assert_eq!(decode_encoded_words("=?utf-8*de?q?=C3=BC?="), "ü");
        assert_eq!(decode_encoded_words("a =?bogus b"), "a =?bogus b");
        assert_eq!(decode_encoded_words("x=?utf-8?x?y?=z"), "x=?utf-8?x?y?=z");
    }

    #[test]
    fn structured_values_parse() {
        let (main, params) = parse_structured("Text/Plain; charset=\"UTF-8\"; format=flowed");
        assert_eq!(main, "text/plain");
        assert_eq!(find_param(&params, "charset").as_deref(), Some("UTF-8"));
        assert_eq!(find_param(&params, "format").as_deref(), Some("flowed"));
        let (main, params) = parse_structured(
            "attachment;\r\n filename*0*=utf-8''Programm%C3;\r\n filename*1*=%BC%C3%BCbersicht.pdf",
        );
        assert_eq!(main, "attachment");
        assert_eq!(
            find_param(&params, "filename").as_deref(),
            Some("Programmüübersicht.pdf")
        );
        let (_, params) =
            parse_structured("attachment; filename*0=\"a;b\\\"c\"; filename*1=\"d.txt\"");
        assert_eq!(
            find_param(&params, "filename").as_deref(),
            Some("a;b\"cd.txt")
        );
        let (_, params) = parse_structured("attachment; filename=\"=?utf-8?q?=C3=BC.txt?=\"");
        assert_eq!(find_param(&params, "filename").as_deref(), Some("ü.txt"));
    }

    #[test]
    fn links_are_found() {
        let text = "Bitte bestätigen: https://k.example.org/c?t=1&u=2.\n\
                    (siehe http://a.example/x_(y)) oder <https://b.example/p>, \
                    [Link](https://c.example/q) \"https://d.example\" https:// nothing";
        assert_eq!(
            find_links(text),
            [
                "https://k.example.org/c?t=1&u=2",
                "http://a.example/x_(y)",
                "https://b.example/p",
                "https://c.example/q",
                "https://d.example",
            ]
        );
    }

    /// A hand-driven SMTP client.
    struct Client {
        reader: BufReader<TcpStream>,
        writer: TcpStream,
    }

    impl Client {
        fn connect(port: u16) -> io::Result<Client> {
            let stream = TcpStream::connect(("127.0.0.1", port))?;
            stream.set_read_timeout(Some(Duration::from_secs(10)))?;
            let mut client = Client {
                reader: BufReader::new(stream.try_clone()?),
                writer: stream,
            };
            let greeting = client.reply()?;
            assert!(greeting.starts_with("220 "), "greeting: {greeting:?}");
            Ok(client)
        }

        /// One reply, all its lines.
        fn reply(&mut self) -> io::Result<String> {
            let mut reply = String::new();
            loop {
                let mut line = String::new();
                if self.reader.read_line(&mut line)? == 0 {
                    return Err(io::ErrorKind::UnexpectedEof.into());
                }
                reply.push_str(&line);
                if line.as_bytes().get(3) != Some(&b'-') {
                    return Ok(reply);
                }
            }
        }

        fn send(&mut self, data: &str) {
            self.writer.write_all(data.as_bytes()).unwrap();
        }

        /// Sends `command` and checks the reply's code.
        fn expect(&mut self, command: &str, code: &str) -> String {
            self.send(&format!("{command}\r\n"));
            let reply = self.reply().unwrap();
            assert!(
                reply.starts_with(code),
                "{command:?} → {reply:?}, wanted {code}"
            );
            reply
        }

        /// One whole transaction; `message` uses CRLF and gets dot-stuffed here.
        fn mail(&mut self, from: &str, to: &[&str], message: &str) {
            self.expect(&format!("MAIL FROM:<{from}> BODY=8BITMIME"), "250");
            for rcpt in to {
                self.expect(&format!("RCPT TO:<{rcpt}>"), "250");
            }
            self.expect("DATA", "354");
            let mut stuffed = String::new();
            for line in message.split_inclusive("\r\n") {
                if line.starts_with('.') {
                    stuffed.push('.');
                }
                stuffed.push_str(line);
            }
            if !stuffed.ends_with("\r\n") {
                stuffed.push_str("\r\n");
            }
            self.send(&stuffed);
            self.expect(".", "250");
        }
    }

    const WAIT: Duration = Duration::from_secs(5);

    #[test]
    fn takes_a_multipart_message_apart() {
        let sink = SmtpSink::start();
        assert_eq!(sink.url(), format!("smtp://127.0.0.1:{}", sink.port()));
        assert!(sink.messages().is_empty());

        let html = "<p>Hallo Jürgen,</p>\r\n<p><a href=\"https://kongress.example.org/c/abc\">bestätigen</a></p>";
        let pdf: Vec<u8> = (0..=255u8).cycle().take(1000).collect();
        let message = [
            "From: Kongress <noreply@kongress.example.org>",
            "To: =?utf-8?q?J=C3=BCrgen_M=C3=BCller?= <juergen@example.org>",
            "Subject: =?utf-8?q?Anmeldung_best=C3=A4tigt?=",
            " =?utf-8?b?IOKAkyBLb25ncmVzcyAyMDI1?=",
            "X-Folded: one",
            "\ttwo",
            "MIME-Version: 1.0",
            "Content-Type: multipart/mixed; boundary=\"mixed-b\"",
            "",
            "This is a multi-part message in MIME format.",
            "--mixed-b",
            "Content-Type: multipart/alternative;",
            " boundary=alt-b",
            "",
            "--alt-b",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: quoted-printable",
            "",
            "Hallo J=C3=BCrgen,",
            "",
            "bitte best=C3=A4tigen: https://kongress.example.org/confirm?token=3Dabc=",
            "def&lang=3Dde.",
            ".Zeile mit Punkt",
            "--alt-b",
            "Content-Type: text/html; charset=\"UTF-8\"",
            "Content-Transfer-Encoding: base64",
            "",
            &base64_body(html.as_bytes()),
            "--alt-b--",
            "",
            "--mixed-b",
            "Content-Type: application/pdf",
            "Content-Disposition: attachment;",
            " filename*0*=utf-8''Programm%C3%BC;",
            " filename*1=\"bersicht.pdf\"",
            "Content-Transfer-Encoding: base64",
            "",
            &base64_body(&pdf),
            "--mixed-b--",
            "",
        ]
        .join("\r\n");

        let mut client = Client::connect(sink.port()).unwrap();
        let ehlo = client.expect("EHLO client.example.org", "250");
        assert!(
            ehlo.contains("8BITMIME") && ehlo.contains("PIPELINING"),
            "{ehlo}"
        );
        assert!(
            !ehlo.contains("STARTTLS") && !ehlo.contains("AUTH"),
            "{ehlo}"
        );
        client.mail(
            "noreply@kongress.example.org",
            &["juergen@example.org", "copy@example.org"],
            &message,
        );

        let got = sink.wait_for(1, WAIT);
        assert_eq!(got.len(), 1);
        let m = &got[0];
        assert_eq!(m.from, "noreply@kongress.example.org");
        assert_eq!(m.to, ["juergen@example.org", "copy@example.org"]);
        assert_eq!(m.raw, message, "raw is the dot-unstuffed DATA");
        assert_eq!(
            m.header("subject").as_deref(),
            Some("Anmeldung bestätigt – Kongress 2025")
        );
        assert_eq!(
            m.header("TO").as_deref(),
            Some("Jürgen Müller <juergen@example.org>")
        );
        assert_eq!(m.header("x-folded").as_deref(), Some("one\ttwo"));
        assert_eq!(m.header("Cc"), None);
        assert_eq!(
            m.text().as_deref(),
            Some(
                "Hallo Jürgen,\n\nbitte bestätigen: \
                 https://kongress.example.org/confirm?token=abcdef&lang=de.\n.Zeile mit Punkt"
            )
        );
        assert_eq!(
            m.html().as_deref(),
            Some(html.replace("\r\n", "\n").as_str())
        );
        assert_eq!(
            m.attachments(),
            [(
                "Programmübersicht.pdf".to_string(),
                "application/pdf".to_string(),
                pdf
            )]
        );
        assert_eq!(
            m.links(),
            ["https://kongress.example.org/confirm?token=abcdef&lang=de"]
        );

        // Same connection: more commands and a second, single-part 8-bit message.
        client.expect("NOOP", "250");
        client.expect("VRFY someone", "502");
        client.expect("RCPT TO:<x@example.org>", "503");
        client.expect("MAIL FROM:<a@example.org>", "250");
        client.expect("RSET", "250");
        client.expect("DATA", "503");
        client.expect("HELO client.example.org", "250");
        client.mail(
            "",
            &["b@example.org"],
            "Subject: Grüße\r\n\r\nOhne MIME, 8 bit: Grüße\r\n..\r\n",
        );
        client.expect("QUIT", "221");

        let got = sink.wait_for(2, WAIT);
        let m = &got[1];
        assert_eq!(
            (m.from.as_str(), m.to.as_slice()),
            ("", &["b@example.org".to_string()][..])
        );
        assert_eq!(m.header("Subject").as_deref(), Some("Grüße"));
        assert_eq!(m.text().as_deref(), Some("Ohne MIME, 8 bit: Grüße\n..\n"));
        assert_eq!(m.html(), None);
        assert!(m.attachments().is_empty() && m.links().is_empty());
        assert_eq!(sink.messages(), got);
    }

    #[test]
    fn serves_connections_side_by_side() {
        let sink = SmtpSink::start();
        let mut first = Client::connect(sink.port()).unwrap();
        let mut second = Client::connect(sink.port()).unwrap();
        first.expect("EHLO one", "250");
        second.expect("EHLO two", "250");
        first.expect("MAIL FROM:<one@example.org>", "250");
        second.mail(
            "two@example.org",
            &["x@example.org"],
            "Subject: two\r\n\r\n2\r\n",
        );
        first.expect("RCPT TO:<x@example.org>", "250");
        first.expect("DATA", "354");
        first.send("Subject: one\r\n\r\n1\r\n.\r\n");
        assert!(first.reply().unwrap().starts_with("250"));
        let subjects: Vec<_> = sink
            .wait_for(2, WAIT)
            .iter()
            .map(|m| m.header("subject").unwrap())
            .collect();
        assert_eq!(subjects, ["two", "one"]);
    }

    #[test]
    #[should_panic(expected = "expected at least 1 message(s) within 50ms, but 0 came")]
    fn waiting_in_vain_says_how_many_came() {
        SmtpSink::start().wait_for(1, Duration::from_millis(50));
    }

    #[test]
    fn pause_refuses_and_resume_serves_on_the_same_port() {
        let sink = SmtpSink::start();
        let port = sink.port();
        let mut open = Client::connect(port).unwrap();
        open.expect("EHLO before", "250");

        sink.pause();
        sink.pause(); // twice is fine
        let refused = TcpStream::connect(("127.0.0.1", port)).unwrap_err();
        assert_eq!(refused.kind(), io::ErrorKind::ConnectionRefused);
        open.send("NOOP\r\n");
        assert!(open.reply().is_err(), "the open connection is cut as well");

        sink.resume();
        sink.resume(); // twice is fine
        assert_eq!(sink.port(), port);
        let mut client = Client::connect(port).unwrap();
        client.expect("EHLO after", "250");
        client.mail(
            "a@example.org",
            &["b@example.org"],
            "Subject: after\r\n\r\nhi\r\n",
        );
        assert_eq!(
            sink.wait_for(1, WAIT)[0].header("Subject").as_deref(),
            Some("after")
        );
    }

    /// The client the app uses, with pooled connections, across an outage.
    #[tokio::test]
    async fn lettre_delivers_and_notices_an_outage() {
        use lettre::message::{Attachment, MultiPart};
        use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

        let sink = SmtpSink::start();
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&sink.url())
            .unwrap()
            .timeout(Some(Duration::from_secs(5)))
            .build();
        let message = |subject: &str| {
            Message::builder()
                .from("Kongress <noreply@kongress.example.org>".parse().unwrap())
                .to("Jürgen Müller <juergen@example.org>".parse().unwrap())
                .subject(subject)
                .multipart(
                    MultiPart::mixed()
                        .multipart(MultiPart::alternative_plain_html(
                            "Hallo Jürgen,\nbitte bestätigen: https://kongress.example.org/c/äbc?x=1\n"
                                .to_string(),
                            "<p>Hallo Jürgen</p>".to_string(),
                        ))
                        .singlepart(
                            Attachment::new("Programmübersicht mit einem sehr langen Dateinamen.ics".into())
                                .body(b"BEGIN:VCALENDAR\r\n".to_vec(), "text/calendar".parse().unwrap()),
                        ),
                )
                .unwrap()
        };

        transport
            .send(message("Anmeldung bestätigt – Kongress 2025"))
            .await
            .unwrap();
        let got = sink.wait_for_async(1, WAIT).await;
        let m = &got[0];
        assert_eq!(m.from, "noreply@kongress.example.org");
        assert_eq!(m.to, ["juergen@example.org"]);
        assert_eq!(
            m.header("Subject").as_deref(),
            Some("Anmeldung bestätigt – Kongress 2025")
        );
        assert_eq!(
            m.header("To").as_deref(),
            Some("Jürgen Müller <juergen@example.org>")
        );
        assert_eq!(
            m.text().as_deref(),
            Some("Hallo Jürgen,\nbitte bestätigen: https://kongress.example.org/c/äbc?x=1\n")
        );
        assert_eq!(m.html().as_deref(), Some("<p>Hallo Jürgen</p>"));
        assert_eq!(m.links(), ["https://kongress.example.org/c/äbc?x=1"]);
        assert_eq!(
            m.attachments(),
            [(
                "Programmübersicht mit einem sehr langen Dateinamen.ics".to_string(),
                "text/calendar".to_string(),
                b"BEGIN:VCALENDAR\r\n".to_vec()
            )]
        );

        sink.pause();
        assert!(transport.send(message("during")).await.is_err());
        sink.resume();
        transport.send(message("after")).await.unwrap();
        let got = sink.wait_for_async(2, WAIT).await;
        assert_eq!(got[1].header("Subject").as_deref(), Some("after"));
    }
}
