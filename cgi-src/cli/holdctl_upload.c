/* holdctl_upload.c — `holdctl upload ACTIVITY FIELD FILE`: send evidence through the API (libcurl mime). */
#include "holdctl_upload.h"
#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define HOLDCTL_UPLOAD_REPLY_MAX (64*1024)   /* bytes of the server's answer kept */

/* The server's answer, bounded. */
struct holdctl_upload_reply {
  char *z;
  size_t n;
};

static size_t holdctl_upload_collect(char *p, size_t size, size_t nmemb, void *ctx){
  struct holdctl_upload_reply *b = ctx;
  size_t n = size*nmemb;
  size_t room = HOLDCTL_UPLOAD_REPLY_MAX - b->n;
  size_t take = n < room ? n : room;
  if( take ){
    char *z = realloc(b->z, b->n + take + 1);
    if( z==NULL ) return 0;
    memcpy(z + b->n, p, take);
    b->z = z;
    b->n += take;
    z[b->n] = 0;
  }
  return n;
}

/* 1 when z is a positive decimal id (at most 18 digits, no leading zero). */
static int holdctl_upload_id_ok(const char *z){
  size_t n = strlen(z);
  if( n==0 || n>18 || z[0]=='0' ) return 0;
  for(size_t i=0; i<n; i++) if( z[i]<'0' || z[i]>'9' ) return 0;
  return 1;
}

/*
** Upload the file at path as evidence for field of activity (its numeric
** id) with POST {base_url}/api/v1/activities/{activity}/evidence, as
** multipart/form-data parts "field" and "file" (streamed from disk by
** libcurl, never read into memory here).  On success prints
** "uploaded NAME (TYPE, SIZE bytes) sha256 HASH" and returns 0.  When the
** server refuses (4xx/5xx), prints its JSON error message to stderr and
** returns 1.  Usage, file and connection problems return 3.
*/
int holdctl_upload(const char *base_url, const char *token, const char *activity, const char *field,
                   const char *path){
  int rc = 3;
  CURL *c = NULL;
  curl_mime *mime = NULL;
  struct curl_slist *hdrs = NULL;
  struct holdctl_upload_reply reply = { NULL, 0 };
  char url[2048], auth[600];
  struct stat st;
  if( base_url==NULL || base_url[0]==0 || token==NULL || token[0]==0 ){
    fputs("holdctl upload: set HOLDPOINT_URL and HOLDPOINT_TOKEN\n", stderr);
    return 3;
  }
  if( activity==NULL || !holdctl_upload_id_ok(activity) ){
    fputs("holdctl upload: ACTIVITY must be an activity id (a number)\n", stderr);
    return 3;
  }
  if( field==NULL || field[0]==0 || path==NULL ){
    fputs("usage: holdctl upload ACTIVITY FIELD FILE\n", stderr);
    return 3;
  }
  if( stat(path, &st)!=0 || !S_ISREG(st.st_mode) ){
    fprintf(stderr, "holdctl upload: %s is not a readable file\n", path);
    return 3;
  }
  size_t nb = strlen(base_url);
  while( nb>0 && base_url[nb-1]=='/' ) nb--;
  if( snprintf(url, sizeof(url), "%.*s/api/v1/activities/%s/evidence", (int)nb, base_url, activity)
        >=(int)sizeof(url)
   || snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token)>=(int)sizeof(auth)
   || strpbrk(token, "\r\n") ){
    fputs("holdctl upload: HOLDPOINT_URL or HOLDPOINT_TOKEN is not usable\n", stderr);
    return 3;
  }
  c = curl_easy_init();
  if( c==NULL ) goto out;
  mime = curl_mime_init(c);
  curl_mimepart *part = curl_mime_addpart(mime);
  if( part==NULL || curl_mime_name(part, "field") || curl_mime_data(part, field, CURL_ZERO_TERMINATED) ) goto out;
  part = curl_mime_addpart(mime);
  if( part==NULL || curl_mime_name(part, "file") || curl_mime_filedata(part, path) ){
    fprintf(stderr, "holdctl upload: cannot read %s\n", path);
    goto out;
  }
  hdrs = curl_slist_append(NULL, auth);
  hdrs = curl_slist_append(hdrs, "Accept: application/json");
  if( hdrs==NULL ) goto out;
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
  curl_easy_setopt(c, CURLOPT_MIMEPOST, mime);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "holdctl");
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, holdctl_upload_collect);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &reply);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  CURLcode cc = curl_easy_perform(c);
  if( cc!=CURLE_OK ){
    fprintf(stderr, "holdctl upload: %s\n", curl_easy_strerror(cc));
    goto out;
  }
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  json_t *j = reply.z ? json_loadb(reply.z, reply.n, 0, NULL) : NULL;
  if( status>=200 && status<300 ){
    json_t *e = json_object_get(j, "evidence");
    const char *name = json_string_value(json_object_get(e, "name"));
    const char *type = json_string_value(json_object_get(e, "type"));
    const char *sha = json_string_value(json_object_get(e, "sha256"));
    json_int_t size = json_integer_value(json_object_get(e, "size"));
    printf("uploaded %s (%s, %lld bytes) sha256 %s\n", name ? name : path, type ? type : "?",
           (long long)size, sha ? sha : "?");
    rc = 0;
  }else{
    const char *msg = json_string_value(json_object_get(json_object_get(j, "error"), "message"));
    fprintf(stderr, "holdctl upload: refused (%ld): %s\n", status,
            msg ? msg : "the server gave no reason");
    rc = 1;
  }
  json_decref(j);
out:
  if( rc==3 && c==NULL ) fputs("holdctl upload: cannot start libcurl\n", stderr);
  curl_slist_free_all(hdrs);
  curl_mime_free(mime);
  if( c ) curl_easy_cleanup(c);
  free(reply.z);
  return rc;
}
