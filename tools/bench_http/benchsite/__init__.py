"""The Django project both contenders run under: one settings module, switched by BENCH_CONTENDER."""
