"""The pandas peer of `recut bench data`: read a user,item,timestamp CSV, factorize the ids,
order each user's events by time (ties by file order), and cut leave-one-out sequences.
Prints one JSON line with the seconds of each stage and the peak RSS."""
import json, resource, sys, time
import numpy as np
import pandas as pd

path = sys.argv[1]
t0 = time.perf_counter()
df = pd.read_csv(path)
t1 = time.perf_counter()
users, _ = pd.factorize(df["user_id"])
items, _ = pd.factorize(df["item_id"])
df = pd.DataFrame({"user": users, "item": items + 1, "timestamp": df["timestamp"].to_numpy()})
df = df.sort_values(["user", "timestamp"], kind="stable")
sizes = df.groupby("user", sort=True).size().to_numpy()
t2 = time.perf_counter()
position = df.groupby("user", sort=False).cumcount().to_numpy()
length = np.repeat(sizes, sizes)
test = df["item"].to_numpy()[position == length - 1]
validation = df["item"].to_numpy()[position == length - 2]
train_events = int((position < length - 2).sum())
t3 = time.perf_counter()
print(json.dumps({
    "tool": "pandas " + pd.__version__, "events": len(df), "users": len(sizes),
    "read_s": round(t1 - t0, 3), "preprocess_s": round(t2 - t1, 3), "split_s": round(t3 - t2, 3),
    "total_s": round(t3 - t0, 3), "train_events": train_events, "test_cases": len(test),
    "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
}))
