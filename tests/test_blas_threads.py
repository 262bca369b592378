"""The BLAS thread policy: one thread for small products, the free cores for large ones."""
import os
import subprocess
import sys
import time

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

import gradstep
from gradstep.ops.blas_threads import CHECK_EVERY, SMALL_PRODUCT, blas_threads, by_size_alone


def test_a_small_product_runs_on_one_thread_and_a_large_one_gets_the_threads_back():
    with threadpool_limits(2):
        small = gradstep.ones(4, 8) @ gradstep.ones(8, 3)
        assert blas_threads() == 1
        side = int(np.ceil(SMALL_PRODUCT ** (1 / 3))) + 1
        large = gradstep.ones(side, side) @ gradstep.ones(side, side)
        assert blas_threads() == 2
    assert small.tolist() == [[8.0] * 3] * 4 and large[0, 0].item() == side


def test_linear_layers_follow_the_policy_forward_and_backward():
    layer = gradstep.nn.Linear(8, 3)
    with threadpool_limits(2):
        layer(gradstep.ones(5, 8)).sum().backward()
        assert blas_threads() == 1
    assert layer.weight.grad.shape == (3, 8)


@pytest.mark.parametrize("setting, expected", [("1", "1"), ("2", "2"), ("auto", "1"), ("many", "GRADSTEP_BLAS_THREADS")])
def test_the_environment_variable_fixes_the_count(setting, expected):
    code = ("import gradstep; from gradstep.ops.blas_threads import blas_threads; "
            "gradstep.ones(4, 8) @ gradstep.ones(8, 3); print(blas_threads())")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env={"GRADSTEP_BLAS_THREADS": setting, "OPENBLAS_NUM_THREADS": "2", "PATH": ""})
    assert expected in result.stdout + result.stderr


_SPIN = "import os, sys\nparent = int(sys.argv[1])\nwhile os.getppid() == parent:\n    pass\n"


@pytest.mark.skipif(not os.path.exists("/proc/stat") or (os.cpu_count() or 1) < 2, reason="needs /proc/stat and 2 cores")
def test_a_large_product_leaves_the_cores_that_other_programs_keep_busy():
    side = int(np.ceil(SMALL_PRODUCT ** (1 / 3))) + 1
    a = gradstep.ones(side, side)
    cores = os.cpu_count()
    spinners = [subprocess.Popen([sys.executable, "-c", _SPIN, str(os.getpid())]) for _ in range(cores - 1)]
    try:
        with threadpool_limits(cores):
            a @ a
            time.sleep(3 * CHECK_EVERY)  # one look at the load covers the spinners alone
            a @ a
            assert blas_threads() == 1
            with by_size_alone():  # the shape alone decides: every thread
                a @ a
                assert blas_threads() == cores
    finally:
        for spinner in spinners:
            spinner.kill()
            spinner.wait()


_PINNED_SPIN = "import os, sys\nos.sched_setaffinity(0, {int(sys.argv[2])})\nparent = int(sys.argv[1])\nwhile os.getppid() == parent:\n    pass\n"


@pytest.mark.skipif(not os.path.exists("/proc/stat") or len(getattr(os, "sched_getaffinity", lambda _: ())(0)) < 2,
                    reason="needs /proc/stat and 2 cores this process may use")
def test_only_the_load_on_the_cores_this_process_may_use_counts():
    from gradstep.ops.blas_threads import BusyCores

    mine, other = sorted(os.sched_getaffinity(0))[:2]
    spinner = subprocess.Popen([sys.executable, "-c", _PINNED_SPIN, str(os.getpid()), str(other)])
    try:
        time.sleep(0.5)  # the spinner starts and pins itself
        watch_mine, watch_all = BusyCores(frozenset({mine})), BusyCores()
        time.sleep(3 * CHECK_EVERY)
        assert watch_all.now() >= 0.6  # the spinner keeps a whole core busy
        assert watch_mine.now() < watch_all.now() - 0.5  # but not this one
    finally:
        spinner.kill()
        spinner.wait()


@pytest.mark.parametrize("files, expected", [
    ({"cpu.max": "150000 100000\n"}, 1.5),  # cgroup v2: --cpus=1.5
    ({"cpu.max": "max 100000\n"}, None),  # v2, no quota
    ({"cpu/cpu.cfs_quota_us": "200000\n", "cpu/cpu.cfs_period_us": "100000\n"}, 2.0),  # cgroup v1
    ({"cpu/cpu.cfs_quota_us": "-1\n", "cpu/cpu.cfs_period_us": "100000\n"}, None),  # v1, no quota
    ({"cpu.max": "lots\n"}, None),  # unreadable: no quota assumed
    ({}, None),  # no control groups
])
def test_a_containers_cpu_quota_is_read_from_either_cgroup_version(tmp_path, files, expected):
    from gradstep.ops.blas_threads import cpu_quota

    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    assert cpu_quota(str(tmp_path)) == expected


def test_a_large_product_uses_no_more_threads_than_the_quota_grants(tmp_path):
    (tmp_path / "cpu.max").write_text("120000 100000\n")  # 1.2 cores: one whole core
    side = int(np.ceil(SMALL_PRODUCT ** (1 / 3))) + 1
    code = ("import sys; import gradstep; from gradstep.ops import blas_threads as policy\n"
            "policy.CGROUP_ROOT = sys.argv[1]\n"
            f"a = gradstep.ones({side}, {side})\n"
            "with policy.by_size_alone():\n"
            "    a @ a\n"
            "print(policy.blas_threads())")
    outside = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True,
                             env={**os.environ, "OPENBLAS_NUM_THREADS": "2", "GRADSTEP_BLAS_THREADS": "auto"})
    assert outside.stdout.split() == ["1"], outside.stderr
