"""Benchmark runners behind ``olp bench``. Each module has ``add_arguments(parser)`` and ``run(args) -> int``
and keeps heavy imports inside ``run`` so that ``olp --help`` stays fast."""
