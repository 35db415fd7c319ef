"""The benchmark's --quick run, so it never rots. It asserts what it found, never how fast."""

from __future__ import annotations

import json
import os
import subprocess
import sys


def test_the_quick_benchmark_runs_end_to_end(server_url, tmp_path):
    # when
    run = subprocess.run(
        [sys.executable, "-m", "bench.run", "--quick", "--out", str(tmp_path)],
        env={**os.environ, "JOURNEYGRAPH_DATABASE_URL": server_url},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )

    # then it reports every measurement, and the retry storm changed nothing
    assert run.returncode == 0, run.stderr[-3000:]
    results = json.loads((tmp_path / "results.json").read_text())
    [scale] = results["runs"]
    for operation in ("canvas", "canvas_c4", "canvas_counts", "two_windows", "hourly_31d", "by_ids_20"):
        assert scale[operation]["p50"] > 0
    assert scale["naive_ms"] > 0
    ingestion = scale["ingestion"]
    assert ingestion["first_pass"] == {"accepted": ingestion["events"], "duplicates": 0, "rejected": 0}
    assert ingestion["retry_storm"] == {"accepted": 0, "duplicates": ingestion["events"], "rejected": 0}
    assert ingestion["figures_unchanged_by_storm"] is True
    assert "| canvas, all fields, c=1 |" in (tmp_path / "results.md").read_text()
