// tmpl.cc — the only C++ in Holdpoint: ctemplate behind the C API of tmpl.h.
// No exception may cross into C, so every entry point catches everything.
#include "tmpl.h"
extern "C" {
#include "util.h"
}
#include <ctemplate/template.h>
#include <ctemplate/template_dictionary.h>
#include <string>
#include <cstdio>
#include <sys/stat.h>

using ctemplate::TemplateDictionary;

#include <cstring>
#include <vector>
#include <unordered_map>
#include <cstdint>

// A C handle around a ctemplate dictionary.  Section and include dictionaries
// are owned by ctemplate's parent dictionary; their small C wrappers are
// handed out by the root wrapper from blocks of its own (a list page has hundreds:
// one allocation each was a malloc and a free per row) and freed with it.
struct tmpl_dict { TemplateDictionary *d; bool root; };

namespace {
struct RootDict;
struct ChildDict : tmpl_dict { RootDict *rootp; };
const size_t KIDS_PER_BLOCK = 64;
struct RootDict : tmpl_dict {
  std::vector<ChildDict*> blocks;
  size_t used = KIDS_PER_BLOCK;               // wrappers handed out from the last block
};

// ctemplate hands escaped values over one character at a time (its HTML escaper calls
// Emit(char) for every plain character): the emitter gathers them in a block of its own
// and passes whole blocks to the caller's function, instead of one call per character.
class BufEmitter : public ctemplate::ExpandEmitter {
 public:
  BufEmitter(tmpl_emit_fn fn, void *ctx) : fn_(fn), ctx_(ctx), rc_(0), n_(0) {}
  void Emit(char c) override {
    if( n_==sizeof(block_) ) Flush();
    block_[n_++] = c;
  }
  void Emit(const std::string &s) override { Emit(s.data(), s.size()); }
  void Emit(const char *s) override { Emit(s, strlen(s)); }
  void Emit(const char *s, size_t n) override {
    if( n<=sizeof(block_) - n_ ){ memcpy(block_ + n_, s, n); n_ += n; return; }
    Flush();
    if( n<sizeof(block_) ){ memcpy(block_, s, n); n_ = n; return; }
    if( rc_==0 ) rc_ = fn_(ctx_, s, n);
  }
  int rc(){ Flush(); return rc_; }        // after the expansion: the last block, and the result
 private:
  void Flush(){
    if( n_ && rc_==0 ) rc_ = fn_(ctx_, block_, n_);
    n_ = 0;
  }
  tmpl_emit_fn fn_;
  void *ctx_;
  int rc_;
  size_t n_;
  char block_[8192];
};

// Variable and section names as ctemplate wants them: a TemplateString made from a plain
// char* computes its hash and registers it in ctemplate's global id map, under a lock, on
// every call — a tenth of a busy list page.  Each distinct name is registered once here (a
// StaticTemplateString over a copy that lives as long as the process, its id computed by
// StaticTemplateStringInitializer) and found again by the address of the caller's text
// (nearly always a string literal), checked against the copy.  The addresses live in an
// open-addressed table (linear probing, filled to at most half), so that two literals never
// push each other out; a buffer whose text changes keeps its slot and the slot follows it.
struct KeyHint { const char *addr; const ctemplate::StaticTemplateString *sts; };
const unsigned KEY_SLOT_BITS = 12;
const size_t KEY_SLOTS = size_t(1) << KEY_SLOT_BITS;
KeyHint key_hints[KEY_SLOTS];
size_t key_hints_used;
std::unordered_map<std::string, ctemplate::StaticTemplateString*> *key_names;
const size_t KEY_NAMES_MAX = 8192;      // past this, names are passed as they are (correct, slower)

ctemplate::TemplateString key_of(const char *k){
  size_t i = size_t((uint64_t(reinterpret_cast<uintptr_t>(k)) * 0x9E3779B97F4A7C15ull) >> (64 - KEY_SLOT_BITS));
  while( key_hints[i].addr!=nullptr && key_hints[i].addr!=k ) i = (i + 1) & (KEY_SLOTS - 1);
  KeyHint &h = key_hints[i];
  if( h.addr==k && strcmp(h.sts->do_not_use_directly_.ptr_, k)==0 ) return ctemplate::TemplateString(*h.sts);
  if( key_names==nullptr ) key_names = new std::unordered_map<std::string, ctemplate::StaticTemplateString*>();
  auto it = key_names->find(k);
  ctemplate::StaticTemplateString *sts;
  if( it!=key_names->end() ){
    sts = it->second;
  }else{
    if( key_names->size()>=KEY_NAMES_MAX ) return ctemplate::TemplateString(k);
    size_t n = strlen(k);
    char *copy = new char[n + 1];
    memcpy(copy, k, n + 1);
    sts = new ctemplate::StaticTemplateString{ { copy, n, ctemplate::kIllegalTemplateId } };
    ctemplate::StaticTemplateStringInitializer init(sts);
    key_names->emplace(std::string(copy, n), sts);
  }
  if( h.addr==k ) h.sts = sts;
  else if( key_hints_used<KEY_SLOTS/2 ){
    h.addr = k;
    h.sts = sts;
    key_hints_used++;
  }
  return ctemplate::TemplateString(*sts);
}
}  // namespace

extern "C" int tmpl_init(const char *template_dir){
  try{
    struct stat st;
    if( stat(template_dir, &st)!=0 || !S_ISDIR(st.st_mode) ) return -1;
    ctemplate::mutable_default_template_cache()->SetTemplateRootDirectory(template_dir);
    return 0;
  }catch(...){
    return -1;
  }
}

extern "C" tmpl_dict *tmpl_dict_new(const char *name){
  try{
    RootDict *r = new RootDict();
    r->d = new TemplateDictionary(name ? name : "page");
    r->root = true;
    return r;
  }catch(...){
    return nullptr;
  }
}

namespace {
RootDict *root_of(tmpl_dict *d){
  if( d->root ) return static_cast<RootDict*>(d);
  return static_cast<ChildDict*>(d)->rootp;
}
tmpl_dict *wrap_child(tmpl_dict *parent, TemplateDictionary *child){
  RootDict *r = root_of(parent);
  if( r->used==KIDS_PER_BLOCK ){
    r->blocks.reserve(r->blocks.size() + 1);  // may throw: nothing allocated yet
    r->blocks.push_back(new ChildDict[KIDS_PER_BLOCK]);
    r->used = 0;
  }
  ChildDict *c = &r->blocks.back()[r->used++];
  c->d = child;
  c->root = false;
  c->rootp = r;
  return c;
}
}  // namespace

extern "C" void tmpl_dict_free(tmpl_dict *d){
  if( d==nullptr || !d->root ) return;
  try{
    RootDict *r = static_cast<RootDict*>(d);
    for(ChildDict *b : r->blocks) delete[] b;
    delete r->d;
    delete r;
  }catch(...){
  }
}

extern "C" void tmpl_set(tmpl_dict *d, const char *key, const char *value){
  if( d==nullptr || key==nullptr ) return;
  try{ d->d->SetValue(key_of(key), value ? value : ""); }catch(...){}
}

extern "C" void tmpl_set_int(tmpl_dict *d, const char *key, int64_t v){
  char z[UTIL_I64_MAX];
  util_i64_text(v, z);
  tmpl_set(d, key, z);
}

extern "C" void tmpl_set_global(tmpl_dict *d, const char *key, const char *value){
  if( d==nullptr || key==nullptr ) return;
  try{ d->d->SetTemplateGlobalValue(key, value ? value : ""); }catch(...){}
}

extern "C" tmpl_dict *tmpl_section(tmpl_dict *d, const char *section){
  if( d==nullptr || section==nullptr ) return nullptr;
  try{
    return wrap_child(d, d->d->AddSectionDictionary(key_of(section)));
  }catch(...){
    return nullptr;
  }
}

extern "C" void tmpl_show(tmpl_dict *d, const char *section){
  if( d==nullptr || section==nullptr ) return;
  try{ d->d->ShowSection(key_of(section)); }catch(...){}
}

extern "C" tmpl_dict *tmpl_include(tmpl_dict *d, const char *marker, const char *filename){
  if( d==nullptr || marker==nullptr || filename==nullptr ) return nullptr;
  try{
    TemplateDictionary *c = d->d->AddIncludeDictionary(marker);
    c->SetFilename(filename);
    return wrap_child(d, c);
  }catch(...){
    return nullptr;
  }
}

extern "C" int tmpl_expand(const char *filename, const tmpl_dict *d, tmpl_emit_fn emit, void *ctx){
  if( filename==nullptr || d==nullptr || emit==nullptr ) return -1;
  try{
    BufEmitter out(emit, ctx);
    bool ok = ctemplate::mutable_default_template_cache()->ExpandWithData(
        filename, ctemplate::STRIP_BLANK_LINES, d->d, nullptr, &out);
    if( !ok ) return -1;
    return out.rc();
  }catch(...){
    return -1;
  }
}

extern "C" int tmpl_expand_string(const char *cache_key, const char *text, const tmpl_dict *d,
                                  tmpl_emit_fn emit, void *ctx){
  if( cache_key==nullptr || text==nullptr || d==nullptr || emit==nullptr ) return -1;
  try{
    ctemplate::TemplateCache *tc = ctemplate::mutable_default_template_cache();
    tc->Delete(cache_key);
    if( !tc->StringToTemplateCache(cache_key, text, strlen(text), ctemplate::DO_NOT_STRIP) ) return -1;
    BufEmitter out(emit, ctx);
    bool ok = tc->ExpandWithData(cache_key, ctemplate::DO_NOT_STRIP, d->d, nullptr, &out);
    tc->Delete(cache_key);
    if( !ok ) return -1;
    return out.rc();
  }catch(...){
    return -1;
  }
}
