/* jobs.h — the job runner: a lease so one server fires timers, and the periodic tick. */
#ifndef HP_JOBS_H
#define HP_JOBS_H
#include <stdint.h>
struct app;
int jobs_acquire_lease(struct app *app, const char *holder, int64_t now, int64_t ttl_ms); /* 1 held */
void jobs_tick(struct app *app);
void jobs_release(struct app *app);
#endif
