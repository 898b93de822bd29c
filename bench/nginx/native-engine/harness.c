// nginxlog's engine built natively: scan.wasm translated by wasm2c, compiled by gcc, run with
// no JavaScript around it. Repeats the setup nginxlog did (record-setup.ts), then counts LOG
// with THREADS threads, each its own instance over its share of the file read with pread() into
// the instance's read buffer, a megabyte at a time, as the product's threads do.
//
//   harness SETUP_DIR LOG THREADS   ->  one JSON line: threads, lines, seconds, requests, bytes
#define _GNU_SOURCE
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "scan.h"

struct w2c_env {
  wasm_rt_memory_t memory;
};

wasm_rt_memory_t* w2c_env_memory(struct w2c_env* env) { return &env->memory; }

void w2c_env_abort(struct w2c_env* env, u32 message, u32 file, u32 line, u32 column) {
  fprintf(stderr, "the engine aborted (line %u)\n", line);
  exit(3);
}

// ddsketch.ts's binOfSeconds, for times of 65.536 s or more (the engine has a table below).
u32 w2c_env_binOfMillis(struct w2c_env* env, f64 ms) {
  const double logGamma = log(1.01 / 0.99);
  const int offset = (int)ceil(log(1e-4) / logGamma);
  const int count = (int)ceil(log(1e5) / logGamma) - offset + 1;
  const double seconds = ms / 1000;
  if (seconds <= 1e-4) return 0;
  if (seconds >= 1e5) return count - 1;
  return (u32)(ceil(log(seconds) / logGamma) - offset);
}

#define MAX_CALLS 64
#define MAX_THREADS 16
#define READ_BYTES (1 << 20)

static const char* logPath;
static off_t logSize;
static int threadCount;
static unsigned char* setupMemory;
static size_t setupBytes;
static char calls[MAX_CALLS][256];
static int callCount;

struct share {
  int index;
  double lines, requests, bytes;
};

struct replayed {
  u32 buffer;
  u32 tables;
};

static void die(const char* what, const char* why) {
  fprintf(stderr, "harness: %s: %s\n", what, why);
  exit(2);
}

// The export calls nginxlog made, in order; each must return what it returned there, so the
// memory recorded then fits this instance's globals.
static struct replayed replay(w2c_scan* m) {
  struct replayed at = {0, 0};
  for (int i = 0; i < callCount; i++) {
    char name[64];
    unsigned expected;
    int used = 0, n = 0, more;
    double a[16];
    if (sscanf(calls[i], "%63s %u%n", name, &expected, &used) != 2) die("setup.txt", calls[i]);
    for (const char* p = calls[i] + used; n < 16 && sscanf(p, " %lf%n", &a[n], &more) == 1; n++)
      p += more;
    u32 result = 0;
    if (!strcmp(name, "millisBinTable")) result = w2c_scan_millisBinTable(m);
    else if (!strcmp(name, "tables")) result = at.tables = w2c_scan_tables(m, a[0], a[1], a[2], a[3]);
    else if (!strcmp(name, "buffer")) result = at.buffer = w2c_scan_buffer(m, a[0]);
    else if (!strcmp(name, "eventArea")) result = w2c_scan_eventArea(m);
    else if (!strcmp(name, "formatAreas")) result = w2c_scan_formatAreas(m);
    else if (!strcmp(name, "bufferLength")) w2c_scan_bufferLength(m, a[0]);
    else if (!strcmp(name, "configure"))
      w2c_scan_configure(m, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10],
                         a[11], a[12], a[13], a[14]);
    else die("setup.txt: a call this harness does not know", name);
    if (result != expected) die("setup.txt: a call returned another address", name);
  }
  if (!at.buffer || !at.tables) die("setup.txt", "no buffer() or tables() call");
  return at;
}

// The offset of the first line starting at or after `at` (0 stays 0).
static off_t lineStart(int fd, unsigned char* scratch, off_t at) {
  if (at == 0) return 0;
  for (off_t from = at - 1;; from += 4096) {
    ssize_t n = pread(fd, scratch, 4096, from);
    if (n <= 0) return logSize;
    unsigned char* newline = memchr(scratch, '\n', n);
    if (newline) return from + (newline - scratch) + 1;
  }
}

static void* count(void* argument) {
  struct share* share = argument;
  wasm_rt_init_thread();
  struct w2c_env env;
  wasm_rt_allocate_memory(&env.memory, (setupBytes >> 16) + 1, 16384, false,
                          WASM_DEFAULT_PAGE_SIZE);
  w2c_scan engine;
  wasm2c_scan_instantiate(&engine, &env);
  struct replayed at = replay(&engine);
  memcpy(env.memory.data, setupMemory, setupBytes);
  unsigned char* buffer = env.memory.data + at.buffer;

  int fd = open(logPath, O_RDONLY);
  if (fd < 0) die(logPath, "cannot open");
  off_t position = lineStart(fd, buffer, logSize * share->index / threadCount);
  const off_t end = lineStart(fd, buffer, logSize * (share->index + 1) / threadCount);
  u32 kept = 0;
  for (;;) {
    off_t want = READ_BYTES - kept;
    if (want > end - position) want = end - position;
    ssize_t n = want > 0 ? pread(fd, buffer + kept, want, position) : 0;
    if (n < 0) die(logPath, "read failed");
    position += n;
    const u32 length = kept + n;
    // Whole lines only, but for the last line of the share.
    u32 complete = length;
    if (position < end) {
      unsigned char* newline = memrchr(buffer, '\n', length);
      if (!newline) die(logPath, "a line longer than the read buffer");
      complete = newline - buffer + 1;
    }
    for (u32 start = 0; start < complete; start = w2c_scan_stopped(&engine)) {
      w2c_scan_scan(&engine, at.buffer, start, complete);
      share->lines += w2c_scan_passed(&engine);
    }
    kept = length - complete;
    memmove(buffer, buffer + complete, kept);
    if (position >= end && kept == 0) break;
  }
  close(fd);
  // tables()' list holds countAreas' list at 44; that list's first address is the totals.
  u32 countList, totals;
  memcpy(&countList, env.memory.data + at.tables + 44, 4);
  memcpy(&totals, env.memory.data + countList, 4);
  memcpy(&share->requests, env.memory.data + totals, 8);
  memcpy(&share->bytes, env.memory.data + totals + 8, 8);
  return 0;
}

static unsigned char* readAll(const char* path, size_t* size) {
  FILE* file = fopen(path, "rb");
  if (!file) die(path, "cannot open");
  fseek(file, 0, SEEK_END);
  *size = ftell(file);
  fseek(file, 0, SEEK_SET);
  unsigned char* bytes = malloc(*size + 1);
  if (fread(bytes, 1, *size, file) != *size) die(path, "short read");
  bytes[*size] = 0;
  fclose(file);
  return bytes;
}

int main(int argc, char** argv) {
  if (argc != 4) die("usage", "harness SETUP_DIR LOG THREADS");
  char path[4096];
  snprintf(path, sizeof path, "%s/setup.bin", argv[1]);
  setupMemory = readAll(path, &setupBytes);
  snprintf(path, sizeof path, "%s/setup.txt", argv[1]);
  size_t textBytes;
  char* text = (char*)readAll(path, &textBytes);
  for (char* line = strtok(text, "\n"); line && callCount < MAX_CALLS; line = strtok(0, "\n"))
    snprintf(calls[callCount++], 256, "%s", line);
  logPath = argv[2];
  threadCount = atoi(argv[3]);
  if (threadCount < 1 || threadCount > MAX_THREADS) die("THREADS", "not 1 to 16");
  struct stat status;
  if (stat(logPath, &status) != 0) die(logPath, "cannot stat");
  logSize = status.st_size;

  wasm_rt_init();
  struct timespec started, ended;
  clock_gettime(CLOCK_MONOTONIC, &started);
  pthread_t ids[MAX_THREADS];
  struct share shares[MAX_THREADS] = {0};
  for (int i = 0; i < threadCount; i++) {
    shares[i].index = i;
    pthread_create(&ids[i], 0, count, &shares[i]);
  }
  double lines = 0, requests = 0, bytes = 0;
  for (int i = 0; i < threadCount; i++) {
    pthread_join(ids[i], 0);
    lines += shares[i].lines;
    requests += shares[i].requests;
    bytes += shares[i].bytes;
  }
  clock_gettime(CLOCK_MONOTONIC, &ended);
  double seconds = (ended.tv_sec - started.tv_sec) + (ended.tv_nsec - started.tv_nsec) / 1e9;
  printf("{\"threads\":%d,\"lines\":%.0f,\"seconds\":%.4f,\"requests\":%.0f,\"bytes\":%.0f}\n",
         threadCount, lines, seconds, requests, bytes);
  return 0;
}
