"""Job functions for rq_jobs.py; rq imports them by module name."""


def add(a, b):
    return a + b


def fail():
    raise ValueError("meant to fail")
