/* seed.h — the demo data that `make run` loads on first start. */
#ifndef HP_SEED_H
#define HP_SEED_H
struct app;
int seed_demo(struct app *a);     /* exit status: 0 ok (also when already seeded), 1 failure */
#define SEED_PASSWORD "holdpoint-demo"
#endif
