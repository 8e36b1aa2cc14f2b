#!/usr/bin/env bash
# Scale: one large SQLite database (~3 GB, 5.8 M contacts: ~184,000 blocks of 16 KiB for dedup) and a small text
# file beside it, backed up by dedup and then restic. Per tool: first backup, unchanged re-backup, `snapshots`,
# restore of the small file alone, a day of changes (1 % of the rows updated at random, 0.2 % added; seeded, the
# same for both tools) backed up, `check`; wall seconds and peak RSS, and the repository's size in MB.
#   bench/sqlite-scale.sh [PATH/TO/dedup]      SIZE_GB=3 (0.5 for a quick try) BENCH_DIR=/var/tmp/dedup-sqlite-scale
# The database is generated once under $BENCH_DIR/gen (several minutes at 3 GB) and reused while SIZE_GB is the
# same; each tool backs up a fresh copy of it at the same path. Repositories and copies are deleted at the end.
set -u
bin=${1:-dedup}
size_gb=${SIZE_GB:-3}
dir=${BENCH_DIR:-/var/tmp/dedup-sqlite-scale}
export DEDUP_PASSWORD=bench RESTIC_PASSWORD=bench

# python3 -c "$py" gen DB SIZE_GB | change DB: a contacts table of an email-marketing platform, 4096-byte pages
py=$(cat <<'PY'
import json, os, random, sqlite3, sys, time
FIRST = ["Anna", "Ben", "Chloe", "David", "Emma", "Felix", "Grace", "Hugo", "Ines", "Jonas", "Lea", "Marc", "Nora", "Omar"]
LAST = ["Martin", "Bernard", "Dubois", "Smith", "Garcia", "Muller", "Rossi", "Jansen", "Novak", "Silva", "Kowalski"]
DOMAINS = ["gmail.com", "yahoo.fr", "outlook.com", "orange.fr", "web.de", "example.org", "proton.me", "free.fr"]
CITIES = ["Paris", "Lyon", "Berlin", "Madrid", "Lisbon", "Milan", "Brussels", "Amsterdam", "Warsaw", "Dublin"]
TAGS = ["vip", "newsletter", "black-friday", "churn-risk", "b2b", "trial", "webinar", "abandoned-cart", "loyal"]
STATUS = ["subscribed", "subscribed", "subscribed", "unsubscribed", "bounced", "pending"]
T0 = 1_600_000_000

def row(rnd, i, now):
    first, last = rnd.choice(FIRST), rnd.choice(LAST)
    attrs = {"city": rnd.choice(CITIES), "lang": rnd.choice(["fr", "en", "de", "es", "it"]),
             "plan": rnd.choice(["free", "starter", "pro", "enterprise"]), "orders": rnd.randint(0, 80),
             "lifetime_value": round(rnd.random() * 5000, 2), "tags": rnd.sample(TAGS, rnd.randint(0, 4)),
             "utm": {"source": rnd.choice(["google", "facebook", "partner", "organic"]), "campaign": f"c{rnd.randint(1, 900)}"},
             "consent": {"email": True, "sms": rnd.random() < 0.3, "at": now - rnd.randint(0, 10**7)},
             "custom": {f"field_{k}": f"{rnd.getrandbits(40):x}" for k in range(rnd.randint(2, 8))}}
    return (i, f"{first.lower()}.{last.lower()}{i}@{rnd.choice(DOMAINS)}", first, last, rnd.choice(STATUS),
            json.dumps(attrs, separators=(",", ":")), now - rnd.randint(10**6, 10**8), now, now - rnd.randint(0, 10**7))

INSERT = "INSERT INTO contacts VALUES (?,?,?,?,?,?,?,?,?)"
db = sqlite3.connect(sys.argv[2])
db.execute("PRAGMA cache_size=-524288")
db.execute("PRAGMA synchronous=OFF")
if sys.argv[1] == "gen":
    rnd, target, i = random.Random(20261202), float(sys.argv[3]) * 1e9, 0
    db.execute("PRAGMA page_size=4096")
    db.execute("CREATE TABLE contacts (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, first_name TEXT, last_name TEXT,"
               " status TEXT, attributes TEXT, created_at INTEGER, updated_at INTEGER, last_opened_at INTEGER)")
    db.execute("CREATE INDEX contacts_updated ON contacts(updated_at)")
    db.execute("CREATE INDEX contacts_status_opened ON contacts(status, last_opened_at)")
    while os.path.getsize(sys.argv[2]) < target:
        db.executemany(INSERT, [row(rnd, i + k, T0 + i + k) for k in range(1, 50001)])
        db.commit()
        i += 50000
else:
    n = db.execute("SELECT max(id) FROM contacts").fetchone()[0]
    rnd, now = random.Random(1), T0 + n + 86400
    for k in rnd.sample(range(1, n + 1), n // 100):
        _, _, _, _, status, attrs, _, _, opened = row(rnd, k, now)
        db.execute("UPDATE contacts SET status=?, attributes=?, updated_at=?, last_opened_at=? WHERE id=?",
                   (status, attrs, now, opened, k))
    db.executemany(INSERT, [row(rnd, n + k, now) for k in range(1, n // 500 + 1)])
    db.commit()
print(db.execute("SELECT count(*) FROM contacts").fetchone()[0], "rows,", os.path.getsize(sys.argv[2]), "bytes")
PY
)
step() {
  /usr/bin/time -f '%e s %M KB' -o "$dir/time.out" "$@" > /dev/null 2> "$dir/err.out" || { echo "FAILED: $*" >&2; tail -3 "$dir/err.out" >&2; }
  awk '{printf "%6.2f s %4d MiB", $1, $3 / 1024}' "$dir/time.out"
}
mb() { du -sb "$1" | awk '{printf "%.1f MB", $1 / 1e6}'; }

mkdir -p "$dir"
if [ "$(cat "$dir/gen.size_gb" 2> /dev/null)" != "$size_gb" ]; then
  rm -rf "$dir/gen" && mkdir -p "$dir/gen" && start=$(date +%s)
  python3 -c "$py" gen "$dir/gen/contacts.db" "$size_gb" || exit 1
  seq 1 200 | sed 's/^/campaign notes, line /' > "$dir/gen/notes.txt"
  echo "$size_gb" > "$dir/gen.size_gb"
  echo "generated in $(( $(date +%s) - start )) s"
fi

declare -A r
src=$dir/src
for tool in dedup restic; do
  start=$(date +%s) repo=$dir/repo-$tool
  rm -rf "$repo" "$src" "$dir/out" && cp -a "$dir/gen" "$src" && sync
  if [ $tool = restic ]; then
    run=(restic -r "$repo") restore=(--include "$src/notes.txt")
  else
    run=(env DEDUP_REPO="$repo" "$bin") restore=("$src/notes.txt")
  fi
  "${run[@]}" init > /dev/null
  r[$tool,first]=$(step "${run[@]}" backup "$src")
  r[$tool,first_size]=$(mb "$repo")
  r[$tool,unchanged]=$(step "${run[@]}" backup "$src")
  r[$tool,snapshots]=$(step "${run[@]}" snapshots)
  r[$tool,restore]=$(step "${run[@]}" restore latest --target "$dir/out" "${restore[@]}")
  cmp "$dir/out$src/notes.txt" "$src/notes.txt" && [ ! -e "$dir/out$src/contacts.db" ] || echo "$tool: restore of notes.txt WRONG" >&2
  before=$(du -sb "$repo" | cut -f1)
  python3 -c "$py" change "$src/contacts.db" > /dev/null && sync
  r[$tool,day]=$(step "${run[@]}" backup "$src")
  r[$tool,growth]=$(du -sb "$repo" | awk -v b="$before" '{printf "%.1f MB", ($1 - b) / 1e6}')
  r[$tool,check]=$(step "${run[@]}" check)
  r[$tool,size]=$(mb "$repo")
  echo "$tool: $(( $(date +%s) - start )) s in all"
done

echo "database: $(mb "$dir/gen/contacts.db") (SIZE_GB=$size_gb); $("$bin" version | head -1), $(restic version | cut -d' ' -f1-2)" 2> /dev/null
printf '%-26s %-20s %s\n' step dedup restic
for s in "first backup:first" "unchanged re-backup:unchanged" snapshots:snapshots "restore the small file:restore" \
         "backup after the day:day" check:check "repository, first backup:first_size" "growth after the day:growth" \
         "repository at the end:size"; do
  printf '%-26s %-20s %s\n' "${s%%:*}" "${r[dedup,${s#*:}]}" "${r[restic,${s#*:}]}"
done
rm -rf "$dir"/repo-* "$src" "$dir/out" "$dir/time.out" "$dir/err.out"
