import os
import threading
import time

from grader.sandbox import uids
from grader.sandbox.uids import allocate_uid


def test_concurrent_runs_never_share_a_uid(tmp_path, monkeypatch):
    monkeypatch.setattr(uids, "LOCK_DIR", tmp_path)
    held, lock = [], threading.Lock()
    clash = []

    def worker():
        for _ in range(50):
            with allocate_uid(5_000_000, size=20) as uid:
                with lock:
                    if uid in held:
                        clash.append(uid)
                    held.append(uid)
                time.sleep(0.0005)
                with lock:
                    held.remove(uid)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert clash == [] and list(tmp_path.iterdir()) == []


def test_stale_lock_of_a_crashed_grader_is_taken_over(tmp_path, monkeypatch):
    monkeypatch.setattr(uids, "LOCK_DIR", tmp_path)
    stale = tmp_path / "5000000"
    stale.write_text("12345")
    os.utime(stale, (time.time() - 7200, time.time() - 7200))
    with allocate_uid(5_000_000, size=1) as uid:
        assert uid == 5_000_000
