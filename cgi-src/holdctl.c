/* holdctl.c — the pipeline client (in progress: commands arrive with the release API). */
#include <stdio.h>
int main(void){
  fputs("usage: holdctl trigger|status|result|wait|approve|reject|upload ...\n", stderr);
  return 2;
}
