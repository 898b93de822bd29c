/*
 * ffind's walk on real threads (compiled at run time by Bun's built-in TinyCC, see
 * compiled-walker.ts): a Bun Worker costs a VM and a JIT warm-up, more than a whole walk of a
 * few thousand directories; a pthread costs nothing. The threads share a stack of directories;
 * each opens its directory below the root's descriptor (openat2 RESOLVE_BENEATH | NO_SYMLINKS,
 * or one O_NOFOLLOW openat per component), reads it with getdents64, tests names as bytes and
 * hands matching paths to JavaScript in 64 KiB chunks (a queue JavaScript drains, bounded: the
 * threads wait when stdout is slow). Nothing here allocates per entry.
 *
 * No header is included and no library linked (-nostdlib): a host without libc's development
 * files has neither. libc's functions arrive as pointers (walker_setup), looked up by dlsym.
 * JavaScript owns the control block (struct control); the threads only write their counters and
 * flags into it under the lock.
 */

typedef unsigned long usize;
typedef long isize;
typedef unsigned long thread_id;

/* The libc functions used, in the order JavaScript passes them (compiled-walker.ts: libcFunctions). */
static struct {
  void *(*malloc)(usize);
  void (*free)(void *);
  int (*thread_create)(thread_id *, const void *, void *(*)(void *), void *);
  int (*thread_join)(thread_id, void **);
  int (*lock)(void *);
  int (*unlock)(void *);
  int (*wait)(void *, void *);
  int (*broadcast)(void *);
  long (*syscall)(long, long, long, long, long);
  int (*openat)(int, const char *, int, int);
  isize (*getdents64)(int, void *, usize);
  int (*statx)(int, const char *, int, unsigned, void *);
  int (*close)(int);
  int *(*errno_at)(void);
  void *(*realloc)(void *, usize);
  int (*unlinkat)(int, const char *, int);
} c;

/* Filled by JavaScript before walker_start; the same layout as compiled-walker.ts. */
struct control {
  int root_fd;
  int threads;
  int max_depth;
  int hidden;
  int type_mask;   /* kinds to report: 1 file, 2 dir, 4 symlink, 8 other */
  int print;       /* 0: count matches only; 1: hand their paths over */
  int separator;   /* byte after each path */
  int open_flags;  /* O_RDONLY | O_DIRECTORY | O_CLOEXEC (they differ by arch) */
  int nofollow;    /* O_NOFOLLOW, for the openat of each component (openat2 refuses symlinks itself) */
  int use_openat2; /* cleared when the kernel refuses openat2 */
  int glob_count;
  int prefix_len;  /* the root as given, and the "/" joinPath puts after it */
  int stop;        /* set by JavaScript: Ctrl-C, stdout closed */
  int done;        /* set by the last thread to finish */
  int out_of_memory; /* a malloc failed: the walk stopped, its answer is incomplete */
  int pad;
  double matched;
  double entries;
  double dirs;
  double errors;
  /* globs: per glob one kind byte (0 exact, 1 suffix, 2 prefix), one length byte, the bytes */
  unsigned char globs[4096];
  unsigned char prefix[4096];
  /* logclean's walk (clean.c); clean = 0 for ffind's */
  int clean;
  int dry_run;
  int cross_devices;
  int keep_newest;
  int exclude_count;
  unsigned root_dev_major; /* filled by clean_start */
  unsigned root_dev_minor;
  int pad2;
  double delete_before_ms; /* mtimes before this are deleted */
  double min_size;         /* -1: no --min-size */
  unsigned char excludes[4096]; /* as globs */
};

enum { KIND_FILE = 1, KIND_DIR = 2, KIND_LINK = 4, KIND_OTHER = 8 };
enum { DT_UNKNOWN = 0, DT_DIR = 4, DT_REG = 8, DT_LNK = 10 };
enum { ENOTDIR = 20, ENOSYS = 38, EPERM = 1, ELOOP = 40 };
/* Which call failed, in error records: compiled-walker.ts names it in the message. */
enum { OP_OPEN = 0, OP_OPENAT2 = 1, OP_GETDENTS = 2 };
enum { AT_SYMLINK_NOFOLLOW = 0x100, STATX_TYPE = 1, S_IFMT = 0170000, S_IFLNK = 0120000 };
enum { SYS_OPENAT2 = 437, PATH_MAX = 4096, DENTS_SIZE = 65536, CHUNK_SIZE = 65536 };
enum { MAX_QUEUED_CHUNKS = 4, MAX_THREADS = 64 }; /* 256 KiB ahead of stdout at most */

struct task {
  struct task *next;
  int depth;
  int len;
  char path[]; /* below the root, NUL-terminated ("" for the root itself) */
};

/* A run of output (paths and separators) or of error records (errno, length, path below root). */
struct chunk {
  struct chunk *next;
  usize len;
  usize cap;
  int is_error;
  int pad;
  unsigned char data[];
};

struct walk {
  long lock[8]; /* pthread_mutex_t (40 bytes on x86-64, 48 on arm64): zeroed = initialised */
  long more[8]; /* pthread_cond_t: a task was pushed or the walk ended */
  long room[8]; /* pthread_cond_t: JavaScript took a chunk */
  struct control *control;
  struct task *stack;
  int busy;
  int running;
  struct chunk *head;
  struct chunk *tail;
  int queued;
  int notified;
  void (*notify)(int);
  thread_id ids[MAX_THREADS];
  int started;
};

/* The logs of one directory as examined, for clean.c: names end to end, one record each. */
struct planned;
struct plan {
  struct planned *files;
  int count;
  int cap;
  char *names;
  usize names_len;
  usize names_cap;
};

struct thread {
  struct walk *walk;
  unsigned char *dents;
  struct chunk *out;
  struct chunk *errors;
  double matched, entries, dirs, errors_seen;
  struct plan plan; /* logclean: the current directory's logs (clean.c) */
};

static void copy(void *to, const void *from, usize n) {
  unsigned char *t = to;
  const unsigned char *f = from;
  for (usize i = 0; i < n; i++) t[i] = f[i];
}

static void zero(void *to, usize n) {
  unsigned char *t = to;
  for (usize i = 0; i < n; i++) t[i] = 0;
}

static usize name_length(const char *name) {
  usize n = 0;
  while (name[n]) n++;
  return n;
}

static int stopped(struct walk *w) {
  return *(volatile int *)&w->control->stop;
}

/* No memory for a task or a chunk: the walk stops, and JavaScript fails the run (never a silent gap). */
static void out_of_memory(struct walk *w) {
  c.lock(w->lock);
  w->control->out_of_memory = 1;
  w->control->stop = 1;
  c.broadcast(w->more);
  c.broadcast(w->room);
  c.unlock(w->lock);
}

static struct chunk *new_chunk(usize cap, int is_error) {
  struct chunk *chunk = c.malloc(sizeof(struct chunk) + cap);
  if (!chunk) return 0;
  chunk->next = 0;
  chunk->len = 0;
  chunk->cap = cap;
  chunk->is_error = is_error;
  return chunk;
}

/* Queues a chunk for JavaScript (called with the lock held); wakes it when the queue was empty. */
static void enqueue(struct walk *w, struct chunk *chunk) {
  if (w->tail) w->tail->next = chunk;
  else w->head = chunk;
  w->tail = chunk;
  w->queued++;
  if (!w->notified) {
    w->notified = 1;
    w->notify(1);
  }
}

/* Hands a full output chunk over, waiting while JavaScript is MAX_QUEUED_CHUNKS behind. */
static void hand_over(struct walk *w, struct chunk *chunk) {
  c.lock(w->lock);
  while (w->queued >= MAX_QUEUED_CHUNKS && !stopped(w)) c.wait(w->room, w->lock);
  /* logclean's records say what was deleted: reported even after a stop. */
  if (stopped(w) && !w->control->clean) c.free(chunk);
  else enqueue(w, chunk);
  c.unlock(w->lock);
}

/* One piece of a record: a record's pieces always go into the same chunk. */
struct piece {
  const void *bytes;
  usize len;
};

/* Appends one record (its pieces) to the thread's chunk; a new chunk when it is full. */
static int append(struct thread *t, struct chunk **slot, struct piece *pieces, int count) {
  usize need = 0;
  for (int i = 0; i < count; i++) need += pieces[i].len;
  struct chunk *chunk = *slot;
  if (chunk && chunk->len + need > chunk->cap) {
    if (chunk->is_error) {
      c.lock(t->walk->lock);
      enqueue(t->walk, chunk);
      c.unlock(t->walk->lock);
    } else {
      hand_over(t->walk, chunk);
    }
    chunk = 0;
  }
  if (!chunk) {
    chunk = new_chunk(need > CHUNK_SIZE ? need : CHUNK_SIZE, slot == &t->errors);
    *slot = chunk;
    if (!chunk) {
      out_of_memory(t->walk);
      return -1;
    }
  }
  for (int i = 0; i < count; i++) {
    copy(chunk->data + chunk->len, pieces[i].bytes, pieces[i].len);
    chunk->len += pieces[i].len;
  }
  return 0;
}

/* An error for a directory below the root: errno, the call, the path's length, the path. */
static void report(struct thread *t, struct task *task, int errno_value, int op) {
  int header[3];
  struct piece pieces[2];
  header[0] = errno_value;
  header[1] = op;
  header[2] = task->len;
  pieces[0].bytes = header;
  pieces[0].len = sizeof header;
  pieces[1].bytes = task->path;
  pieces[1].len = task->len;
  t->errors_seen++;
  append(t, &t->errors, pieces, 2);
}

/* Errors go to JavaScript when their directory is done: reported as met, not at the end. */
static void flush_errors(struct thread *t) {
  if (!t->errors || t->errors->len == 0) return;
  c.lock(t->walk->lock);
  enqueue(t->walk, t->errors);
  c.unlock(t->walk->lock);
  t->errors = 0;
}

static int is_symlink(int dir_fd, const char *name) {
  unsigned char stat[256];
  if (c.statx(dir_fd, name, AT_SYMLINK_NOFOLLOW, STATX_TYPE, stat) != 0) return 0;
  unsigned short mode = *(unsigned short *)(stat + 28);
  return (mode & S_IFMT) == S_IFLNK;
}

/*
 * One O_NOFOLLOW openat per component (kernels without openat2, or paths past PATH_MAX): a
 * symlink on the way fails with ELOOP as openat2 would say it. Returns a descriptor or -errno.
 */
static int open_in_steps(struct walk *w, char *path, int len) {
  int fd = w->control->root_fd;
  int start = 0;
  for (int i = 0; i <= len; i++) {
    if (i < len && path[i] != '/') continue;
    if (i == start) {
      start = i + 1;
      continue;
    }
    char saved = path[i];
    path[i] = 0;
    int next = c.openat(fd, path + start, w->control->open_flags | w->control->nofollow, 0);
    int error = next < 0 ? *c.errno_at() : 0;
    if (error == ENOTDIR && is_symlink(fd, path + start)) error = ELOOP;
    path[i] = saved;
    if (fd != w->control->root_fd) c.close(fd);
    if (next < 0) return -error;
    fd = next;
    start = i + 1;
  }
  return fd;
}

/*
 * Opens a directory below the root without following any symlink: a descriptor or -errno, and in
 * *op the call that answered.
 */
static int open_beneath(struct walk *w, struct task *task, int *op) {
  struct control *k = w->control;
  *op = OP_OPENAT2;
  if (*(volatile int *)&k->use_openat2 && task->len < PATH_MAX) {
    unsigned long how[3];
    how[0] = (unsigned long)(unsigned)k->open_flags;
    how[1] = 0;
    how[2] = 0x08 | 0x04 | 0x02; /* RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS */
    int fd = (int)c.syscall(SYS_OPENAT2, k->root_fd, (long)task->path, (long)how, sizeof how);
    if (fd >= 0) return fd;
    int error = *c.errno_at();
    if (error != ENOSYS && error != EPERM) return -error;
    k->use_openat2 = 0;
  }
  *op = OP_OPEN;
  return open_in_steps(w, task->path, task->len);
}

/* Whether a name matches one of `count` globs (per glob: a kind byte, a length byte, the bytes). */
static int globs_match(const unsigned char *g, int count, const unsigned char *name, usize len) {
  for (int i = 0; i < count; i++) {
    int kind = g[0];
    usize n = g[1];
    const unsigned char *text = g + 2;
    g += 2 + n;
    if (kind == 0 ? len != n : len < n) continue;
    const unsigned char *at = kind == 1 ? name + len - n : name;
    usize j = 0;
    while (j < n && at[j] == text[j]) j++;
    if (j == n) return 1;
  }
  return 0;
}

static int glob_matches(struct control *k, const unsigned char *name, usize len) {
  return k->glob_count == 0 || globs_match(k->globs, k->glob_count, name, len);
}

/* logclean's part (clean.c, compiled after this file). */
static int clean_may_descend(struct thread *t, int dir_fd, const char *name);
static int clean_may_read(struct thread *t, int fd);
static void clean_consider(struct thread *t, struct task *task, int dir_fd, const char *name, usize len);
static void clean_act(struct thread *t, struct task *task, int dir_fd);
static void clean_free(struct thread *t);
static int clean_start(struct control *k);

static int kind_of(int dir_fd, const char *name, int type) {
  if (type == DT_REG) return KIND_FILE;
  if (type == DT_DIR) return KIND_DIR;
  if (type == DT_LNK) return KIND_LINK;
  if (type != DT_UNKNOWN) return KIND_OTHER;
  /* Some filesystems do not fill d_type: ask the inode. */
  unsigned char stat[256];
  if (c.statx(dir_fd, name, AT_SYMLINK_NOFOLLOW, STATX_TYPE, stat) != 0) return KIND_OTHER;
  unsigned mode = *(unsigned short *)(stat + 28) & S_IFMT;
  return mode == 0100000 ? KIND_FILE : mode == 0040000 ? KIND_DIR : mode == S_IFLNK ? KIND_LINK : KIND_OTHER;
}

/* Reads one directory: matches counted or handed over, subdirectories pushed in one go. */
static void read_dir(struct thread *t, struct task *task) {
  struct walk *w = t->walk;
  struct control *k = w->control;
  int op = OP_OPEN;
  int fd = task->depth == 0 ? k->root_fd : open_beneath(w, task, &op);
  if (fd < 0) {
    report(t, task, -fd, op);
    flush_errors(t);
    return;
  }
  if (k->clean && task->depth > 0 && !clean_may_read(t, fd)) {
    c.close(fd);
    return;
  }
  t->dirs++;
  int depth = task->depth + 1;
  int descend = depth < k->max_depth;
  int shown = depth <= k->max_depth; /* --max-depth 0: the root is read, nothing shown */
  struct task *children = 0;
  struct task *last_child = 0;
  for (;;) {
    isize n = c.getdents64(fd, t->dents, DENTS_SIZE);
    if (n < 0) {
      report(t, task, *c.errno_at(), OP_GETDENTS);
      break;
    }
    if (n == 0) break;
    for (isize at = 0; at < n;) {
      unsigned char *entry = t->dents + at;
      at += *(unsigned short *)(entry + 16);
      const char *name = (const char *)entry + 19;
      if (name[0] == '.' && (!name[1] || (name[1] == '.' && !name[2]))) continue;
      if (!k->hidden && name[0] == '.') continue;
      t->entries++;
      usize len = name_length(name);
      int kind = kind_of(fd, name, entry[18]);
      if (kind == KIND_DIR && descend && (!k->clean || clean_may_descend(t, fd, name))) {
        struct task *child = c.malloc(sizeof(struct task) + task->len + 1 + len + 1);
        if (!child) {
          out_of_memory(w);
        } else {
          int slash = task->len > 0;
          copy(child->path, task->path, task->len);
          if (slash) child->path[task->len] = '/';
          copy(child->path + task->len + slash, name, len + 1);
          child->len = task->len + slash + (int)len;
          child->depth = depth;
          child->next = 0;
          if (last_child) last_child->next = child;
          else children = child;
          last_child = child;
        }
      }
      if (k->clean) {
        if (kind == KIND_FILE) clean_consider(t, task, fd, name, len);
        continue;
      }
      if (!shown || !(k->type_mask & kind) || !glob_matches(k, (const unsigned char *)name, len))
        continue;
      t->matched++;
      if (k->print) {
        unsigned char separator = (unsigned char)k->separator;
        struct piece pieces[5];
        pieces[0].bytes = k->prefix;
        pieces[0].len = k->prefix_len;
        pieces[1].bytes = task->path;
        pieces[1].len = task->len;
        pieces[2].bytes = "/";
        pieces[2].len = task->len > 0;
        pieces[3].bytes = name;
        pieces[3].len = len;
        pieces[4].bytes = &separator;
        pieces[4].len = 1;
        append(t, &t->out, pieces, 5); /* on failure the walk stops (out_of_memory) */
      }
    }
    if (stopped(w)) break;
  }
  if (k->clean) clean_act(t, task, fd);
  if (fd != k->root_fd) c.close(fd);
  c.lock(w->lock);
  if (children) {
    last_child->next = w->stack;
    w->stack = children;
    c.broadcast(w->more);
  }
  k->matched += t->matched;
  k->entries += t->entries;
  k->dirs += t->dirs;
  k->errors += t->errors_seen;
  c.unlock(w->lock);
  t->matched = t->entries = t->dirs = t->errors_seen = 0;
  flush_errors(t);
}

static void *worker(void *arg) {
  struct thread *t = arg;
  struct walk *w = t->walk;
  for (;;) {
    c.lock(w->lock);
    while (!w->stack && w->busy > 0 && !stopped(w)) c.wait(w->more, w->lock);
    if (!w->stack || stopped(w)) {
      c.broadcast(w->more);
      c.unlock(w->lock);
      break;
    }
    struct task *task = w->stack;
    w->stack = task->next;
    w->busy++;
    c.unlock(w->lock);
    read_dir(t, task);
    c.free(task);
    c.lock(w->lock);
    if (--w->busy == 0 && !w->stack) c.broadcast(w->more);
    c.unlock(w->lock);
  }
  c.lock(w->lock);
  if (t->out && t->out->len > 0 && (!stopped(w) || w->control->clean)) enqueue(w, t->out);
  else if (t->out) c.free(t->out);
  if (t->errors && t->errors->len > 0) enqueue(w, t->errors);
  else if (t->errors) c.free(t->errors);
  int last = --w->running == 0;
  if (last) *(volatile int *)&w->control->done = 1;
  c.unlock(w->lock);
  clean_free(t);
  c.free(t->dents);
  c.free(t);
  if (last) w->notify(2);
  return 0;
}

/* Byte offsets JavaScript checks its layout of struct control against. */
long walker_layout(int field) {
  struct control *k = 0;
  switch (field) {
    case 0: return sizeof(struct control);
    case 1: return (long)&k->matched;
    case 2: return (long)&k->globs;
    case 3: return (long)&k->prefix;
    case 4: return (long)&k->stop;
    case 6: return (long)&k->out_of_memory;
    case 5: return (long)((struct chunk *)0)->data;
    case 7: return (long)&k->clean;
    case 8: return (long)&k->delete_before_ms;
    case 9: return (long)&k->excludes;
  }
  return -1;
}

/* libc's functions, in compiled-walker.ts's order. */
void walker_setup(void **fns) {
  void **slot = (void **)&c;
  for (usize i = 0; i < sizeof c / sizeof(void *); i++) slot[i] = fns[i];
}

/*
 * Starts the walk of control->root_fd on control->threads threads; `notify` is called (from a
 * walker thread) with 1 when chunks wait in the queue and with 2 when the walk is over. Returns
 * the walk, or 0 when nothing could be started (no memory).
 */
struct walk *walker_start(struct control *control, void (*notify)(int)) {
  struct walk *w = c.malloc(sizeof(struct walk));
  struct task *root = c.malloc(sizeof(struct task) + 1);
  if (!w || !root) {
    if (w) c.free(w);
    if (root) c.free(root);
    return 0;
  }
  zero(w, sizeof(struct walk));
  w->control = control;
  w->notify = notify;
  root->next = 0;
  root->depth = 0;
  root->len = 0;
  root->path[0] = 0;
  w->stack = root;
  if (control->clean && !clean_start(control)) {
    c.free(root);
    c.free(w);
    return 0;
  }
  int threads = control->threads < 1 ? 1 : control->threads > MAX_THREADS ? MAX_THREADS : control->threads;
  c.lock(w->lock);
  for (int i = 0; i < threads; i++) {
    struct thread *t = c.malloc(sizeof(struct thread));
    unsigned char *dents = c.malloc(DENTS_SIZE);
    if (!t || !dents) {
      if (t) c.free(t);
      if (dents) c.free(dents);
      break;
    }
    zero(t, sizeof(struct thread));
    t->walk = w;
    t->dents = dents;
    w->running++;
    if (c.thread_create(&w->ids[w->started], 0, worker, t) != 0) {
      w->running--;
      c.free(dents);
      c.free(t);
      break;
    }
    w->started++;
  }
  int none = w->started == 0;
  c.unlock(w->lock);
  if (none) {
    c.free(root);
    c.free(w);
    return 0;
  }
  return w;
}

/* The next chunk for JavaScript (0 when the queue is empty: the next one notifies again). */
struct chunk *walker_take(struct walk *w) {
  c.lock(w->lock);
  struct chunk *chunk = w->head;
  if (chunk) {
    w->head = chunk->next;
    if (!w->head) w->tail = 0;
    w->queued--;
    c.broadcast(w->room);
  } else {
    w->notified = 0;
  }
  c.unlock(w->lock);
  return chunk;
}

void walker_free_chunk(struct chunk *chunk) {
  c.free(chunk);
}

/* Asks the threads to stop at the next directory (and not to wait for room). */
void walker_stop(struct walk *w) {
  c.lock(w->lock);
  *(volatile int *)&w->control->stop = 1;
  c.broadcast(w->more);
  c.broadcast(w->room);
  c.unlock(w->lock);
}

/* After the last notify(2): joins the threads, frees what is left. */
void walker_finish(struct walk *w) {
  for (int i = 0; i < w->started; i++) c.thread_join(w->ids[i], 0);
  while (w->stack) {
    struct task *task = w->stack;
    w->stack = task->next;
    c.free(task);
  }
  while (w->head) {
    struct chunk *chunk = w->head;
    w->head = chunk->next;
    c.free(chunk);
  }
  c.free(w);
}
