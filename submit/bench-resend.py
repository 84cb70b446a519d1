#!/usr/bin/env python3
"""Re-sends of events a table already holds, for the incremental cases of submit/bench.sh.

    submit/bench-resend.py INPUT_DIR OUT_FILE COUNT VERSION_RATE SEED

Samples COUNT records with an event_id and a timestamp from the JSON-lines files of INPUT_DIR (the input the table
was built from), and writes them to OUT_FILE as one JSON-lines file: most as they were (re-deliveries), VERSION_RATE
of them as newer versions, their timestamp moved 1 to 60 days later so that most land in another partition.
"""
import datetime
import gzip
import json
import os
import random
import sys


def records(folder):
    for name in sorted(os.listdir(folder)):
        if name.startswith(".") or name.startswith("_"):
            continue
        path = os.path.join(folder, name)
        opener = gzip.open if name.endswith(".gz") else open
        with opener(path, "rt", encoding="utf-8", errors="replace") as lines:
            for line in lines:
                try:
                    doc = json.loads(line)
                except ValueError:
                    continue
                if isinstance(doc, dict) and doc.get("event_id") and isinstance(doc.get("timestamp"), str):
                    yield line


def later(timestamp, rnd):
    try:
        parsed = datetime.datetime.strptime(timestamp[:19], "%Y-%m-%dT%H:%M:%S")
    except ValueError:
        return None
    moved = parsed + datetime.timedelta(days=rnd.randint(1, 60), seconds=rnd.randint(0, 86399))
    return moved.strftime("%Y-%m-%dT%H:%M:%SZ")


def main(argv):
    if len(argv) != 6:
        sys.exit(__doc__)
    folder, out, count, rate, seed = argv[1], argv[2], int(argv[3]), float(argv[4]), int(argv[5])
    rnd = random.Random(seed)
    sample = []
    seen = 0
    for line in records(folder):
        seen += 1
        if len(sample) < count:
            sample.append(line)
        else:
            slot = rnd.randrange(seen)
            if slot < count:
                sample[slot] = line
    versions = 0
    with open(out, "w", encoding="utf-8") as target:
        for line in sample:
            doc = json.loads(line)
            moved = later(doc["timestamp"], rnd) if rnd.random() < rate else None
            if moved is None:
                target.write(line if line.endswith("\n") else line + "\n")
                continue
            doc["timestamp"] = moved
            data = doc.get("data")
            doc["data"] = dict(data, resent_version=2) if isinstance(data, dict) else {"resent_version": 2}
            versions += 1
            target.write(json.dumps(doc, ensure_ascii=False) + "\n")
    print(f"{len(sample)} re-sends sampled from {seen} records of {folder}, {versions} of them newer versions")


if __name__ == "__main__":
    main(sys.argv)
