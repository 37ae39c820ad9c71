/* page_windows.h — the administrators' page of change windows and freezes. */
#ifndef HP_PAGE_WINDOWS_H
#define HP_PAGE_WINDOWS_H
struct req;
int page_admin_windows(struct req *r);
int page_admin_window_add(struct req *r);
int page_admin_window_remove(struct req *r);
int page_admin_freeze_add(struct req *r);
int page_admin_freeze_end(struct req *r);
#endif
