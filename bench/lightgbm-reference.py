"""LightGBM's own figures for the measures `npm run bench` takes, on this machine (optional; not run by CI).

`npm run bench` shows the figures the speed issue quotes for LightGBM ("LightGBM 4.6 (issue)"). This script measures
the same things with the LightGBM library itself, through its C API (ctypes), and `npm run bench` shows its last
results too ("LightGBM measured"), so that both can be compared on one machine at one time:

    pip install lightgbm numpy        # any LightGBM 4.x
    npm run bench:lightgbm            # one thread; add -- --threads 2 for two

For `large` and `adult_binary` (test/fixtures/golden): model load from text (LGBM_BoosterLoadModelFromString),
batch raw scores (LGBM_BoosterPredictForMat), one row per call (LGBM_BoosterPredictForMatSingleRowFast) and SHAP
contributions; medians after a warm-up, each run's time its wall time or, when less, the process's CPU time (as
bench/support/timing.ts). It also checks that LightGBM gives the fixtures' raw scores bit for bit. One row per call
includes ctypes' cost of a call, printed alongside. Prints a table and writes bench/lightgbm-results.json.
"""

import argparse
import ctypes
import gzip
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "test" / "fixtures" / "golden"
# (case, rows for SHAP): as bench/scoring.bench.ts
MODELS = [("large", 10), ("adult_binary", 500)]

PREDICT_RAW = 1
PREDICT_CONTRIB = 3
FLOAT64 = 1


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1, help="LightGBM's threads (default 1)")
    return parser.parse_args()


args = parse_args()
# OpenMP reads this when the library loads: model loading has no num_threads parameter
os.environ["OMP_NUM_THREADS"] = str(args.threads)
try:
    import numpy as np
    import lightgbm
    from lightgbm.basic import _LIB
except ImportError as error:
    sys.exit(f"lightgbm-reference: needs numpy and lightgbm ({error}); install them with: pip install lightgbm numpy")


def read_text(case, name):
    plain = FIXTURES / case / name
    if plain.exists():
        return plain.read_text()
    with gzip.open(f"{plain}.gz", "rt") as file:
        return file.read()


def read_matrix(case, name, header):
    text = read_text(case, name)
    lines = text.splitlines()[1 if header else 0 :]
    rows = [[float(value) if value != "" else float("nan") for value in line.split(",")] for line in lines if line]
    return np.ascontiguousarray(np.array(rows, dtype=np.float64))


def check(status):
    if status != 0:
        raise RuntimeError(_LIB.LGBM_GetLastError().decode())


def seconds(run, repetitions, warmups=1):
    """Median of `repetitions` runs after `warmups`: wall time, or the process's CPU time when less."""
    for _ in range(warmups):
        run()
    times = []
    for _ in range(repetitions):
        wall, cpu = time.perf_counter(), time.process_time()
        run()
        times.append(min(time.perf_counter() - wall, time.process_time() - cpu))
    return statistics.median(times)


def pointer(array):
    return array.ctypes.data_as(ctypes.POINTER(ctypes.c_double))


def measure(case, shap_rows, threads):
    text = read_text(case, "model.txt").encode()
    X = read_matrix(case, "X.csv", header=True)
    num_rows, num_features = X.shape
    parameters = ctypes.c_char_p(f"num_threads={threads}".encode())
    out_length = ctypes.c_int64()

    def load():
        handle, iterations = ctypes.c_void_p(), ctypes.c_int()
        check(_LIB.LGBM_BoosterLoadModelFromString(ctypes.c_char_p(text), ctypes.byref(iterations), ctypes.byref(handle)))
        return handle

    heavy = len(text) > 1_000_000
    load_ms = seconds(lambda: check(_LIB.LGBM_BoosterFree(load())), 7 if heavy else 50) * 1000
    booster = load()
    num_class = ctypes.c_int()
    check(_LIB.LGBM_BoosterGetNumClasses(booster, ctypes.byref(num_class)))

    def predict(rows, kind, out):
        check(
            _LIB.LGBM_BoosterPredictForMat(
                booster, rows.ctypes.data_as(ctypes.c_void_p), FLOAT64, ctypes.c_int32(rows.shape[0]),
                ctypes.c_int32(num_features), 1, kind, 0, -1, parameters, ctypes.byref(out_length), pointer(out),
            )
        )

    raw = np.zeros(num_rows * num_class.value)
    batch = seconds(lambda: predict(X, PREDICT_RAW, raw), 9)
    expected = read_matrix(case, "raw.txt", header=False).reshape(-1)
    exact = bool(np.array_equal(raw.view(np.uint64), expected.view(np.uint64)))

    fast = ctypes.c_void_p()
    check(
        _LIB.LGBM_BoosterPredictForMatSingleRowFastInit(
            booster, PREDICT_RAW, 0, -1, FLOAT64, ctypes.c_int32(num_features), parameters, ctypes.byref(fast)
        )
    )
    one = np.zeros(num_class.value)
    rows = [X[i].ctypes.data_as(ctypes.c_void_p) for i in range(num_rows)]
    single_row = _LIB.LGBM_BoosterPredictForMatSingleRowFast
    out_pointer, one_pointer = ctypes.byref(out_length), pointer(one)

    def one_row_per_call():
        for row in rows:
            single_row(fast, row, out_pointer, one_pointer)

    one_row = seconds(one_row_per_call, 5)
    # what ctypes itself costs a call: the same loop around a function that does nothing
    last_error = _LIB.LGBM_GetLastError
    call_us = seconds(lambda: [last_error() for _ in rows], 5) / num_rows * 1e6
    check(_LIB.LGBM_FastConfigFree(fast))

    shap_input = np.ascontiguousarray(X[:shap_rows])
    contributions = np.zeros(shap_rows * num_class.value * (num_features + 1))
    shap = seconds(lambda: predict(shap_input, PREDICT_CONTRIB, contributions), 5 if heavy else 9)
    check(_LIB.LGBM_BoosterFree(booster))
    return {
        "model": case,
        "loadMs": round(load_ms, 2),
        "batch": round(num_rows / batch),
        "oneRow": round(num_rows / one_row),
        "ctypesCallMicroseconds": round(call_us, 3),
        "shap": round(shap_rows / shap, 1),
        "shapRows": shap_rows,
        "rawScoresExact": exact,
    }


def main():
    results = [measure(case, shap_rows, args.threads) for case, shap_rows in MODELS]
    print(f"\nLightGBM {lightgbm.__version__} (C API via ctypes), {args.threads} thread(s), {platform.processor() or platform.machine()}\n")
    print("| model | load, ms | batch raw, rows/s | one row per call, rows/s | SHAP, rows/s | raw scores equal raw.txt |")
    print("| --- | ---: | ---: | ---: | ---: | --- |")
    for r in results:
        print(
            f"| {r['model']} | {r['loadMs']} | {r['batch']:,} | {r['oneRow']:,} (ctypes {r['ctypesCallMicroseconds']} µs a call) "
            f"| {r['shap']:,} ({r['shapRows']} rows) | {'bit for bit' if r['rawScoresExact'] else 'NO'} |"
        )
    record = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "lightgbm": lightgbm.__version__,
        "threads": args.threads,
        "machine": {"cpu": platform.processor() or platform.machine(), "cpus": os.cpu_count(), "python": platform.python_version()},
        "notes": "Medians after warm-up; a run's time is its wall time or, when less, the process's CPU time. One row per call includes ctypes' cost of a call.",
        "figures": results,
    }
    (ROOT / "bench" / "lightgbm-results.json").write_text(json.dumps(record, indent=2) + "\n")


if __name__ == "__main__":
    main()
