/* doctor.h — holdpoint doctor: check an installation and say what to fix (doctor.c). */
#ifndef HP_DOCTOR_H
#define HP_DOCTOR_H
struct app;
/* Print one line per check ("ok", "warn" or "FAIL" with what to do); 0 when nothing failed, else 1. */
int doctor_run(struct app *a);
#endif
