#!/usr/bin/env python3
"""Hostile load against a running kongress (issue 11), reporting its RSS from /proc/PID/status.

    bench/hostile.py BASE_URL PID [SLUG]

(a) 40 parallel 16 MB multipart posts without a cookie (half with Content-Length, half chunked),
(b) 20 concurrent logins with wrong passwords,
(c) 30,000 fuzz-ish requests (GET and POST, random paths, parameters and bodies, 16 at a time),
then RSS every 10 s for 60 s. Standard library only; run through bench/hostile.sh.
"""

import http.client
import os
import random
import re
import sys
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

BASE = sys.argv[1]
PID = int(sys.argv[2])
SLUG = sys.argv[3] if len(sys.argv) > 3 else "smart-city-2027"
HOST = urllib.parse.urlparse(BASE).hostname
PORT = urllib.parse.urlparse(BASE).port
MB = 1024 * 1024


def rss_kib():
    with open(f"/proc/{PID}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class Peak:
    """Samples RSS every 20 ms while a phase runs."""

    def __enter__(self):
        self.peak = rss_kib()
        self.running = True
        self.thread = threading.Thread(target=self.sample, daemon=True)
        self.thread.start()
        return self

    def sample(self):
        while self.running:
            self.peak = max(self.peak, rss_kib())
            time.sleep(0.02)

    def __exit__(self, *exc):
        self.running = False
        self.thread.join()


def mib(kib):
    return f"{kib / 1024:6.1f} MiB"


def conn():
    return http.client.HTTPConnection(HOST, PORT, timeout=30)


def big_post(i, payload):
    """One 16 MB multipart post without a cookie; returns the status or the error's name."""
    path = random.choice([f"/{SLUG}/register", f"/admin/{SLUG}/import", "/x/y", "/admin/login"])
    c = conn()
    headers = {"Content-Type": "multipart/form-data; boundary=b0undary"}
    try:
        if i % 2 == 0:
            c.request("POST", path, body=payload, headers=headers)
        else:
            chunks = (payload[o : o + 256 * 1024] for o in range(0, len(payload), 256 * 1024))
            c.request("POST", path, body=chunks, headers=headers, encode_chunked=True)
        r = c.getresponse()
        r.read()
        return r.status
    except OSError as e:
        return type(e).__name__
    finally:
        c.close()


def csrf_session():
    """A CSRF cookie and token from the login page."""
    c = conn()
    c.request("GET", "/admin/login")
    r = c.getresponse()
    body = r.read().decode()
    cookie = r.getheader("Set-Cookie", "").split(";")[0]
    token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', body).group(1)
    c.close()
    return cookie, token


def wrong_login(i):
    cookie, token = csrf_session()
    form = urllib.parse.urlencode(
        {"csrf_token": token, "email": f"nobody{i}@example.org", "password": "wrong password " * 2}
    )
    c = conn()
    c.request(
        "POST",
        "/admin/login",
        body=form,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
    )
    r = c.getresponse()
    r.read()
    c.close()
    return r.status


WORDS = ["program", "speakers", "sessions", "register", "schedule.xml", "schedule.json",
         "schedule.ics", "changelog", "admin", "api", "r", "speaker", "static", "%00", "..", "%C3%BC"]
PAGES = ["/", f"/{SLUG}", f"/{SLUG}/program", f"/{SLUG}/speakers", f"/{SLUG}/schedule.xml",
         f"/{SLUG}/schedule.json", f"/{SLUG}/schedule.ics", f"/{SLUG}/register", f"/{SLUG}/changelog",
         "/api/v1/congresses", f"/api/v1/congresses/{SLUG}", "/admin/login", "/speaker/login",
         "/healthz", "/static/kongress.css"]


def random_path():
    if random.random() < 0.5:
        return random.choice(PAGES)
    return "/" + "/".join(random.choice(WORDS + [SLUG, str(random.randint(0, 10**6))])
                          for _ in range(random.randint(1, 4)))


def random_query():
    keys = ["day", "track", "lang", "next", "q", "status", "csrf_token", "page", "x" * 50]
    vals = ["1", "2", "en", "de", "-1", "%27", "a" * random.randint(0, 2000), "/admin", "ü"]
    return urllib.parse.urlencode(
        [(random.choice(keys), random.choice(vals)) for _ in range(random.randint(0, 5))]
    )


def random_body():
    kind = random.random()
    size = random.choice([0, 10, 1000, 20_000, 100_000, 300_000])
    junk = os.urandom(size // 2).hex()
    if kind < 0.5:
        fields = {"first_name": junk[:200], "email": "a@b.c", "organization": junk,
                  "csrf_token": "0" * 64, "category": "1", "days": "1"}
        return "application/x-www-form-urlencoded", urllib.parse.urlencode(fields).encode()
    if kind < 0.8:
        return "application/json", ('{"title":"%s"}' % junk).encode()
    return "multipart/form-data; boundary=q", (
        b"--q\r\nContent-Disposition: form-data; name=\"file\"; filename=\"s.json\"\r\n\r\n"
        + junk.encode() + b"\r\n--q--\r\n"
    )


def fuzz_worker(n, token_cookie):
    cookie, token = token_cookie
    c = conn()
    counts = {}
    for _ in range(n):
        path = random_path()
        q = random_query()
        url = path + ("?" + q if q else "")
        headers = {}
        if random.random() < 0.5:
            headers["Cookie"] = cookie + ("; kongress_session=forged" if random.random() < 0.3 else "")
        if random.random() < 0.3:
            headers["Accept-Language"] = random.choice(["en", "de", "fr;q=0.1", "*"])
        try:
            if random.random() < 0.6:
                c.request("GET", url, headers=headers)
            else:
                ctype, body = random_body()
                headers["Content-Type"] = ctype
                if random.random() < 0.5:
                    headers["X-CSRF-Token"] = token
                if path.startswith("/api/") and random.random() < 0.5:
                    headers["Authorization"] = "Bearer " + os.urandom(16).hex()
                c.request(random.choice(["POST", "POST", "PUT", "DELETE"]), url, body=body,
                          headers=headers)
            r = c.getresponse()
            r.read()
            counts[r.status] = counts.get(r.status, 0) + 1
            if r.getheader("Connection", "").lower() == "close":
                c.close()
                c = conn()
        except (OSError, http.client.HTTPException) as e:
            counts[type(e).__name__] = counts.get(type(e).__name__, 0) + 1
            c.close()
            c = conn()
    c.close()
    return counts


def merge(results):
    total = {}
    for r in results:
        for k, v in r.items():
            total[k] = total.get(k, 0) + v
    return dict(sorted(total.items(), key=lambda kv: str(kv[0])))


def main():
    print(f"RSS after start:          {mib(rss_kib())}")

    payload = (b"--b0undary\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x\"\r\n\r\n"
               + b"A" * (16 * MB - 200) + b"\r\n--b0undary--\r\n")
    t = time.time()
    with Peak() as p, ThreadPoolExecutor(40) as ex:
        statuses = list(ex.map(lambda i: big_post(i, payload), range(40)))
    print(f"(a) 40 x 16 MB posts:     peak {mib(p.peak)}, after {mib(rss_kib())}, "
          f"{time.time() - t:.1f} s, answers {merge([{s: 1} for s in statuses])}")

    t = time.time()
    with Peak() as p, ThreadPoolExecutor(20) as ex:
        statuses = list(ex.map(wrong_login, range(20)))
    print(f"(b) 20 wrong logins:      peak {mib(p.peak)}, after {mib(rss_kib())}, "
          f"{time.time() - t:.1f} s, answers {merge([{s: 1} for s in statuses])}")

    t = time.time()
    tc = csrf_session()
    with Peak() as p, ThreadPoolExecutor(16) as ex:
        results = list(ex.map(lambda _: fuzz_worker(30_000 // 16, tc), range(16)))
    print(f"(c) 30,000 fuzz requests: peak {mib(p.peak)}, after {mib(rss_kib())}, "
          f"{time.time() - t:.1f} s, answers {merge(results)}")

    samples = []
    for _ in range(6):
        time.sleep(10)
        samples.append(mib(rss_kib()).strip())
    print(f"RSS every 10 s after:     {', '.join(samples)}")
    print(f"RSS 60 s after:           {mib(rss_kib())}")


main()
