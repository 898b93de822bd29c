/*
 * logclean's work on walker.c's threads (compiled after it, one source): each thread examines
 * the logs of the directory it reads (statx, through the directory's descriptor) and deletes
 * those that have expired there and then (unlinkat), as find -delete does: the look that decides
 * is the check right before the unlink. With --keep-newest the directory's logs are planned
 * together once it is read (newest first, as clean.ts's planDirectory), then the directory is
 * opened again from the root to check it is still the one read, and each log is examined again
 * (inode, device, size, mtime) right before its unlink. JavaScript only turns the records below
 * into report lines. Everything else logclean does (compression, --max-delete's whole plan
 * first) stays in clean.ts.
 *
 * A record per deleted, planned or failed file: struct record, then the path below the root.
 */

struct planned {
  usize name_at;
  int name_len;
  unsigned nlink;
  unsigned long long ino;
  unsigned long long size;
  long long mtime_sec;
  unsigned mtime_nsec;
  unsigned dev_major;
  unsigned dev_minor;
  unsigned pad;
  double mtime_ms;
};

/* What became of a file (clean-compiled.ts reads these). */
enum { DELETED = 0, WOULD_DELETE = 1, CHANGED = 2, ACT_FAILED = 3, STAT_FAILED = 4 };
/* Why a file was CHANGED: act.ts's changedReasons file, dirSwapped, dirReplaced. */
enum { CHANGED_FILE = 0, CHANGED_DIR_SWAPPED = 1, CHANGED_DIR_REPLACED = 2 };
enum { OP_STATX = 3, OP_UNLINK = 4 };
enum { EXDEV = 18 };
enum {
  STATX_BASIC_STATS = 0x7ff,
  AT_EMPTY_PATH = 0x1000,
  AT_NO_AUTOMOUNT = 0x800,
  STATX_ATTR_MOUNT_ROOT = 0x2000,
  S_IFREG = 0100000
};

struct record {
  int type;
  int code; /* errno, or the CHANGED_ reason */
  int op;
  int len;  /* of the path below the root that follows */
  double size;
  double mtime_ms;
  double freed;
};

/* The statx fields used, at their offsets in struct statx. */
struct examined {
  unsigned long long attributes, attributes_mask, ino, size;
  unsigned nlink, mode, dev_major, dev_minor, mtime_nsec;
  long long mtime_sec;
};

static int examine(int dir_fd, const char *name, int flags, struct examined *e) {
  unsigned char b[256];
  if (c.statx(dir_fd, name, flags, STATX_BASIC_STATS, b) != 0) return *c.errno_at();
  e->attributes = *(unsigned long long *)(b + 8);
  e->nlink = *(unsigned *)(b + 16);
  e->mode = *(unsigned short *)(b + 28);
  e->ino = *(unsigned long long *)(b + 32);
  e->size = *(unsigned long long *)(b + 40);
  e->attributes_mask = *(unsigned long long *)(b + 56);
  e->mtime_sec = *(long long *)(b + 112);
  e->mtime_nsec = *(unsigned *)(b + 120);
  e->dev_major = *(unsigned *)(b + 136);
  e->dev_minor = *(unsigned *)(b + 140);
  return 0;
}

/* Reads the root's device: the walk stays on it unless --cross-devices. 0 when it cannot. */
static int clean_start(struct control *k) {
  struct examined root;
  if (examine(k->root_fd, "", AT_EMPTY_PATH, &root) != 0) return 0;
  k->root_dev_major = root.dev_major;
  k->root_dev_minor = root.dev_minor;
  /* Without statx's mount-root bit (Linux 5.8) a bind mount of the same filesystem would be crossed. */
  return k->cross_devices || (root.attributes_mask & STATX_ATTR_MOUNT_ROOT) != 0;
}

/* On the root's filesystem and no mount point (bind mounts included). */
static int on_root_mount(struct control *k, struct examined *dir) {
  if (dir->attributes & STATX_ATTR_MOUNT_ROOT) return 0;
  return dir->dev_major == k->root_dev_major && dir->dev_minor == k->root_dev_minor;
}

/* A subdirectory the walk may enter (looked at before it is opened). */
static int clean_may_descend(struct thread *t, int dir_fd, const char *name) {
  struct control *k = t->walk->control;
  if (k->cross_devices) return 1;
  struct examined dir;
  /* Failing here, the open that follows reports why. */
  if (examine(dir_fd, name, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT, &dir) != 0) return 1;
  return on_root_mount(k, &dir);
}

/*
 * The directory just opened is still one the walk may enter: a filesystem mounted on it since
 * clean_may_descend looked is not read (as clean.ts's walk checks the device it opened).
 */
static int clean_may_read(struct thread *t, int fd) {
  struct control *k = t->walk->control;
  if (k->cross_devices) return 1;
  struct examined dir;
  return examine(fd, "", AT_EMPTY_PATH, &dir) == 0 && on_root_mount(k, &dir);
}

static void emit(struct thread *t, struct task *task, const char *name, int name_len,
                 struct record *r) {
  struct piece pieces[4];
  int slash = task->len > 0;
  r->len = task->len + slash + name_len;
  pieces[0].bytes = r;
  pieces[0].len = sizeof *r;
  pieces[1].bytes = task->path;
  pieces[1].len = task->len;
  pieces[2].bytes = "/";
  pieces[2].len = slash;
  pieces[3].bytes = name;
  pieces[3].len = name_len;
  append(t, &t->out, pieces, 4); /* on failure the walk stops (out_of_memory) */
}

/*
 * Deletes an expired log as soon as it is examined (or says it would): the statx just made is the
 * check right before the unlink, nothing runs between them (find -delete's way). Only with
 * --keep-newest must the whole directory be read first, and each log is examined again then.
 */
static void act_now(struct thread *t, struct task *task, int dir_fd, const char *name, int len,
                    struct examined *e, double mtime_ms) {
  struct record r;
  zero(&r, sizeof r);
  r.size = (double)e->size;
  r.mtime_ms = mtime_ms;
  r.freed = e->nlink > 1 ? 0 : (double)e->size;
  if (t->walk->control->dry_run) {
    r.type = WOULD_DELETE;
  } else if (c.unlinkat(dir_fd, name, 0) != 0) {
    r.type = ACT_FAILED;
    r.code = *c.errno_at();
    r.op = OP_UNLINK;
    r.freed = 0;
  } else {
    r.type = DELETED;
  }
  emit(t, task, name, len, &r);
}

static void clean_consider(struct thread *t, struct task *task, int dir_fd, const char *name,
                           usize len) {
  struct control *k = t->walk->control;
  const unsigned char *bytes = (const unsigned char *)name;
  /* Ctrl-C, SIGTERM: no file more (the rest of a 64 KiB listing can be thousands). */
  if (stopped(t->walk)) return;
  if (!globs_match(k->globs, k->glob_count, bytes, len)) return;
  if (k->exclude_count > 0 && globs_match(k->excludes, k->exclude_count, bytes, len)) return;
  struct examined e;
  int error = examine(dir_fd, name, AT_SYMLINK_NOFOLLOW, &e);
  if (error) {
    struct record r;
    zero(&r, sizeof r);
    r.type = STAT_FAILED;
    r.code = error;
    emit(t, task, name, (int)len, &r);
    return;
  }
  t->matched++;
  if ((e.mode & S_IFMT) != S_IFREG) return;
  if (k->min_size >= 0 && (double)e.size < k->min_size) return;
  /* JavaScript's mtimeMs, computed the same way, so both ways take the same files. */
  double mtime_ms = (double)e.mtime_sec * 1000.0 + (double)e.mtime_nsec / 1e6;
  if (k->keep_newest == 0) {
    /* Nothing but this file decides: it is unlinked right after this look at it. */
    if (mtime_ms < k->delete_before_ms) act_now(t, task, dir_fd, name, (int)len, &e, mtime_ms);
    return;
  }
  struct plan *p = &t->plan;
  if (p->count == p->cap) {
    int cap = p->cap ? p->cap * 2 : 64;
    struct planned *files = c.realloc(p->files, cap * sizeof(struct planned));
    if (!files) {
      out_of_memory(t->walk);
      return;
    }
    p->files = files;
    p->cap = cap;
  }
  if (p->names_len + len + 1 > p->names_cap) {
    usize cap = p->names_cap ? p->names_cap * 2 : 4096;
    while (cap < p->names_len + len + 1) cap *= 2;
    char *names = c.realloc(p->names, cap);
    if (!names) {
      out_of_memory(t->walk);
      return;
    }
    p->names = names;
    p->names_cap = cap;
  }
  struct planned *f = &p->files[p->count++];
  f->name_at = p->names_len;
  f->name_len = (int)len;
  copy(p->names + p->names_len, name, len + 1);
  p->names_len += len + 1;
  f->nlink = e.nlink;
  f->ino = e.ino;
  f->size = e.size;
  f->mtime_sec = e.mtime_sec;
  f->mtime_nsec = e.mtime_nsec;
  f->dev_major = e.dev_major;
  f->dev_minor = e.dev_minor;
  f->mtime_ms = mtime_ms;
}

/* Newest first and stable (ties in directory order), as planDirectory's sort. */
static int sort_newest_first(struct plan *p) {
  int n = p->count;
  if (n < 2) return 1;
  struct planned *tmp = c.malloc(n * sizeof(struct planned));
  if (!tmp) return 0;
  for (int width = 1; width < n; width *= 2) {
    for (int lo = 0; lo < n; lo += 2 * width) {
      int mid = lo + width < n ? lo + width : n;
      int hi = lo + 2 * width < n ? lo + 2 * width : n;
      int i = lo, j = mid, o = lo;
      /* copy(), not struct assignment: TinyCC on arm64 makes that a call to memmove. */
      while (i < mid && j < hi) {
        int take = p->files[j].mtime_ms > p->files[i].mtime_ms ? j++ : i++;
        copy(&tmp[o++], &p->files[take], sizeof(struct planned));
      }
      while (i < mid) copy(&tmp[o++], &p->files[i++], sizeof(struct planned));
      while (j < hi) copy(&tmp[o++], &p->files[j++], sizeof(struct planned));
    }
    copy(p->files, tmp, n * sizeof(struct planned));
  }
  c.free(tmp);
  return 1;
}

/*
 * The directory, opened again from the root as the walk opened it, is still the one read: a
 * directory moved out of the root (a symlink left in its place) is not cleaned. 0 when it holds,
 * a CHANGED_ reason (> 0), or -errno.
 */
static int same_directory(struct thread *t, struct task *task, int dir_fd) {
  int op;
  int again = open_beneath(t->walk, task, &op);
  if (again < 0) {
    int error = -again;
    if (error == ELOOP || error == ENOTDIR || error == EXDEV) return CHANGED_DIR_SWAPPED;
    return again;
  }
  struct examined now, read;
  int failed = examine(again, "", AT_EMPTY_PATH, &now);
  if (!failed) failed = examine(dir_fd, "", AT_EMPTY_PATH, &read);
  c.close(again);
  if (failed) return -failed;
  if (now.ino != read.ino || now.dev_major != read.dev_major || now.dev_minor != read.dev_minor)
    return CHANGED_DIR_REPLACED;
  return 0;
}

/* Deletes one planned file if it is still what was examined; fills its record. */
static void delete_one(int dir_fd, const char *name, struct planned *f, struct record *r) {
  struct examined now;
  int error = examine(dir_fd, name, AT_SYMLINK_NOFOLLOW, &now);
  if (error) {
    r->type = ACT_FAILED;
    r->code = error;
    r->op = OP_STATX;
    return;
  }
  if ((now.mode & S_IFMT) != S_IFREG || now.ino != f->ino || now.dev_major != f->dev_major ||
      now.dev_minor != f->dev_minor || now.size != f->size || now.mtime_sec != f->mtime_sec ||
      now.mtime_nsec != f->mtime_nsec) {
    r->type = CHANGED;
    r->code = CHANGED_FILE;
    return;
  }
  if (c.unlinkat(dir_fd, name, 0) != 0) {
    r->type = ACT_FAILED;
    r->code = *c.errno_at();
    r->op = OP_UNLINK;
    return;
  }
  r->type = DELETED;
  r->freed = now.nlink > 1 ? 0 : (double)now.size;
}

/* The directory's plan, once all of it is read: delete (or say what would be) what has expired. */
static void clean_act(struct thread *t, struct task *task, int dir_fd) {
  struct control *k = t->walk->control;
  struct plan *p = &t->plan;
  int first = k->keep_newest;
  int expired = 0;
  if (p->count > first && !stopped(t->walk)) {
    if (!sort_newest_first(p)) out_of_memory(t->walk);
    else
      for (int i = first; i < p->count; i++) expired += p->files[i].mtime_ms < k->delete_before_ms;
  }
  /* The root is the descriptor JavaScript opened and checked; below it, check again. */
  int directory = expired && !k->dry_run && task->depth > 0 ? same_directory(t, task, dir_fd) : 0;
  for (int i = first; expired && i < p->count && !stopped(t->walk); i++) {
    struct planned *f = &p->files[i];
    if (!(f->mtime_ms < k->delete_before_ms)) continue;
    const char *name = p->names + f->name_at;
    struct record r;
    zero(&r, sizeof r);
    r.size = (double)f->size;
    r.mtime_ms = f->mtime_ms;
    if (directory > 0) {
      r.type = CHANGED;
      r.code = directory;
    } else if (directory < 0) {
      r.type = ACT_FAILED;
      r.code = -directory;
      r.op = OP_OPENAT2;
    } else if (k->dry_run) {
      r.type = WOULD_DELETE;
      r.freed = f->nlink > 1 ? 0 : (double)f->size;
    } else {
      delete_one(dir_fd, name, f, &r);
    }
    emit(t, task, name, f->name_len, &r);
  }
  p->count = 0;
  p->names_len = 0;
}

static void clean_free(struct thread *t) {
  if (t->plan.files) c.free(t->plan.files);
  if (t->plan.names) c.free(t->plan.names);
}
