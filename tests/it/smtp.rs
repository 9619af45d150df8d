//! A real SMTP server on 127.0.0.1 inside the test process: the app is pointed at it through
//! `SMTP_URL` (see [`SmtpSink::url`]), every message it accepts is kept and can be taken apart
//! (headers, text and HTML part, attachments, links; the MIME decoding is the `mail-parser`
//! crate's), and [`SmtpSink::pause`] simulates an outage.
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

use mail_parser::{
    HeaderForm, HeaderName, Message, MessageParser, MessagePart, MimeHeaders, PartType,
};

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
    /// The message as the maintained parser sees it.
    fn parsed(&self) -> Message<'_> {
        MessageParser::default()
            .parse(self.raw.as_bytes())
            .expect("SmtpSink: the DATA is a message")
    }

    /// The first header of that (case-insensitive) name: unfolded, trimmed, RFC 2047
    /// encoded-words decoded (read as unstructured text, so addresses and Message-IDs come back
    /// as written, e.g. `Name <a@b>` and `<id@host>`).
    pub fn header(&self, name: &str) -> Option<String> {
        self.parsed()
            .header_as(HeaderName::parse(name)?, HeaderForm::Text)
            .into_iter()
            .next()
            .and_then(|v| v.into_text())
            .map(|t| t.trim().to_string())
    }

    /// The decoded text/plain part (the first one that is not an attachment); line breaks
    /// become `\n`.
    pub fn text(&self) -> Option<String> {
        self.body_of("text", "plain")
    }

    /// The decoded text/html part (the first one that is not an attachment); line breaks
    /// become `\n`.
    pub fn html(&self) -> Option<String> {
        self.body_of("text", "html")
    }

    /// Attachments: (file name, content type without parameters, decoded bytes). A part is an
    /// attachment when its Content-Disposition says so or when it names a file. Text
    /// attachments come back as their UTF-8 text.
    pub fn attachments(&self) -> Vec<(String, String, Vec<u8>)> {
        let message = self.parsed();
        leaves(&message)
            .filter(|p| is_attachment(p))
            .map(|p| {
                let (t, s) = content_type(p);
                (
                    p.attachment_name().unwrap_or_default().to_string(),
                    format!("{t}/{s}"),
                    p.contents().to_vec(),
                )
            })
            .collect()
    }

    /// All http(s) URLs in the text part, in order.
    pub fn links(&self) -> Vec<String> {
        self.text().map(|t| find_links(&t)).unwrap_or_default()
    }

    fn body_of(&self, ctype: &str, subtype: &str) -> Option<String> {
        let message = self.parsed();
        let part = leaves(&message)
            .find(|p| content_type(p) == (ctype.into(), subtype.into()) && !is_attachment(p))?;
        let text = match &part.body {
            PartType::Text(t) | PartType::Html(t) => t.to_string(),
            _ => String::from_utf8_lossy(part.contents()).into_owned(),
        };
        Some(text.replace("\r\n", "\n"))
    }
}

/// The parts of a message that are not multipart, depth first.
fn leaves<'m>(message: &'m Message<'m>) -> impl Iterator<Item = &'m MessagePart<'m>> {
    message
        .parts
        .iter()
        .filter(|p| !matches!(p.body, PartType::Multipart(_)))
}

/// (type, subtype) lowercased; `text/plain` when absent.
fn content_type(part: &MessagePart<'_>) -> (String, String) {
    part.content_type().map_or_else(
        || ("text".into(), "plain".into()),
        |ct| {
            (
                ct.ctype().to_ascii_lowercase(),
                ct.subtype().unwrap_or_default().to_ascii_lowercase(),
            )
        },
    )
}

fn is_attachment(part: &MessagePart<'_>) -> bool {
    part.content_disposition()
        .is_some_and(|d| d.is_attachment())
        || part.attachment_name().is_some()
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

    /// Base64 in lines of 76 characters, as in a MIME body.
    fn base64_body(bytes: &[u8]) -> String {
        use base64::Engine;
        let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
        let lines: Vec<&str> = encoded
            .as_bytes()
            .chunks(76)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect();
        lines.join("\r\n")
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
        // Unfolded into one line (the parser turns the folding white space into one space).
        assert_eq!(m.header("x-folded").as_deref(), Some("one two"));
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
