#!/usr/bin/env python3
"""The numpy baseline of issue 3: deadline arithmetic only, for 100,000 open disputes.

Stage deadline (Nth working day after the stage began, N = 5 + paused + extension), statutory
deadline (20 + paused working days after raising) and working days left to each, with the
England and Wales bank holidays, vectorised with busday_offset / busday_count.
Compare with: .build/release/drwatch-bench engine   (same disputes' shape, now = 2026-11-25 09:00)
"""
import time
import numpy as np

HOLIDAYS = np.array([
    "2025-01-01", "2025-04-18", "2025-04-21", "2025-05-05", "2025-05-26", "2025-08-25", "2025-12-25", "2025-12-26",
    "2026-01-01", "2026-04-03", "2026-04-06", "2026-05-04", "2026-05-25", "2026-08-31", "2026-12-25", "2026-12-28",
    "2027-01-01", "2027-03-26", "2027-03-29", "2027-05-03", "2027-05-31", "2027-08-30", "2027-12-27", "2027-12-28",
], dtype="datetime64[D]")
N = 100_000

rng = np.random.default_rng(42)
today = np.datetime64("2026-11-25")
raised = today - rng.integers(1, 41, N).astype("timedelta64[D]")
stage_start = raised + rng.integers(0, 10, N).astype("timedelta64[D]")
paused = np.where(rng.integers(0, 10, N) == 0, 3, 0)
extension = np.where(rng.integers(0, 10, N) == 1, 2, 0)
cal = np.busdaycalendar(holidays=HOLIDAYS)


def run():
    # "within N working days of D": the Nth working day strictly after D (roll back, then add N)
    stage = np.busday_offset(stage_start, 5 + paused + extension, roll="backward", busdaycal=cal)
    statutory = np.busday_offset(raised, 20 + paused, roll="backward", busdaycal=cal)
    # elapsed working days d with today < d <= deadline (negative when overdue)
    stage_left = np.busday_count(today + 1, stage + 1, busdaycal=cal)
    statutory_left = np.busday_count(today + 1, statutory + 1, busdaycal=cal)
    return stage, statutory, stage_left, statutory_left


best = float("inf")
for _ in range(7):
    t = time.perf_counter()
    out = run()
    best = min(best, time.perf_counter() - t)
print(f"numpy busday: {N} disputes in {best * 1000:.1f} ms (best of 7; stage + statutory deadline, days left to each); "
      f"checksum {int(out[2].sum() + out[3].sum())}")
