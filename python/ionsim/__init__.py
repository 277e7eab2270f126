"""ionsim: simulation of ionic neuromorphic hardware, from one memristor to networks.

The layers of the library, as in the command-line tool (docs/python.md):

- devices: ``Devices`` (a batch of memristors advanced by voltage arrays; ``sweep``,
  ``pulse``), ``fit``, ``presets``, ``models``, ``model_parameters``;
- circuits: ``circuit_run`` (a SPICE netlist's transient, traces as arrays);
- neurons: ``characterize`` (the 1M1T1R neuron through the paper's protocols),
  ``neuron_trials`` (trials of the compact neuron under one input);
- networks: ``Network`` (from a TOML file or dicts; ``run`` in chunks), ``network_toml``,
  ``read_recording`` (the spikes ``ionsim run`` recorded, also of a run stopped between
  checkpoints);
- spike-train statistics: ``train_statistics``, ``pair_distances``, ``analyze`` (a
  population from (times, ids) arrays);
- learning: ``learn`` (unsupervised STDP on digits or Fashion-MNIST, as ``ionsim learn``);
- NIR: ``NirGraph`` (a graph read once, run on inputs or batches), ``nir_run``,
  ``nir_export``, ``NirHardware`` (a graph mapped onto 1M1T1R neurons and crossbars).

Quantities are SI units (V, A, s, Ω, F, K) unless a docstring says otherwise. Input errors
raise ``InputError``, a ``ValueError``, with the command line's message; Ctrl-C raises
``KeyboardInterrupt``. The C++ code runs without the GIL.
"""

from ._core import (  # noqa: F401
    Devices,
    InputError,
    Network,
    NirGraph,
    NirHardware,
    RunError,
    analyze,
    characterize,
    circuit_run,
    fit,
    learn,
    model_parameters,
    models,
    network_toml,
    neuron_trials,
    nir_export,
    nir_run,
    pair_distances,
    presets,
    read_recording,
    train_statistics,
)

__all__ = [
    "Devices",
    "InputError",
    "Network",
    "NirGraph",
    "RunError",
    "analyze",
    "characterize",
    "circuit_run",
    "fit",
    "learn",
    "model_parameters",
    "models",
    "network_toml",
    "neuron_trials",
    "nir_export",
    "nir_run",
    "pair_distances",
    "presets",
    "read_recording",
    "train_statistics",
]
