#!/usr/bin/env python3
"""Seeded generators of the benchmark data sets and their "one day of changes".

  generate.py create DIR     data set a (~1 GB): SQLite databases, thousands of small text/HTML files,
                             large incompressible files, a copy of a real third-party tree
  generate.py mutate DIR     one day of changes: ~1% of contact rows updated, metrics appended,
                             templates edited/added/removed, a log appended
  generate.py create-b DIR   data set b (~1.2 GB), another mix: a larger contacts database and an events
                             database updated at random pages, 30,000 small JSON/YAML files in a tree six
                             levels deep, metrics as CSV, media, a copy of the Python standard library
  generate.py mutate-b DIR   its day: 2% of contacts and events rows rewritten in place at random, rows
                             deleted, small files edited/added/removed all over the tree, CSVs appended

The same seed gives the same bytes (except the copied third-party tree, which is whatever
/usr/share/dotnet/shared holds on the machine)."""
import os, random, shutil, sqlite3, sys

SEED = 20261129


def contacts_db(path, rng, rows):
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=DELETE")
    db.execute("CREATE TABLE contacts (id INTEGER PRIMARY KEY, email TEXT, name TEXT, company TEXT,"
               " opted_in INTEGER, score REAL, notes TEXT)")
    db.execute("CREATE INDEX contacts_email ON contacts(email)")
    words = ["alpha", "beta", "gamma", "delta", "omega", "marketing", "sales", "lead", "vip", "newsletter"]
    batch = []
    for i in range(rows):
        batch.append((i, f"user{i}@{rng.choice(words)}.example.com", f"Name {rng.getrandbits(32):x}",
                      rng.choice(words).title() + " Ltd", i % 2, rng.random() * 100,
                      " ".join(rng.choice(words) for _ in range(rng.randint(3, 25)))))
        if len(batch) == 10000:
            db.executemany("INSERT INTO contacts VALUES (?,?,?,?,?,?,?)", batch)
            batch.clear()
    db.executemany("INSERT INTO contacts VALUES (?,?,?,?,?,?,?)", batch)
    db.commit()
    db.close()


def metrics_db(path, rng, rows):
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE metrics (ts INTEGER, campaign INTEGER, sent INTEGER, opened INTEGER, clicked INTEGER)")
    db.executemany("INSERT INTO metrics VALUES (?,?,?,?,?)",
                   ((1_700_000_000 + i * 60, rng.randint(1, 500), rng.randint(0, 10000), rng.randint(0, 5000),
                     rng.randint(0, 1000)) for i in range(rows)))
    db.commit()
    db.close()


def template(rng, n):
    paragraphs = "\n".join(
        f"<p>{' '.join(rng.choice(['Hello', '{{name}}', 'offer', 'discount', 'today', 'only', 'click', 'here', 'unsubscribe', 'news']) for _ in range(rng.randint(20, 120)))}</p>"
        for _ in range(rng.randint(5, 40)))
    return f"<!doctype html>\n<html><head><title>Template {n}</title></head>\n<body>\n{paragraphs}\n</body></html>\n"


def create(root):
    rng = random.Random(SEED)
    os.makedirs(root, exist_ok=True)
    os.makedirs(f"{root}/db", exist_ok=True)
    contacts_db(f"{root}/db/contacts.db", rng, 1_600_000)
    metrics_db(f"{root}/db/metrics.db", rng, 1_500_000)
    for n in range(6000):
        d = f"{root}/templates/{n % 60:02d}"
        os.makedirs(d, exist_ok=True)
        with open(f"{d}/template-{n}.html", "w") as f:
            f.write(template(rng, n))
    os.makedirs(f"{root}/scripts", exist_ok=True)
    for n in range(400):
        with open(f"{root}/scripts/job-{n}.sh", "w") as f:
            f.write("#!/bin/sh\n" + "".join(f"echo step {i} of job {n}\n" for i in range(rng.randint(5, 200))))
    os.makedirs(f"{root}/media", exist_ok=True)
    for n in range(3):
        with open(f"{root}/media/archive-{n}.bin", "wb") as f:
            for _ in range(100):
                f.write(rng.randbytes(1 << 20))
    with open(f"{root}/app.log", "w") as f:
        for i in range(200_000):
            f.write(f"2026-11-01T00:00:{i % 60:02d}Z INFO sent campaign={i % 500} to={i}@example.com\n")
    shutil.copytree("/usr/share/dotnet/shared", f"{root}/thirdparty", symlinks=True)


def mutate(root):
    rng = random.Random(SEED + 1)
    db = sqlite3.connect(f"{root}/db/contacts.db")
    count = db.execute("SELECT max(id) FROM contacts").fetchone()[0]
    for _ in range(count // 100):
        db.execute("UPDATE contacts SET opted_in = 1 - opted_in, score = ? WHERE id = ?", (rng.random(), rng.randint(0, count)))
    for i in range(2000):
        db.execute("INSERT INTO contacts (id, email, name, company, opted_in, score, notes) VALUES (?,?,?,?,?,?,?)",
                   (count + 1 + i, f"new{i}@example.com", "New", "New Ltd", 1, 0.0, "signed up today"))
    db.commit()
    db.close()
    db = sqlite3.connect(f"{root}/db/metrics.db")
    db.executemany("INSERT INTO metrics VALUES (?,?,?,?,?)",
                   ((1_800_000_000 + i * 60, rng.randint(1, 500), 1, 1, 1) for i in range(1440)))
    db.commit()
    db.close()
    templates = sorted(os.path.join(d, f) for d, _, fs in os.walk(f"{root}/templates") for f in fs)
    for path in rng.sample(templates, 50):
        with open(path, "a") as f:
            f.write("<!-- edited -->\n")
    for path in rng.sample(templates, 10):
        os.remove(path)
    for n in range(20):
        with open(f"{root}/templates/00/new-{n}.html", "w") as f:
            f.write(template(rng, 100000 + n))
    with open(f"{root}/app.log", "a") as f:
        for i in range(20_000):
            f.write(f"2026-11-02T00:00:{i % 60:02d}Z INFO sent campaign={i % 500} to={i}@example.com\n")


def events_db(path, rng, rows):
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=DELETE")
    db.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, contact INTEGER, kind TEXT, at INTEGER, payload BLOB)")
    db.execute("CREATE INDEX events_contact ON events(contact)")
    kinds = ["sent", "opened", "clicked", "bounced", "unsubscribed"]
    db.executemany("INSERT INTO events VALUES (?,?,?,?,?)",
                   ((i, rng.randint(0, 2_000_000), rng.choice(kinds), 1_700_000_000 + i, rng.randbytes(rng.randint(8, 120)))
                    for i in range(rows)))
    db.commit()
    db.close()


def small_file(rng, n):
    if n % 2:
        return "{\n" + ",\n".join(f'  "step{i}": {{"action": "{rng.choice(["send", "wait", "branch", "tag"])}", "delay": {rng.randint(0, 86400)}}}'
                                   for i in range(rng.randint(2, 60))) + "\n}\n"
    return "".join(f"key{i}: {rng.choice(['on', 'off', 'daily', 'weekly'])} # {rng.getrandbits(24):x}\n" for i in range(rng.randint(3, 80)))


def create_b(root):
    rng = random.Random(SEED + 2)
    os.makedirs(f"{root}/db", exist_ok=True)
    contacts_db(f"{root}/db/contacts.db", rng, 2_400_000)
    events_db(f"{root}/db/events.db", rng, 1_200_000)
    for n in range(30_000):
        d = f"{root}/automations/" + "/".join(f"l{(n >> shift) % 6}" for shift in (2, 5, 8, 11, 14, 17))
        os.makedirs(d, exist_ok=True)
        with open(f"{d}/flow-{n}.{'json' if n % 2 else 'yaml'}", "w") as f:
            f.write(small_file(rng, n))
    os.makedirs(f"{root}/metrics", exist_ok=True)
    for day in range(60):
        with open(f"{root}/metrics/day-{day:03d}.csv", "w") as f:
            f.write("ts,campaign,sent,opened,clicked\n")
            f.writelines(f"{1_700_000_000 + day * 86400 + i * 60},{rng.randint(1, 500)},{rng.randint(0, 9999)},{rng.randint(0, 5000)},{rng.randint(0, 999)}\n"
                         for i in range(1440 * 3))
    os.makedirs(f"{root}/media", exist_ok=True)
    for n in range(2):
        with open(f"{root}/media/video-{n}.bin", "wb") as f:
            for _ in range(60):
                f.write(rng.randbytes(1 << 20))
    shutil.copytree(f"/usr/lib/python3.{sys.version_info.minor}", f"{root}/thirdparty",
                    symlinks=True, ignore=shutil.ignore_patterns("__pycache__", "site-packages", "dist-packages", "config-3.*"))  # config-3.*: a link out of the tree


def mutate_b(root):
    rng = random.Random(SEED + 3)
    for name, table, column in (("contacts", "contacts", "notes"), ("events", "events", "kind")):
        db = sqlite3.connect(f"{root}/db/{name}.db")
        count = db.execute(f"SELECT max(id) FROM {table}").fetchone()[0]
        for _ in range(count // 50):
            db.execute(f"UPDATE {table} SET {column} = ? WHERE id = ?", (f"changed {rng.getrandbits(40):x}", rng.randint(0, count)))
        db.execute(f"DELETE FROM {table} WHERE id % 997 = ?", (rng.randint(0, 996),))
        db.commit()
        db.close()
    files = sorted(os.path.join(d, f) for d, _, fs in os.walk(f"{root}/automations") for f in fs)
    for path in rng.sample(files, 600):
        with open(path, "a") as f:
            f.write(small_file(rng, 1))
    for path in rng.sample(files, 100):
        os.remove(path)
    for n in range(300):
        d = f"{root}/automations/l{n % 6}/new"
        os.makedirs(d, exist_ok=True)
        with open(f"{d}/flow-new-{n}.json", "w") as f:
            f.write(small_file(rng, 2 * n + 1))
    for path in sorted(os.listdir(f"{root}/metrics"))[-5:]:
        with open(f"{root}/metrics/{path}", "a") as f:
            f.writelines(f"{1_800_000_000 + i * 60},1,1,1,1\n" for i in range(1440))


if __name__ == "__main__":
    commands = {"create": create, "mutate": mutate, "create-b": create_b, "mutate-b": mutate_b}
    if len(sys.argv) != 3 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    commands[sys.argv[1]](sys.argv[2])
