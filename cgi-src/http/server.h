/* server.h — holdpoint serve: master, request workers, job runner. */
#ifndef HP_SERVER_H
#define HP_SERVER_H
struct app;
int server_run(struct app *app);          /* returns the exit status */
int server_open_worker_state(struct app *app);  /* db, templates, libmagic: after fork() */
/* After libmagic looked at a file: its database's pages leave the worker's resident memory
   (they stay in the page cache; the next look maps them again).  Safe: the mapping is read-only. */
void server_magic_release(struct app *app);
void server_close_worker_state(struct app *app);
int server_ensure_dirs(struct app *app);  /* data directory layout */
#endif
