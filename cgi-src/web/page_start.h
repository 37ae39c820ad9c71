/* page_start.h — start a release from the browser. */
#ifndef HP_PAGE_START_H
#define HP_PAGE_START_H
struct req;
int page_release_new(struct req *r);      /* GET  /releases/new[?template=NAME] */
int page_release_start(struct req *r);    /* POST /releases */
#endif
