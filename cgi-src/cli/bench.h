/* bench.h — a large data set for `make bench`: many releases, activities and audit rows. */
#ifndef HP_BENCH_H
#define HP_BENCH_H
struct app;
int bench_seed(struct app *a, int releases, int audit_rows);   /* exit status */
#endif
