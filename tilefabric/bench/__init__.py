"""`tilefabric bench`: the model zoo on a chip, T10 plans against the virtual-global-memory
baseline and the roofline, with compile/simulate scaling over chip sizes.

One job per module: `matrix` (which models, batches, targets and strategies run), `worker`
(one model in its own process), `runner` (runs the matrix, isolates failures, progress bar),
`records` (result records and results.json), `table` (results.md), `plots` (PNGs).
"""
