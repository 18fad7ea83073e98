import os

# tiny torch networks run faster on one thread, and two test workers then do not fight over cores
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
