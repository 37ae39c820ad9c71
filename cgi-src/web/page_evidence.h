/* page_evidence.h — evidence over HTTP: uploads, the list of a round's files, downloads (page_evidence.c). */
#ifndef HP_PAGE_EVIDENCE_H
#define HP_PAGE_EVIDENCE_H
#include <stdint.h>
#include "req.h"
#include "evidence.h"
#include "multipart.h"
#include <limits.h>

struct inputs_field;
struct evp_md_ctx_st;

/*
** One file streaming in from a multipart body, shared by the single upload
** below and the activity's one form (page_submit.c): opened when its part
** begins, written and hashed as it streams, checked and stored after the
** body.  status/why hold a refusal in words that name the file.
*/
struct evidence_upfile {
  const struct inputs_field *field;  /* the file field it is for (NULL until known) */
  const char *raw_name;              /* filename= as sent (arena) */
  char name[EVIDENCE_NAME_BUF];      /* sanitised */
  int fd;
  char tmp[PATH_MAX];
  struct evp_md_ctx_st *md;
  int64_t size, limit;
  char mime[128], sha[65], rel[128];
  int done, stored;
  int status;                        /* 0, or the HTTP status of a refusal */
  const char *why;
};
void page_evidence_file_init(struct evidence_upfile *f);
int page_evidence_file_open(struct req *r, struct evidence_upfile *f, const struct inputs_field *field,
                            const char *filename);
int page_evidence_file_data(struct req *r, struct evidence_upfile *f, const char *data, size_t len);
int page_evidence_file_end(struct evidence_upfile *f);
void page_evidence_file_check(struct req *r, struct evidence_upfile *f);
int page_evidence_file_store(struct req *r, struct evidence_upfile *f);
void page_evidence_file_cleanup(struct evidence_upfile *f);
/*
** Read the whole body from FastCGI, feeding the parser p (NULL: discard),
** to the end even after a refusal so that the connection stays in step.
** The parser's result (MP_DONE when the closing boundary was seen), or
** MP_ERR_TRUNCATED when the body ends early.
*/
int page_evidence_read_body(struct req *r, struct mp_parser *p);

/*
** The activity's one form (multipart/form-data, browser): "csrf" first, then
** text parts (they become r->form: the fields f_<key>, the decision, the
** comment, ...) and file inputs named f_<key> for the activity's file fields;
** a file input with no file chosen is skipped.  Each file streams to a temp
** file and is hashed; a file over its field's limit is marked refused (413)
** and the rest of the form still counts.  Nothing is checked further or
** stored here.  Returns 0; HP_FORBIDDEN with *csrf_reason (answer with
** router_csrf_refuse); or an HTTP status with *why for a form that cannot
** be read (temp files are then removed).
*/
#define EVIDENCE_FORM_FILES 16
struct evidence_form {
  struct evidence_upfile files[EVIDENCE_FORM_FILES];
  int nfiles;
};
int page_evidence_read_form(struct req *r, struct inputs_field *fields, size_t nfields,
                            struct evidence_form *out, const char **why, const char **csrf_reason);
void page_evidence_form_cleanup(struct evidence_form *form);    /* the temp files left */

/* POST /activities/{id}/evidence — browser upload.  Route flags: AUTH | CSRF | RAWBODY. */
int page_evidence_upload(struct req *r);
/* POST /api/v1/activities/{id}/evidence — API upload (201 with the evidence).  API | RAWBODY. */
int page_evidence_api_upload(struct req *r);
/* GET /api/v1/activities/{id}/evidence — the activity's evidence as JSON.  API. */
int page_evidence_api_list(struct req *r);
/*
** GET /evidence/{id} (AUTH) and GET /api/v1/evidence/{id} (API) — download
** through nginx (X-Accel-Redirect to /_evidence/...).  Any signed-in person
** may download the evidence of any release: evidence is what approvers,
** QA, release managers and auditors are meant to read, and Holdpoint has
** no per-release visibility.  Every download is audited.
*/
int page_evidence_download(struct req *r);
#endif
