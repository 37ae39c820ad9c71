/* holdctl_upload.h — `holdctl upload`: send one evidence file to an activity's field. */
#ifndef HP_HOLDCTL_UPLOAD_H
#define HP_HOLDCTL_UPLOAD_H
/* Returns holdctl's exit code: 0 uploaded, 1 refused by the server, 3 usage or connection problems. */
int holdctl_upload(const char *base_url, const char *token, const char *activity, const char *field,
                   const char *path);
#endif
