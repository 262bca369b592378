"""Run `gradstep` as torchrun starts it, then write this process's final weights to OUT/rank<RANK>.safetensors.

    torchrun --nproc-per-node 2 rank_weights_driver.py OUT gradstep-arguments...

Only process 0 writes the run's folder; this lets a test see every process's weights.
"""
import os
import sys
from pathlib import Path

from safetensors.numpy import save_file

from gradstep.cli import main
from gradstep.train import run as run_module
from gradstep.train.distributed import unwrap

out, arguments = Path(sys.argv[1]), sys.argv[2:]
trained = {}
real_fit = run_module.fit


def fit_remembering_the_model(model, *args, **kwargs):
    trained["model"] = model
    return real_fit(model, *args, **kwargs)


run_module.fit = fit_remembering_the_model
code = main(arguments)
state = unwrap(trained["model"]).state_dict()
save_file({name: value.detach().cpu().numpy() for name, value in state.items()},
          out / f"rank{os.environ['RANK']}.safetensors")
sys.exit(code)
