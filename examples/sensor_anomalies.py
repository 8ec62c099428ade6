"""Rolling z-score anomaly flags on sensor time series.

Three temperature sensors report about once a minute, at irregular times and
with gaps, around a level that drifts and follows a daily cycle. A reading is
flagged when it lies more than 5 standard deviations from the readings of the
*previous* hour of the same sensor: ``rolling_zscore_by("ts", "1h",
lag=True).over("sensor")``. With ``lag=True`` each reading is compared with
a window that ends just before it, so a spike cannot inflate the spread it is
measured against, and nothing from the future is used (the flags could be
computed live, one reading at a time).

    python examples/sensor_anomalies.py
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import polars as pl

import polars_norm  # noqa: F401  (registers the `norm` namespace)

rng = np.random.default_rng(3)
start = datetime(2026, 3, 1)
frames = []
injected = []
for k, sensor in enumerate(["boiler", "intake", "exhaust"]):
    n = 8_000  # about 5.5 days of readings
    gaps = rng.exponential(60.0, n).clip(5.0)  # seconds between readings
    gaps[rng.choice(n, 5, replace=False)] += 3600.0  # a few outages of over an hour
    t = np.cumsum(gaps)
    level = 20.0 + 15.0 * k + np.cumsum(rng.normal(0, 0.01, n))  # slow drift
    daily = 3.0 * np.sin(2 * np.pi * t / 86_400)
    value = level + daily + rng.normal(0, 0.2, n)
    spikes = rng.choice(np.arange(200, n), 6, replace=False)
    value[spikes] += rng.choice([-1, 1], 6) * rng.uniform(3.0, 6.0, 6)  # 15-30 standard deviations
    ts = [start + timedelta(seconds=float(s)) for s in t]
    frames.append(pl.DataFrame({"sensor": sensor, "ts": ts, "temp": value}))
    injected += [(sensor, ts[i]) for i in spikes]

readings = pl.concat(frames).with_columns(pl.col("ts").dt.cast_time_unit("us"))
print(
    readings.group_by("sensor", maintain_order=True).agg(
        pl.len().alias("readings"), first=pl.col("ts").min(), last=pl.col("ts").max()
    )
)

flagged = (
    readings.lazy()
    .with_columns(
        z=pl.col("temp").norm.rolling_zscore_by("ts", "1h", min_samples=20, lag=True).over("sensor"),
    )
    .with_columns(anomaly=pl.col("z").abs() > 5.0)
    .collect()
)

alerts = flagged.filter("anomaly").sort("sensor", "ts")
print(f"\n{len(alerts)} anomalies flagged among {len(flagged):,} readings:")
print(alerts.with_columns(pl.col("z").round(1), pl.col("temp").round(2)))

# Sanity: every injected spike is flagged, and (almost) nothing else is.
truth = pl.DataFrame(injected, schema=["sensor", "ts"], orient="row").with_columns(pl.col("ts").dt.cast_time_unit("us"))
caught = truth.join(alerts, on=["sensor", "ts"], how="semi")
false_alarms = alerts.join(truth, on=["sensor", "ts"], how="anti")
print(f"caught {len(caught)} of {len(truth)} injected spikes; {len(false_alarms)} other readings flagged")
assert len(caught) == len(truth), truth.join(caught, on=["sensor", "ts"], how="anti")
assert len(false_alarms) <= 3
# readings with fewer than 20 others in the previous hour (the start, after outages) get no score
assert flagged["z"].null_count() > 0
print("ok: every spike flagged, no false alarms to speak of")
