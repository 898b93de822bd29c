/*
 * The floor for bench/fs: counts *.log under a directory with getdents64 only (no stat, no
 * output), on N threads sharing a queue of directories. What any tool on this machine pays in
 * the kernel for the same walk; not a tool (no errors reported, no symlink handling).
 * Build: gcc -O2 -o walk walk.c -lpthread. Run: walk THREADS DIR
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

struct dirent64_raw {
  unsigned long ino;
  long off;
  unsigned short reclen;
  unsigned char type;
  char name[];
};

static char **queue;
static size_t head, tail, capacity = 1 << 20;
static int busy;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static atomic_long matches;

static void push(char *path) {
  pthread_mutex_lock(&lock);
  queue[tail++ % capacity] = path;
  pthread_cond_signal(&wake);
  pthread_mutex_unlock(&lock);
}

static int is_dot(const char *name) {
  return name[0] == '.' && (!name[1] || (name[1] == '.' && !name[2]));
}

static void read_dir(char *path, char *buf, size_t size, long *local) {
  int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  for (;;) {
    long n = syscall(SYS_getdents64, fd, buf, size);
    if (n <= 0) break;
    for (long at = 0; at < n;) {
      struct dirent64_raw *entry = (void *)(buf + at);
      at += entry->reclen;
      if (is_dot(entry->name)) continue;
      size_t length = strlen(entry->name);
      if (entry->type == DT_DIR) {
        size_t base = strlen(path);
        char *child = malloc(base + length + 2);
        memcpy(child, path, base);
        child[base] = '/';
        memcpy(child + base + 1, entry->name, length + 1);
        push(child);
      } else if (length >= 4 && !memcmp(entry->name + length - 4, ".log", 4)) {
        (*local)++;
      }
    }
  }
  close(fd);
}

static void *worker(void *unused) {
  (void)unused;
  static _Thread_local char buf[65536];
  long local = 0;
  for (;;) {
    pthread_mutex_lock(&lock);
    while (head == tail && busy) pthread_cond_wait(&wake, &lock);
    if (head == tail) {
      pthread_cond_broadcast(&wake);
      pthread_mutex_unlock(&lock);
      break;
    }
    char *path = queue[head++ % capacity];
    busy++;
    pthread_mutex_unlock(&lock);
    read_dir(path, buf, sizeof buf, &local);
    free(path);
    pthread_mutex_lock(&lock);
    if (--busy == 0 && head == tail) pthread_cond_broadcast(&wake);
    pthread_mutex_unlock(&lock);
  }
  atomic_fetch_add(&matches, local);
  return NULL;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: walk THREADS DIR\n");
    return 2;
  }
  int threads = atoi(argv[1]);
  if (threads < 1 || threads > 64) threads = 1;
  queue = malloc(sizeof(char *) * capacity);
  push(strdup(argv[2]));
  pthread_t ids[64];
  for (int i = 0; i < threads; i++) pthread_create(&ids[i], NULL, worker, NULL);
  for (int i = 0; i < threads; i++) pthread_join(ids[i], NULL);
  printf("%ld\n", atomic_load(&matches));
  return 0;
}
