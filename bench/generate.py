#!/usr/bin/env python3
"""Seeded generator of the benchmark data set (~1 GB) and its "one day of changes".

  generate.py create DIR   mixed data: SQLite databases, thousands of small text/HTML files,
                           large incompressible files, a copy of a real third-party tree
  generate.py mutate DIR   one day of changes: ~1% of contact rows updated, metrics appended,
                           templates edited/added/removed, a log appended

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


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("create", "mutate"):
        sys.exit(__doc__)
    (create if sys.argv[1] == "create" else mutate)(sys.argv[2])
